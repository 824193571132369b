// /emulator/v1/events: the dashboard's live updates as server-sent events. Each tick reads the
// stats and the attempts that ended since the last one (one read job, no task read); nothing runs
// while no client is connected.
#include <memory>

#include "api/rest_decoding.h"

namespace cte::api {

namespace {

// Ticks once a second: what the dashboard's sparklines are drawn at.
constexpr std::chrono::milliseconds kEventInterval{1000};

std::string EventText(const char* name, const Json& data) {
  return std::string("event: ") + name + "\ndata: " + DumpJson(data) + "\n\n";
}

std::string EventsText(const Events& events) {
  std::string out = EventText("stats", StatsJson(events.stats));
  for (const auto& a : events.attempts) out += EventText("attempt", AttemptJson(a));
  return out;
}

// One client's stream: `after` moves on as attempts are sent. Lives on the I/O thread.
class HarnessEvents final : public EventSource, public std::enable_shared_from_this<HarnessEvents> {
 public:
  HarnessEvents(EmulatorControl& emulator, std::function<void(pipeline::Job)> submit,
                pipeline::Lane& lane)
      : emulator_(emulator), submit_(std::move(submit)), lane_(lane) {}

  void Next(std::function<void(std::string)> deliver) override {
    pipeline::Job job = TypedJob<Events>(
        [&e = emulator_, after = after_] { return e.ListEvents(after); },
        [self = shared_from_this(), deliver = std::move(deliver)](core::Result<Events> r) {
          if (!r.ok()) return deliver(EventText("error", ErrorToJson(r.status())));
          self->after_ = r->last;
          deliver(EventsText(*r));
        },
        pipeline::Access::kRead);
    job.lane = &lane_;
    submit_(std::move(job));
  }

  std::chrono::milliseconds Interval() const override { return kEventInterval; }

 private:
  EmulatorControl& emulator_;
  std::function<void(pipeline::Job)> submit_;
  pipeline::Lane& lane_;
  int64_t after_ = 0;
};

}  // namespace

core::Result<RestResponse> EventStream(const Decoding& d) {
  CTE_RETURN_IF_ERROR(CheckQuery(d.t, {}));
  if (d.targets.emulator == nullptr || !d.local.submit) {
    return core::Unimplemented("Events are not served here.");
  }
  RestResponse r{200, "", "text/event-stream; charset=utf-8"};
  r.events = std::make_shared<HarnessEvents>(*d.targets.emulator, d.local.submit, d.lane);
  return r;
}

}  // namespace cte::api
