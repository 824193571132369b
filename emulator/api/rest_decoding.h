// What decoding one REST request needs, shared by the API's and the harness's decoders, and how
// a decoded call becomes a job that renders its answer. Private to api/.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "api/call.h"
#include "api/json_codec.h"
#include "api/rest_handler.h"
#include "api/rest_request.h"

namespace cte::api {

struct Decoding {
  const ParsedTarget& t;
  const RestRequest& request;
  const std::string& resource;  // The name or parent in the path.
  Rpc rpc;
  JsonOptions options;
  const Targets& targets;
  const LocalAnswers& local;
  pipeline::Lane& lane;
  std::function<void(RestResponse)> reply;

  core::Result<Json> Body() const { return ParseJsonBody(request.body); }

  // The job of a call: `execute` on the store's thread, then `encode` (value to JSON) and the
  // reply on the lane.
  template <typename T, typename Encode>
  pipeline::Job Job(std::function<core::Result<T>()> execute, Encode encode) const {
    pipeline::Job job = TypedJob<T>(
        std::move(execute),
        [reply = reply, encode = std::move(encode)](core::Result<T> r) {
          reply(r.ok() ? RestResponse{200, DumpJson(encode(*r))} : ErrorResponse(r.status()));
        },
        targets.service.AccessOf(rpc));
    job.lane = &lane;
    return job;
  }
};

// The jobs of the harness's calls (/emulator/v1); rest_emulator.cc.
core::Result<pipeline::Job> DecodeEmulatorCall(const Decoding& d);

// The jobs of the REST-only methods, BufferTask and the CMEK config; rest_only_calls.cc.
core::Result<pipeline::Job> DecodeRestOnlyCall(const Decoding& d);

// The harness's JSON for an attempt and for the stats (rest_emulator.cc).
Json AttemptJson(const core::AttemptLogEntry& e);
Json StatsJson(const Stats& s);

// The answer of /emulator/v1/events: server-sent events, a "stats" event each second and an
// "attempt" event for each attempt that ended (rest_events.cc). UNIMPLEMENTED where nothing can
// run it (no harness, or no way to submit jobs).
core::Result<RestResponse> EventStream(const Decoding& d);

}  // namespace cte::api
