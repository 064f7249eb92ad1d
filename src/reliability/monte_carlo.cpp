// Monte-Carlo simulation of whole runs with random failures and repairs.
//
// One trial walks from failure to failure, not from step to step: between two events
// the job completes whole checkpoint segments in O(1), so a 90-day run on 200,000 GPUs
// (about 10^4 failures) costs about 10^4 iterations. The model is the closed form's
// (goodput.cpp): exponential failures while running, a failure loses the work since the
// last durable checkpoint and costs the restart time, plus a wait for a repaired node when
// no hot spare is free (repairs take a fixed time and finish in the order they began);
// planned interruptions cost a checkpoint and a restart and lose nothing.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <limits>
#include <random>
#include <thread>

#include "colossim/reliability.hpp"

namespace colossim {

namespace {
// SplitMix64 (Steele, Lea, Flood, OOPSLA 2014): turns (seed, trial) into well-mixed,
// independent seeds for each trial's generator.
std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Draws written out (not std::exponential_distribution, whose algorithm the standard
// leaves to each library) so that a seed gives the same runs everywhere.
struct Draws {
    std::mt19937_64 rng;
    double uniform() { return double(rng() >> 11) * 0x1.0p-53; }  // [0, 1)
    double exponential(double mean) { return -std::log1p(-uniform()) * mean; }
};

struct Run {
    const RunModel& m;
    std::int64_t full;         // whole segments of τ useful seconds
    std::int64_t segments;     // + a last, shorter one when τ does not divide the work
    double full_length, last_length;  // running seconds of each (useful + blocking)

    double length(std::int64_t i) const { return i < full ? full_length : last_length; }
};

struct State {
    std::int64_t segment = 0;  // the segment under way (segments done = this)
    double position = 0;       // running seconds into it
    bool fresh = false;        // it began at a checkpoint that may not be durable yet
};

// Runs for up to `budget` running seconds; returns the seconds used (less only when the
// run finishes first). Whole segments are skipped in bulk.
double advance(const Run& run, State& s, double budget) {
    double used = 0;
    while (s.segment < run.segments) {
        double left = run.length(s.segment) - s.position;
        if (budget - used < left) {
            s.position += budget - used;
            return budget;
        }
        used += left;
        ++s.segment;
        s.position = 0;
        s.fresh = true;
        if (s.segment < run.full) {
            const double whole = (budget - used) / run.full_length;  // infinite without failures
            const std::int64_t left_full = run.full - s.segment;
            const std::int64_t k = whole >= double(left_full) ? left_full : static_cast<std::int64_t>(whole);
            s.segment += k;
            used += double(k) * run.full_length;
        }
    }
    return used;
}

// Hot spares: a node that fails is swapped for a spare and comes back `repair` later.
// With every spare in use, the job waits for enough repairs to finish. Returns the wait.
class SparePool {
public:
    SparePool(std::int64_t spares, double repair) : spares_(spares), repair_(repair) {}
    void reset() { in_repair_.clear(); }
    double fail(double now) {
        while (!in_repair_.empty() && in_repair_.front() <= now) in_repair_.pop_front();
        in_repair_.push_back(now + repair_);
        auto missing = static_cast<std::int64_t>(in_repair_.size()) - spares_;
        return missing > 0 ? in_repair_[static_cast<std::size_t>(missing - 1)] - now : 0;
    }

private:
    std::int64_t spares_;
    double repair_;
    std::deque<double> in_repair_;  // completion times, in order
};

struct TrialResult {
    double wall = 0;
    double interruptions = 0;
};

TrialResult run_trial(const Run& run, std::uint64_t seed, SparePool& spares) {
    const RunModel& m = run.m;
    Draws draw{std::mt19937_64(seed)};
    spares.reset();
    const double inf = std::numeric_limits<double>::infinity();
    const double mtbf = m.failure_rate.value > 0 ? 1 / m.failure_rate.value : inf;
    const double planned_mean = m.planned_rate.value > 0 ? 1 / m.planned_rate.value : inf;
    const double planned_cost = (m.write + m.planned_restart).value;
    auto next = [&](double mean) { return std::isfinite(mean) ? draw.exponential(mean) : inf; };

    State s;
    TrialResult out;
    double to_failure = next(mtbf), to_planned = next(planned_mean);
    while (true) {
        double used = advance(run, s, std::min(to_failure, to_planned));
        out.wall += used;
        if (s.segment >= run.segments) break;
        to_failure -= used;
        to_planned -= used;
        if (to_planned <= to_failure) {
            out.wall += planned_cost;
            to_planned = next(planned_mean);
            continue;
        }
        out.interruptions += 1;
        // The checkpoint that opened this segment was still being written: it is lost too.
        if (s.fresh && s.position < m.lag.value && s.segment > 0) --s.segment;
        s.position = 0;
        s.fresh = false;
        double downtime = m.restart.value;
        if (draw.uniform() < m.repair_fraction) downtime += spares.fail(out.wall);
        out.wall += downtime;
        to_failure = next(mtbf);
    }
    return out;
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p * double(sorted.size())));
    return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

Distribution distribution(std::vector<double> values) {
    Distribution d;
    if (values.empty()) return d;
    double sum = 0;
    for (double v : values) sum += v;
    d.mean = sum / double(values.size());
    std::sort(values.begin(), values.end());
    d.p50 = percentile(values, 0.50);
    d.p90 = percentile(values, 0.90);
    d.p99 = percentile(values, 0.99);
    const double lo = values.front(), hi = values.back(), width = (hi - lo) / kHistogramBins;
    d.edges.resize(kHistogramBins + 1);
    for (int i = 0; i <= kHistogramBins; ++i) d.edges[std::size_t(i)] = lo + width * i;
    d.counts.assign(kHistogramBins, 0);
    for (double v : values) {
        const int bin = width > 0 ? std::min(kHistogramBins - 1, int((v - lo) / width)) : 0;
        ++d.counts[std::size_t(bin)];
    }
    return d;
}
}  // namespace

MonteCarloResult simulate_runs(const RunModel& m, std::int64_t trials, std::uint64_t seed, int threads,
                               const std::function<void(double)>& progress, bool keep_samples) {
    MonteCarloResult r;
    r.trials = trials;
    r.seed = seed;
    if (trials <= 0) return r;
    const double tau = m.interval.value, w = m.work.value;
    Run run{m, 0, 0, tau + m.blocking.value, 0};
    run.full = static_cast<std::int64_t>(std::floor(w / tau * (1 + 1e-12)));
    const double rest = std::max(0.0, w - double(run.full) * tau);
    run.segments = run.full + (rest > 0 ? 1 : 0);
    run.last_length = rest + m.blocking.value;

    std::vector<double> wall(static_cast<std::size_t>(trials)), interruptions(static_cast<std::size_t>(trials));
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = static_cast<int>(std::min<std::int64_t>(threads, trials));
    std::atomic<std::int64_t> done{0};
    auto work = [&](int t) {
        SparePool spares(m.spares, m.repair.value);
        std::int64_t reported = 0;  // hundredths last reported (thread 0 only)
        for (std::int64_t i = t; i < trials; i += threads) {
            TrialResult tr = run_trial(run, splitmix64(seed ^ splitmix64(std::uint64_t(i))), spares);
            wall[static_cast<std::size_t>(i)] = tr.wall;
            interruptions[static_cast<std::size_t>(i)] = tr.interruptions;
            const std::int64_t n = done.fetch_add(1, std::memory_order_relaxed) + 1;
            if (t == 0 && progress && n * 100 / trials > reported) {
                reported = n * 100 / trials;
                progress(double(n) / double(trials));
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& t : pool) t.join();
    if (progress) progress(1.0);

    if (keep_samples) {
        r.wall_clock_samples = wall;
        r.interruption_samples = interruptions;
    }
    r.wall_clock_s = distribution(std::move(wall));
    r.interruptions = distribution(std::move(interruptions));
    r.goodput = w / r.wall_clock_s.mean;
    return r;
}

void check_simulation_size(const GoodputResult& expected, std::int64_t trials) {
    constexpr double kMaxFailures = 2e9;
    double per_trial = expected.interruptions_expected + expected.planned_expected;
    if (trials > 0 && !(double(trials) * per_trial <= kMaxFailures)) {  // also refuses NaN and infinity
        double most_trials = std::isfinite(per_trial) ? kMaxFailures / std::max(per_trial, 1.0) : 0;
        auto most = static_cast<std::int64_t>(most_trials);
        std::string each = std::isfinite(per_trial) ? std::to_string(static_cast<std::int64_t>(per_trial)) : "endless";
        throw InputError("trials", std::to_string(trials),
                         "at most " + std::to_string(most) + " for this run: each trial draws about " + each +
                             " interruptions and a simulation draws 2e9 at most");
    }
}

}  // namespace colossim
