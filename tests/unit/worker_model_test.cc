#include "experiment/worker_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "support/draw_checks.h"

using namespace cte;
using namespace cte::experiment;
using namespace std::chrono;
using core::Duration;
using testing::CheckWithin3Sigma;
using testing::Fixed;
using testing::LogNormal;
using testing::Uniform;

namespace {

constexpr int kDraws = 100'000;

Answer HttpAnswer(int status) { return Answer{Answer::Kind::kStatus, status, std::nullopt}; }
Answer Kind(Answer::Kind kind) { return Answer{kind, 0, std::nullopt}; }

}  // namespace

TEST_CASE("the latency takes one number whatever its shape: failures do not move with it") {
  std::vector<Failure> failures = {{HttpAnswer(500), 0.3}};
  WorkerDraw fixed(WorkerModel{Fixed(seconds(2)), failures, {}}, 42);
  WorkerDraw uniform(WorkerModel{Uniform(seconds(0), seconds(1)), failures, {}}, 42);
  WorkerDraw lognormal(WorkerModel{LogNormal(seconds(1), seconds(3)), failures, {}}, 42);
  for (int i = 0; i < 1000; ++i) {
    int status = fixed.Next(seconds(1)).answer.status;
    REQUIRE(uniform.Next(seconds(1)).answer.status == status);
    REQUIRE(lognormal.Next(seconds(1)).answer.status == status);
  }
}

TEST_CASE("the same seed gives the same replies, another seed, others") {
  WorkerModel model{LogNormal(seconds(1), seconds(5)),
                    {{HttpAnswer(500), 0.2}, {Kind(Answer::Kind::kReset), 0.1}},
                    {}};
  WorkerDraw a(model, 9), b(model, 9), c(model, 10);
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    Reply x = a.Next(seconds(i)), y = b.Next(seconds(i)), z = c.Next(seconds(i));
    REQUIRE(x.after == y.after);
    REQUIRE(x.answer.kind == y.answer.kind);
    REQUIRE(x.answer.status == y.answer.status);
    differ += x.after != z.after ? 1 : 0;
  }
  CHECK(differ > 990);
}

TEST_CASE("failure probabilities are realised within 3 sigma over 100,000 requests") {
  WorkerModel model{Fixed(seconds(2)),
                    {{HttpAnswer(500), 0.05},
                     {Kind(Answer::Kind::kTimeout), 0.1},
                     {Kind(Answer::Kind::kReset), 0.02}},
                    {}};
  WorkerDraw draw(model, 1);
  int64_t errors = 0, timeouts = 0, resets = 0, successes = 0;
  for (int i = 0; i < kDraws; ++i) {
    Reply r = draw.Next(seconds(1));
    switch (r.answer.kind) {
      case Answer::Kind::kTimeout:
        ++timeouts;
        REQUIRE(r.after == Duration::max());
        break;
      case Answer::Kind::kReset:
        ++resets;
        REQUIRE(r.after == seconds(2));
        break;
      default:
        REQUIRE(r.answer.kind == Answer::Kind::kStatus);
        REQUIRE(r.after == seconds(2));
        (r.answer.status == 500 ? errors : successes) += 1;
        REQUIRE((r.answer.status == 500 || r.answer.status == 200));
    }
  }
  CheckWithin3Sigma(errors, kDraws, 0.05);
  CheckWithin3Sigma(timeouts, kDraws, 0.1);
  CheckWithin3Sigma(resets, kDraws, 0.02);
  CheckWithin3Sigma(successes, kDraws, 0.83);
}

TEST_CASE("probability 1 always fails, 0 never") {
  WorkerDraw draw(WorkerModel{Fixed(seconds(0)), {{HttpAnswer(502), 0}, {HttpAnswer(429), 1}}, {}},
                  5);
  for (int i = 0; i < 1000; ++i) REQUIRE(draw.Next(seconds(0)).answer.status == 429);
}

TEST_CASE("outages answer at once, with no draw, over from `from` up to `to`") {
  Answer unavailable = HttpAnswer(503);
  unavailable.retry_after = seconds(30);
  WorkerModel model{LogNormal(seconds(1), seconds(4)),
                    {{HttpAnswer(500), 0.3}},
                    {{seconds(300), seconds(900), unavailable},
                     {seconds(900), seconds(960), Kind(Answer::Kind::kRefuse)}}};
  WorkerDraw with_outages(model, 3);
  WorkerDraw plain(WorkerModel{model.latency, model.failures, {}}, 3);
  for (Duration t : std::vector<Duration>{seconds(0), seconds(299), seconds(961), seconds(2000)}) {
    Reply a = with_outages.Next(t), b = plain.Next(t);
    REQUIRE(a.after == b.after);
    REQUIRE(a.answer.status == b.answer.status);
    // Requests inside the outages in between take no number from the generator.
    for (Duration inside :
         {Duration(seconds(300)), Duration(seconds(600)), seconds(900) - nanoseconds(1)}) {
      Reply r = with_outages.Next(inside);
      CHECK(r.after == Duration(0));
      CHECK(r.answer.status == 503);
      CHECK(r.answer.retry_after == seconds(30));
    }
    Reply refused = with_outages.Next(seconds(900));
    CHECK(refused.answer.kind == Answer::Kind::kRefuse);
    CHECK(refused.after == Duration(0));
  }
  CHECK(with_outages.Next(seconds(960)).after > Duration(0));
}

TEST_CASE("changing a failure's probability does not shift the latencies") {
  WorkerModel rare{LogNormal(seconds(1), seconds(8)), {{HttpAnswer(500), 0.01}}, {}};
  WorkerModel often{LogNormal(seconds(1), seconds(8)), {{HttpAnswer(500), 0.5}}, {}};
  WorkerDraw a(rare, 11), b(often, 11);
  int answers_differ = 0;
  for (int i = 0; i < 1000; ++i) {
    Reply x = a.Next(seconds(i)), y = b.Next(seconds(i));
    REQUIRE(x.after == y.after);
    answers_differ += x.answer.status != y.answer.status ? 1 : 0;
  }
  CHECK(answers_differ > 400);
}

namespace cte::experiment {
namespace {

std::string TaskName(int i) { return "t" + std::to_string(10'000'000 + i); }

TEST_CASE("keyed replies: a task's attempt gets the same reply in any order, and the rates hold") {
  WorkerModel model{Uniform(seconds(1), seconds(3)), {{HttpAnswer(500), 0.1}}, {}};
  WorkerDraw forward(model, 7), backward(model, 7), other_seed(model, 8);
  constexpr int kTasks = 20'000;
  std::vector<Reply> first(kTasks);
  for (int i = 0; i < kTasks; ++i) first[i] = forward.Next(seconds(1), TaskName(i), 1);
  int failed = 0, same_as_other_seed = 0, same_next_attempt = 0;
  for (int i = kTasks - 1; i >= 0; --i) {
    Reply again = backward.Next(seconds(1), TaskName(i), 1);
    REQUIRE(again.after == first[i].after);
    REQUIRE(again.answer.status == first[i].answer.status);
    failed += first[i].answer.status == 500;
    same_as_other_seed += other_seed.Next(seconds(1), TaskName(i), 1).after == first[i].after;
    same_next_attempt += forward.Next(seconds(1), TaskName(i), 2).after == first[i].after;
  }
  CheckWithin3Sigma(failed, kTasks, 0.1);
  // 2,000,001 equally likely microseconds: a repeat is a coincidence, not the rule.
  CHECK(same_as_other_seed < 10);
  CHECK(same_next_attempt < 10);
  // Outages stay a matter of time alone.
  WorkerModel down = model;
  down.outages = {{seconds(10), seconds(20), HttpAnswer(503)}};
  CHECK(WorkerDraw(down, 7).Next(seconds(15), "t00000001", 3).answer.status == 503);
}

}  // namespace
}  // namespace cte::experiment
