// Goodput under failures: a failure model from data files, checkpoint cost and policy,
// the expected time to train in closed form, and a Monte-Carlo simulation of whole runs.
//
// Failure model. A failure profile (data/reliability/NAME.yaml) lists interruptions by
// cause, each counted over an observed run (duration x components) and scaled by one
// kind of component: a cause's rate per component-second is count / (observed
// components x observed duration), and a job's rate is the sum over causes of that rate
// times the components the job uses (GPUs, nodes, NICs, fabric links and switches from
// the datacenter layer, or 1 a job). Inter-failure times are exponential (Poisson).
//
// Checkpoints. Size = 2 B bf16 weights + 12 B fp32 master weights and Adam moments per
// parameter (the engine's memory model; no gradients). Every GPU writes its shard in
// parallel (fully parallel save, as Megatron-Core dist_checkpointing), so writing takes
// size / min(storage bandwidth, nodes x node storage bandwidth). A synchronous checkpoint
// blocks training for that whole write; an asynchronous one blocks only while each GPU
// copies its shard to host memory, and becomes durable a write time later.
//
// Closed form (exponential failures at rate 1/M, failures only while the job runs): a
// segment of L = τ + δ running seconds (τ useful, δ blocking) needs on average
// (M + D)(e^{L/M} − 1) wall seconds and e^{L/M} − 1 failures, D the mean downtime a failure
// costs (detection + restart + restore, plus any wait for a repaired node) (Daly 2006,
// FGCS 22(3), the expected segment time with restart cost). An asynchronous checkpoint
// that is lost with a failure in the first `lag` seconds after it multiplies both by
// e^{lag/M} (derived in src/reliability/goodput.cpp). The first-order form
// 1 − δ/τ − (τ/2 + D)/M (Young 1974) is reported beside it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <functional>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/errors.hpp"
#include "colossim/hardware.hpp"
#include "colossim/scenario.hpp"
#include "colossim/spec.hpp"
#include "colossim/units.hpp"

namespace colossim {

// What a failure rate is counted per.
enum class Component { gpu, node, nic, link, network_switch, job };
const char* to_string(Component c);

struct ComponentCounts {
    double gpus = 0, nodes = 0, nics = 0, links = 0, switches = 0, jobs = 1;
    double of(Component c) const;
};

struct FailureCause {
    std::string name;
    Component per = Component::gpu;
    double count = 0;           // interruptions seen in the observed run
    bool needs_repair = true;   // hardware: a node leaves for repair; else a restart in place
};

// data/reliability/NAME.yaml (schema in data/README.md).
struct FailureProfile {
    std::string name, description;
    Seconds observed_duration;
    ComponentCounts observed;             // the components of the observed run
    std::vector<FailureCause> unexpected;
    std::vector<FailureCause> planned;    // maintenance: a checkpoint and a restart, no lost work
    Seconds detection, restart, repair;   // to notice a failure; to relaunch; a node out of service
    double spare_fraction = 0;            // hot-spare nodes, as a fraction of the job's nodes
    ByteRate storage_bandwidth;           // aggregate checkpoint write/read bandwidth
    ByteRate node_storage_bandwidth;      // one node's share at most
    ByteRate host_copy_bandwidth;         // GPU -> host memory (asynchronous checkpoints)
    std::map<std::string, std::string> sources;
};

// `overrides` replace top-level fields ({"restart", "5 min"} from --restart-time).
FailureProfile read_failure_profile(const std::string& yaml_text, const std::string& source_name,
                                    const std::vector<Override>& overrides, Diagnostics& diagnostics);
FailureProfile load_failure_profile(const Catalog& catalog, const std::string& reference,
                                    const std::vector<Override>& overrides, Diagnostics& diagnostics);

// The components a job on `gpus` GPUs of cluster `c` uses: its nodes, one NIC a GPU, and
// the switches and links of the fat tree that joins them (datacenter layer).
ComponentCounts job_components(const ClusterSpec& c, std::int64_t gpus, Diagnostics& diagnostics);

// One cause's rate per component (count / (observed components x observed duration)).
Frequency rate_per_component(const FailureProfile& p, const FailureCause& cause);

struct JobFailureRates {
    Frequency unexpected, planned;
    Frequency needs_repair;  // the part of `unexpected` that takes a node out for repair
    std::vector<std::pair<std::string, Frequency>> by_cause;  // unexpected, in profile order
};
JobFailureRates job_failure_rates(const FailureProfile& p, const ComponentCounts& job);

enum class CheckpointMode { sync, async };

struct CheckpointCost {
    Bytes size;               // whole job
    std::int64_t writers = 0; // GPUs writing a shard each
    ByteRate bandwidth;       // min(storage, nodes x node storage bandwidth)
    Seconds write;            // until durable
    Seconds blocking;         // training stalls: the write (sync) or the copy to host (async)
    Seconds restore;          // reading it back after a failure
};
constexpr double kCheckpointBytesPerParameter = 14;  // 2 B bf16 weights + 12 B fp32 master + Adam m, v
CheckpointCost checkpoint_cost(double parameters, std::int64_t gpus, std::int64_t gpus_per_node,
                               const FailureProfile& p, CheckpointMode mode);

// Useful time between checkpoints that minimises the expected run time: Daly's
// higher-order estimate sqrt(2δM)·[1 + (δ/2M)^½/3 + (δ/2M)/9] − δ for δ < 2M, else M
// (Daly 2006, "A higher order estimate of the optimum checkpoint interval for restart
// dumps", FGCS 22(3)); to first order Young's sqrt(2δM) (Young 1974, CACM 17(9)).
Seconds daly_interval(Seconds blocking, Seconds mtbf);
Seconds young_interval(Seconds blocking, Seconds mtbf);

// Everything the closed form and the Monte-Carlo simulation share.
struct RunModel {
    Seconds work;                  // useful training time without failures
    Seconds step;                  // checkpoints fall on step boundaries
    Frequency failure_rate;        // unexpected interruptions of the job
    double repair_fraction = 0;    // of those, the ones that take a node out for repair
    Frequency planned_rate;
    Seconds interval;              // useful time between checkpoints (whole steps)
    Seconds blocking;              // per checkpoint
    Seconds lag;                   // async: a checkpoint is lost with a failure this soon after it
    Seconds write;                 // a checkpoint before a planned stop
    Seconds restart;               // detection + restart + restore after a failure
    Seconds planned_restart;       // restart + restore after a planned stop
    Seconds repair;                // a failed node out of service
    std::int64_t spares = 0;       // hot-spare nodes
};

struct CheckpointPolicy {
    CheckpointMode mode = CheckpointMode::sync;
    std::optional<Seconds> interval;     // nullopt: Daly's optimum
    std::optional<std::int64_t> spares;  // nullopt: the profile's spare_fraction of the nodes
};

struct RunInputs {
    RunModel model;
    JobFailureRates rates;
    ComponentCounts components;
    CheckpointCost checkpoint;
};

// Builds the run model of a scenario that needs `work` seconds of failure-free training
// at `step` seconds a step.
RunInputs build_run_model(const Scenario& s, Seconds work, Seconds step, const FailureProfile& p,
                          const CheckpointPolicy& policy, Diagnostics& diagnostics);

struct GoodputResult {
    Seconds job_mtbf;                 // 1 / unexpected rate
    double interruptions_expected = 0;  // unexpected, over the expected running time
    double planned_expected = 0;
    double goodput = 0;               // work / expected wall clock
    double goodput_first_order = 0;   // 1 − δ/τ − (τ/2 + D)/M − planned share (Young)
    Seconds wall_clock;               // expected
    Seconds mean_downtime;            // D: a failure's restart plus its expected wait for a node
    double spare_shortfall = 0;       // chance a repair-needing failure finds no spare
};
GoodputResult expected_goodput(const RunModel& m);

struct Distribution {
    double mean = 0, p50 = 0, p90 = 0, p99 = 0;
    // The trials in kHistogramBins equal bins from the least to the greatest value:
    // counts[i] fall in [edges[i], edges[i + 1]) (the last bin holds its upper edge).
    std::vector<double> edges;
    std::vector<std::int64_t> counts;
};
constexpr int kHistogramBins = 30;
struct MonteCarloResult {
    std::int64_t trials = 0;
    std::uint64_t seed = 0;
    Distribution wall_clock_s, interruptions;
    double goodput = 0;  // work / mean wall clock
    // Each trial's wall clock (s) and interruptions, in trial order, when asked for.
    std::vector<double> wall_clock_samples, interruption_samples;
};
// Trials are independent: trial i draws from its own generator seeded from (seed, i), so
// the result does not depend on `threads` (0: one a hardware thread). `progress`, when
// given, is called from the calling thread with the fraction of trials done (at most a
// hundred times, and with 1 at the end).
MonteCarloResult simulate_runs(const RunModel& m, std::int64_t trials, std::uint64_t seed, int threads = 0,
                               const std::function<void(double)>& progress = {}, bool keep_samples = false);

// The options of `colossim goodput` beyond the scenario, from {key, value} pairs
// (duration, checkpoint_interval: auto|DURATION, checkpoint: sync|async, spares, trials,
// seed, failures). Throws InputError naming the option.
struct GoodputOptions {
    std::optional<Seconds> duration;  // useful training time; else the scenario's tokens
    CheckpointPolicy policy;
    std::int64_t trials = 10000;
    std::uint64_t seed = 1;
    std::string failures = "llama3";  // failure profile: data/reliability name or file
};
constexpr std::int64_t kMaxTrials = 10'000'000;
GoodputOptions read_goodput_options(const std::vector<Override>& options, Diagnostics& diagnostics);

// Refuses a simulation that would draw more than 2·10^9 failures (a few minutes of CPU).
void check_simulation_size(const GoodputResult& expected, std::int64_t trials);

}  // namespace colossim
