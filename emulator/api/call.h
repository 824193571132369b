// A typed call through the pipeline, the one shape every adapter (REST, gRPC, the harness's
// endpoints) gives its calls: decoded to core values on the adapter's thread, executed once on
// the store's thread, its result read back (and encoded) on the adapter's lane.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "api/emulator.h"
#include "api/service.h"
#include "core/status.h"
#include "pipeline/job.h"

namespace cte::api {

// What calls run against on the store's thread. Both must outlive every job made for them.
struct Targets {
  Service& service;
  EmulatorControl* emulator = nullptr;  // Null where the harness is not served.
};

// The value of a call that answers nothing but its status (DeleteQueue, DeleteTask, Reset).
struct Empty {};

// Makes the job of a call: `execute` runs once on the store's thread (inside the batch's
// transaction) and its result waits there; `finish` hears it once on the job's lane: the value
// when the call succeeded and its writes committed, else the error (the call's own, the
// commit's, or why it never ran).
template <typename T>
pipeline::Job TypedJob(std::function<core::Result<T>()> execute,
                       std::function<void(core::Result<T>)> finish, pipeline::Access access) {
  auto result = std::make_shared<std::optional<core::Result<T>>>();
  return {[result, execute = std::move(execute)] {
            result->emplace(execute());
            return (*result)->status();
          },
          [result, finish = std::move(finish)](const core::Status& s) {
            if (s.ok()) {
              finish(std::move(**result));
            } else {
              finish(s);
            }
          },
          access};
}

// A Status-returning service method as a Result<Empty>.
inline core::Result<Empty> AsEmpty(const core::Status& s) {
  if (!s.ok()) return s;
  return Empty{};
}

}  // namespace cte::api
