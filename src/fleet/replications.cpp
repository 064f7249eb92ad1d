// Replications on threads (each its own seeds, so the split does not matter) and the
// summary every surface prints: by job size, by cause, the fleet's use.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "colossim/fleet.hpp"

namespace colossim {

double JobOutcome::ettr() const {
    if (first_start_s < 0) return 0;
    const double span = until_s - first_start_s;
    return span > 0 ? std::min(1.0, useful_s / span) : 0;
}

std::vector<FleetReplication> run_fleet(const FleetSpec& spec, const FleetRunOptions& options) {
    const std::int64_t first = options.first;
    const std::int64_t count = options.count > 0 ? options.count : spec.replications - first;
    std::vector<FleetReplication> out(std::size_t(std::max<std::int64_t>(0, count)));
    if (out.empty()) return out;
    int threads = options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    threads = int(std::min<std::int64_t>(threads, count));
    std::atomic<std::int64_t> next{0}, done{0};
    // On one thread the calling thread runs them all and reports after each.
    const bool report_inline = threads == 1 && options.progress;
    auto work = [&] {
        for (std::int64_t i; (i = next++) < count;) {
            out[std::size_t(i)] = run_fleet_replication(spec, first + i, options.spans && first + i == 0,
                                                         options.keep_jobs || (options.spans && first + i == 0));
            const std::int64_t finished = ++done;
            if (report_inline && finished < count) options.progress(double(finished) / double(count));
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    if (options.progress && threads > 1) {
        // The calling thread reports while the others run.
        std::int64_t shown = -1;
        while (done.load() < count) {
            if (done.load() != shown) options.progress(double(shown = done.load()) / double(count));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    } else {
        work();
    }
    for (auto& t : pool) t.join();
    if (options.progress) options.progress(1.0);
    return out;
}

namespace {
double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = q * double(v.size() - 1);
    const auto lo = std::size_t(std::floor(pos));
    const auto hi = std::min(v.size() - 1, lo + 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

struct SizeClass {
    const char* label;
    std::int64_t lo, hi;
};
constexpr SizeClass kSizeClasses[] = {{"1", 1, 1},         {"2-8", 2, 8},           {"9-64", 9, 64},
                                      {"65-512", 65, 512}, {"513-4096", 513, 4096}, {"4097-32768", 4097, 32768},
                                      {">32768", 32769, std::int64_t(1) << 40}};
}  // namespace

FleetSummary summarize_fleet(const FleetSpec& spec, const std::vector<FleetReplication>& reps) {
    FleetSummary s;
    s.replications = std::int64_t(reps.size());
    if (reps.empty()) return s;
    const double n = double(reps.size());
    double hardware = 0, after_failure = 0;
    std::map<std::string, bool> needs_repair;
    if (spec.failures) {
        for (const auto& c : spec.failures->unexpected) needs_repair[c.name] = c.needs_repair;
    }
    for (const auto& r : reps) {
        s.utilisation += r.utilisation / n;
        s.down_fraction += r.down_fraction / n;
        for (const auto& [k, v] : r.failures) s.failures[k] += double(v) / n;
        for (const auto& [k, v] : r.interruptions) s.interruptions[k] += double(v) / n;
        for (const auto& [k, v] : r.gpu_hours_lost) {
            s.gpu_hours_lost[k] += v / n;
            if (needs_repair.count(k) && needs_repair[k]) hardware += v;
            if (k == "preemption after failure") after_failure += v;
        }
        s.checkpoint_gpu_hours += r.checkpoint_gpu_hours / n;
        s.spares_used += double(r.spares_used) / n;
        s.nodes_drained += double(r.nodes_drained) / n;
        s.preemptions += double(r.preemptions) / n;
        s.requeues += double(r.requeues) / n;
    }
    s.preemption_share = hardware + after_failure > 0 ? after_failure / (hardware + after_failure) : 0;
    for (const auto& c : kSizeClasses) {
        SizeClassSummary z;
        z.label = c.label;
        std::vector<double> waits, jcts;
        double useful = 0, span = 0;
        for (const auto& r : reps) {
            for (const auto& j : r.briefs) {
                if (j.gpus < c.lo || j.gpus > c.hi) continue;
                z.jobs++;
                z.interruptions += j.interruptions;
                if (j.wait_h >= 0) {
                    waits.push_back(j.wait_h);
                    useful += j.useful_gpu_h;
                    span += j.span_gpu_h;
                    z.running_hours += j.span_gpu_h / double(j.gpus);
                }
                if (j.jct_h >= 0) {
                    z.finished++;
                    jcts.push_back(j.jct_h);
                }
            }
        }
        if (z.jobs == 0) continue;
        z.wait_p50_h = percentile(waits, 0.5);
        z.wait_p90_h = percentile(waits, 0.9);
        z.wait_p99_h = percentile(waits, 0.99);
        double sum = 0;
        for (double w : waits) sum += w;
        z.wait_mean_h = waits.empty() ? 0 : sum / double(waits.size());
        z.jct_p50_h = percentile(jcts, 0.5);
        z.jct_p90_h = percentile(jcts, 0.9);
        z.jct_p99_h = percentile(jcts, 0.99);
        z.ettr = span > 0 ? useful / span : 0;
        z.mttf_h = z.interruptions > 0 ? z.running_hours / double(z.interruptions) : 0;
        s.jobs += z.jobs;
        s.finished += z.finished;
        // Counts are means a replication; the percentiles pool every replication's jobs.
        z.jobs = std::int64_t(std::llround(double(z.jobs) / n));
        z.finished = std::int64_t(std::llround(double(z.finished) / n));
        z.interruptions = std::int64_t(std::llround(double(z.interruptions) / n));
        z.running_hours /= n;
        s.sizes.push_back(z);
    }
    std::vector<double> others;
    for (const auto& r : reps) {
        for (const auto& j : r.briefs) {
            if (!j.listed && j.wait_h >= 0) others.push_back(j.wait_h);
        }
    }
    s.unlisted_wait.jobs = std::int64_t(std::llround(double(others.size()) / n));
    if (!others.empty()) {
        double sum = 0;
        for (double w : others) sum += w;
        s.unlisted_wait.mean_h = sum / double(others.size());
        s.unlisted_wait.p50_h = percentile(others, 0.5);
        s.unlisted_wait.p90_h = percentile(others, 0.9);
        s.unlisted_wait.p99_h = percentile(others, 0.99);
    }
    // Means a replication.
    s.jobs = std::int64_t(std::llround(double(s.jobs) / n));
    s.finished = std::int64_t(std::llround(double(s.finished) / n));
    return s;
}

}  // namespace colossim
