// The protobuf <-> core mapping of the gRPC adapter: Cloud Tasks v2 messages to the same core
// values the REST adapter reads from JSON, and back. No gRPC here, only generated messages.
#pragma once

#include "google/cloud/location/locations.pb.h"
#include "google/cloud/tasks/v2/cloudtasks.pb.h"
#include "google/iam/v1/iam_policy.pb.h"

#include <string>

#include "core/model.h"
#include "core/status.h"

namespace cte::grpc {

namespace tasks_pb = ::google::cloud::tasks::v2;
namespace iam_pb = ::google::iam::v1;
namespace location_pb = ::google::cloud::location;

// Readers. Output-only fields are read too (the service ignores them, as REST does). `path`
// names the value in errors, in snake_case ("queue", "task"). INVALID_ARGUMENT for values the
// JSON mapping could not carry either: enum numbers out of range, Durations and Timestamps
// outside protobuf's valid range.
core::Status FromProto(const tasks_pb::Queue& in, const std::string& path, core::Queue& out);
core::Status FromProto(const tasks_pb::Task& in, const std::string& path, core::Task& out);
core::Status FromProto(const iam_pb::Policy& in, core::Policy& out);
core::Status TaskViewFromProto(int view, const std::string& path, core::TaskView& out);

// Writers; unset (zero) values are left unset.
void ToProto(const core::Queue& in, tasks_pb::Queue& out);
void ToProto(const core::Task& in, tasks_pb::Task& out);
void ToProto(const core::Policy& in, iam_pb::Policy& out);
void ToProto(const core::Location& in, location_pb::Location& out);

}  // namespace cte::grpc
