#include "experiment/worker_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace cte;
using namespace cte::experiment;
using namespace std::chrono;
using core::Duration;

namespace {

constexpr int kDraws = 100'000;

Latency Fixed(Duration d) { return Latency{Latency::Fixed{d}}; }
Latency Uniform(Duration min, Duration max) { return Latency{Latency::Uniform{min, max}}; }
Latency LogNormal(Duration p50, Duration p99) { return Latency{Latency::LogNormal{p50, p99}}; }

Answer HttpAnswer(int status) { return Answer{Answer::Kind::kStatus, status, std::nullopt}; }
Answer Kind(Answer::Kind kind) { return Answer{kind, 0, std::nullopt}; }

// The value of nearest rank ceil(p * n) of sorted `v`.
Duration NearestRank(const std::vector<Duration>& v, double p) {
  return v[static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1];
}

std::vector<Duration> Draws(const Latency& latency, uint64_t seed, int n) {
  std::mt19937_64 random(seed);
  std::vector<Duration> out;
  for (int i = 0; i < n; ++i) out.push_back(WorkerDraw::Draw(latency, random));
  return out;
}

// |observed - n p| within 3 standard deviations of a binomial count.
void CheckWithin3Sigma(int64_t observed, int n, double p) {
  double sigma = std::sqrt(n * p * (1 - p));
  INFO("observed " << observed << ", expected " << n * p << " +- " << 3 * sigma);
  CHECK(std::abs(static_cast<double>(observed) - n * p) <= 3 * sigma);
}

}  // namespace

TEST_CASE("a log-normal with p50 2 s and p99 10 s: its median and p99 over 100,000 draws") {
  std::vector<Duration> draws = Draws(LogNormal(seconds(2), seconds(10)), 1, kDraws);
  std::sort(draws.begin(), draws.end());
  double p50 = duration<double>(NearestRank(draws, 0.5)).count();
  double p99 = duration<double>(NearestRank(draws, 0.99)).count();
  INFO("p50 " << p50 << " s, p99 " << p99 << " s");
  CHECK(std::abs(p50 - 2) <= 0.02 * 2);
  CHECK(std::abs(p99 - 10) <= 0.05 * 10);
  // Log-normal, not normal: the mean sits above the median, at exp(mu + sigma^2 / 2) =
  // 2 * exp(0.5 * (ln 5 / 2.3263)^2) = 2.541 s (its standard error here: 0.25 %).
  double mean = 0;
  for (Duration d : draws) mean += duration<double>(d).count() / kDraws;
  CHECK(mean == doctest::Approx(2.541).epsilon(0.01));
}

TEST_CASE("latencies come in whole microseconds, p50 == p99 is a fixed latency") {
  for (Duration d : Draws(LogNormal(milliseconds(150), milliseconds(900)), 7, 1000)) {
    REQUIRE(d.count() % 1000 == 0);
    REQUIRE(d > Duration(0));
  }
  for (Duration d : Draws(LogNormal(seconds(2), seconds(2)), 7, 1000)) REQUIRE(d == seconds(2));
  CHECK(Draws(Fixed(nanoseconds(1'500'600)), 1, 1)[0] == microseconds(1501));
}

TEST_CASE("uniform: both ends reachable, each microsecond equally likely, mean in the middle") {
  std::map<int64_t, int64_t> counts;
  for (Duration d : Draws(Uniform(microseconds(10), microseconds(13)), 3, kDraws)) {
    ++counts[duration_cast<microseconds>(d).count()];
  }
  REQUIRE(counts.size() == 4);
  for (int64_t us = 10; us <= 13; ++us) {
    INFO(us << " us");
    CheckWithin3Sigma(counts[us], kDraws, 0.25);
  }
  // Uniform over [1 s, 3 s]: mean 2 s, standard deviation 2 / sqrt(12) s.
  double mean = 0;
  for (Duration d : Draws(Uniform(seconds(1), seconds(3)), 3, kDraws)) {
    REQUIRE(d >= seconds(1));
    REQUIRE(d <= seconds(3));
    mean += duration<double>(d).count() / kDraws;
  }
  CHECK(std::abs(mean - 2) <= 3 * (2 / std::sqrt(12.0)) / std::sqrt(kDraws));
}

TEST_CASE("every shape takes exactly one number from the generator, Fixed too") {
  for (const Latency& latency :
       {Fixed(seconds(2)), Uniform(seconds(0), seconds(1)), LogNormal(seconds(1), seconds(3))}) {
    std::mt19937_64 random(42);
    std::mt19937_64 reference(42);
    (void)WorkerDraw::Draw(latency, random);
    reference.discard(1);
    CHECK(random() == reference());
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
