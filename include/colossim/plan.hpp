// The planner: every valid parallel plan of a scenario, each estimated by the analytical
// engine, ranked by an objective. Deterministic for any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "colossim/cost.hpp"
#include "colossim/estimate.hpp"
#include "colossim/scenario.hpp"

namespace colossim {

enum class PlanObjective { throughput, time_to_train, cost };

// The values a search tries for each choice. A choice the scenario fixed has one value.
// The space is the product of the lists (described as data, iterated as one index).
struct PlanSpace {
    std::vector<std::int64_t> tp, pp, cp, vpp, ep, micro_batch;
    std::vector<int> zero;
    std::vector<Recompute> recompute;
    std::vector<int> sequence_parallel;  // 1 on, 0 off, -1 "on when tp > 1"
    std::int64_t size() const;
};

// The default space for a scenario: tp powers of two up to 64 and the heads; pp the
// divisors of the GPU count up to the layers; cp powers of two while every rank keeps at
// least 2,048 tokens (at most 32); vpp 1-8; ep the divisors of the experts; micro-batch
// 1-16 (powers of two); ZeRO 0-3; recomputation none/selective/full; sequence
// parallelism on when tp > 1. Keys in `fixed` ("parallelism.tp", "training.micro_batch",
// ...) keep the scenario's value.
PlanSpace default_space(const Scenario& s, const std::set<std::string>& fixed);

struct PlanOptions {
    PlanObjective objective = PlanObjective::throughput;
    std::size_t top = 10;
    unsigned threads = 0;   // 0: all hardware threads
    bool keep_all = false;  // keep every evaluated plan (for CSV/SQLite), in space order
    // Called from the calling thread about ten times a second with the fraction done.
    std::function<void(double)> progress;
};

struct PlanRow {
    Parallelism parallelism;
    std::int64_t micro_batch = 1;
    StepResult result;
    double objective = 0;  // lower is better
};

struct PlanResult {
    std::int64_t gpus = 0;
    std::int64_t candidates = 0;  // size of the space
    std::int64_t evaluated = 0;   // plans that passed every check and were estimated
    std::map<std::string, std::int64_t> rejected;  // reason -> plans
    std::vector<PlanRow> best;    // plans that fit, best first, at most `top`
    std::vector<PlanRow> all;     // with keep_all: every estimated plan, in space order
    double elapsed_s = 0;
};

// Lower is better: step time per token (throughput), time to train, or cost to train
// (needs training.tokens for the last two; without tokens they rank as throughput).
double objective_value(PlanObjective objective, const Scenario& s, const StepResult& r);

PlanResult search_plans(const Scenario& base, const PlanSpace& space, const PlanOptions& options,
                        const Calibration& calibration);

// Several GPU counts: the best plan of each (deadline and Pareto questions).
struct GpuCountResult {
    std::int64_t gpus = 0;
    PlanResult plans;
};
std::vector<GpuCountResult> search_gpu_counts(const Scenario& base, const std::set<std::string>& fixed,
                                              const std::vector<std::int64_t>& gpu_counts, const PlanOptions& options,
                                              const Calibration& calibration);

// GPU counts from lo to hi: powers of two and 1.5 x powers of two (1024, 1536, 2048, ...).
std::vector<std::int64_t> gpu_count_ladder(std::int64_t lo, std::int64_t hi);

// The entries of `results` not dominated in (time to train, cost): ascending GPU counts.
std::vector<std::size_t> pareto_front(const std::vector<GpuCountResult>& results);

const char* to_string(PlanObjective o);

}  // namespace colossim
