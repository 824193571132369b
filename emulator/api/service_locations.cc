// The Locations mixin of Service (google.cloud.location.Locations); see service.h.
#include <algorithm>

#include "api/names.h"
#include "api/page_token.h"
#include "api/service.h"

namespace cte::api {

namespace {

using core::Result;

// The locations Cloud Tasks serves; ListLocations adds any other location that holds queues.
constexpr const char* kRegions[] = {
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-southwest1",
    "europe-west1",
    "europe-west10",
    "europe-west12",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
};

core::Location MakeLocation(const std::string& name) {
  core::Location l;
  l.name = name;
  l.location_id = name.substr(name.rfind('/') + 1);
  return l;
}

}  // namespace

Result<ListLocationsResponse> Service::ListLocations(const ListLocationsRequest& request) {
  auto project = ParseProjectName(request.name);
  if (!project.ok()) return project.status();
  if (!request.filter.empty()) {
    return core::Unimplemented("The emulator does not support filters on ListLocations.");
  }
  auto in_use = store_.queues().ListLocations(*project);
  if (!in_use.ok()) return in_use.status();
  std::vector<std::string> names = *in_use;
  for (const char* region : kRegions) names.push_back(request.name + "/locations/" + region);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  int all = static_cast<int>(names.size()) + 1;
  auto size = PageSize(request.page.page_size, all, all);
  if (!size.ok()) return size.status();
  auto start = DecodePageToken(request.page.page_token, "l", request.name);
  if (!start.ok()) return start.status();
  ListLocationsResponse out;
  auto it = std::upper_bound(names.begin(), names.end(), *start);
  for (; it != names.end() && static_cast<int>(out.locations.size()) < *size; ++it) {
    out.locations.push_back(MakeLocation(*it));
  }
  if (it != names.end()) out.next_page_token = EncodePageToken("l", request.name, *std::prev(it));
  return out;
}

Result<core::Location> Service::GetLocation(const std::string& name) {
  auto parsed = ParseLocationName(name);
  if (!parsed.ok()) return parsed.status();
  return MakeLocation(name);
}

}  // namespace cte::api
