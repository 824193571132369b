// The Locations mixin of Service (google.cloud.location.Locations) and the CMEK config of a
// location; see service.h.
#include <algorithm>

#include "api/names.h"
#include "api/page_token.h"
#include "api/service.h"

namespace cte::api {

namespace {

using core::Result;
using core::Status;

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

bool HasQueueAuthentication(const core::Queue& q) {
  return q.http_target && (q.http_target->oauth_token || q.http_target->oidc_token);
}

Status CmekConflict(const std::string& location) {
  return core::FailedPrecondition(
      "Queue-level authentication (httpTarget.oauthToken or httpTarget.oidcToken) cannot be "
      "combined with CMEK: " +
      location + " would have both.");
}

// projects/*/locations/<the config's location>/keyRings/*/cryptoKeys/*: the key's project may
// differ from the config's, its location may not.
Status CheckKmsKey(const LocationName& location, const std::string& key) {
  std::vector<std::string_view> parts;
  std::string_view rest = key;
  for (size_t slash; (slash = rest.find('/')) != std::string_view::npos;) {
    parts.push_back(rest.substr(0, slash));
    rest.remove_prefix(slash + 1);
  }
  parts.push_back(rest);
  bool ok = parts.size() == 8 && parts[0] == "projects" && parts[2] == "locations" &&
            parts[3] == location.location && parts[4] == "keyRings" && parts[6] == "cryptoKeys" &&
            std::none_of(parts.begin(), parts.end(), [](auto p) { return p.empty(); });
  if (ok) return Status::Ok();
  return core::InvalidArgument(
      "CmekConfig.kmsKey must be of the form projects/PROJECT_ID/locations/" + location.location +
      "/keyRings/KEY_RING_ID/cryptoKeys/KEY_ID, not \"" + key + "\".");
}

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

namespace cte::api {

Status Service::CheckCmekAllows(const core::Queue& queue) {
  if (!HasQueueAuthentication(queue)) return Status::Ok();
  std::string location = queue.name.substr(0, queue.name.find("/queues/"));
  auto key = store_.queues().GetKmsKey(location);
  if (!key.ok()) return key.status();
  return key->empty() ? Status::Ok() : CmekConflict(location);
}

Result<core::CmekConfig> Service::GetCmekConfig(const std::string& location) {
  auto parsed = ParseLocationName(location);
  if (!parsed.ok()) return parsed.status();
  auto key = store_.queues().GetKmsKey(location);
  if (!key.ok()) return key.status();
  return core::CmekConfig{location + "/cmekConfig", std::move(*key)};
}

Result<core::CmekConfig> Service::UpdateCmekConfig(const std::string& location,
                                                   const std::string& kms_key,
                                                   const std::vector<std::string>& update_mask) {
  auto parsed = ParseLocationName(location);
  if (!parsed.ok()) return parsed.status();
  // kms_key is the one field a mask may name: name is the config's identifier, never updated.
  for (const std::string& path : update_mask) {
    if (path != "kms_key") {
      return core::InvalidArgument("Invalid update_mask path \"" + path + "\".");
    }
  }
  if (!kms_key.empty()) {
    CTE_RETURN_IF_ERROR(CheckKmsKey(*parsed, kms_key));
    auto queues = store_.queues().List(location + "/queues/", "", -1);
    if (!queues.ok()) return queues.status();
    for (const core::Queue& q : *queues) {
      if (HasQueueAuthentication(q)) return CmekConflict(location);
    }
  }
  CTE_RETURN_IF_ERROR(store_.queues().PutKmsKey(location, kms_key));
  return core::CmekConfig{location + "/cmekConfig", kms_key};
}

}  // namespace cte::api
