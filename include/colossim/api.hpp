// The commands as library calls: a request in, the JSON answer the CLI prints with
// --json out. The CLI (apps/colossim), the Python module (python/) and, later, the web
// server all go through these functions, so every surface shows the same numbers.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/collective_sim.hpp"
#include "colossim/compare_report.hpp"
#include "colossim/datacenter.hpp"
#include "colossim/estimate.hpp"
#include "colossim/fleet.hpp"
#include "colossim/goodput_report.hpp"
#include "colossim/network_step.hpp"
#include "colossim/plan.hpp"
#include "colossim/spec.hpp"
#include "colossim/sweep.hpp"
#include "colossim/validation.hpp"

namespace colossim::api {

// A scenario as the CLI takes it: the text of a scenario file ("" for none) and flag
// overrides ({"parallelism.tp", "8"}: the keys of scenario_flags()).
struct ScenarioRequest {
    std::string text;
    std::string source = "flags";  // the name errors give the text
    std::vector<Override> overrides;
};

// What an answer carries besides its JSON: the warnings loading raised (the CLI prints
// them to stderr as "colossim: warning: ...").
struct Answer {
    std::string json;
    std::vector<std::string> warnings;
};

// `estimate`: the scenario, its step and, when it trains a number of tokens, the expected
// time to train under the default failure profile.
struct EstimateAnswer {
    Scenario scenario;
    StepResult result;
    std::optional<FailureOverhead> failures;
    std::vector<std::string> warnings;
};
EstimateAnswer estimate_scenario(const Catalog& catalog, const ScenarioRequest& request);
Answer estimate(const Catalog& catalog, const ScenarioRequest& request);
// `estimate --ops` alone: one layer's operations (layer_ops()) as a JSON array.
Answer layer_ops(const Catalog& catalog, const ScenarioRequest& request);

// "INDEX:NUMBER" flag values (--slow-gpu 3:1.2, --slow-nic 3:0.5), the whole text
// consumed; anything else is an InputError on `flag` that says `valid`.
struct IndexAndNumber {
    std::int64_t index;
    double number;
};
IndexAndNumber parse_index_and_number(const std::string& text, const std::string& flag, const std::string& valid);

// `collective`: one collective alone on the cluster's flow-level network, per size, beside
// the closed form (`kind` all-reduce|all-gather|reduce-scatter|all-to-all, `size` "1GiB" or
// "1MiB..8GiB" doubling, `algorithm` auto|ring|hierarchical|tree, `slow_nic` "GPU:FRACTION").
struct CollectiveRequest {
    std::string kind, size = "1GiB", cluster, algorithm = "auto", slow_nic;
    std::int64_t gpus = 8;
    std::function<void(double)> progress;  // the share of the sizes run
};
struct CollectiveRun {
    Bytes size;
    CollectiveResult result;
    Seconds closed_form;
};
struct CollectiveAnswer {
    CollectiveKind kind = CollectiveKind::all_reduce;
    std::string cluster, gpu;
    std::int64_t gpus = 0;
    std::vector<CollectiveRun> runs;
    std::vector<std::string> warnings;
};
// The sizes a `size` text names: one, or LOW..HIGH doubling (at most 41 from 1 B to 1 TB).
std::vector<Bytes> collective_sizes(const std::string& text);
CollectiveAnswer collective_runs(const Catalog& catalog, const CollectiveRequest& request);
std::string collective_json(const CollectiveAnswer& answer);   // an array, a size each
std::string collective_table(const CollectiveAnswer& answer);
Answer collective(const Catalog& catalog, const CollectiveRequest& request);

// `--explain`: why a plan is refused or does not fit, and what would fix it. The plan is
// the scenario as given; when it breaks a rule, `problem` says which and what is valid;
// when it runs but does not fit in memory, each single change (more recomputation, a
// higher ZeRO stage, a smaller micro-batch, more pipeline or tensor parallelism) is
// tried and its memory and step time reported.
struct ExplainFix {
    std::string change;                // "recompute full", "zero 3", ...
    std::optional<std::string> problem;  // why the changed plan is refused
    std::optional<StepResult> result;
};
struct ExplainAnswer {
    Scenario scenario;
    std::optional<std::string> problem;
    std::optional<StepResult> result;
    std::vector<ExplainFix> fixes;       // when the plan runs but does not fit
    std::vector<std::string> warnings;
};
ExplainAnswer explain_scenario(const Catalog& catalog, const ScenarioRequest& request);
std::string explain_text(const ExplainAnswer& answer);

// `compare`: each scenario estimated, side by side. `labels` name the columns (one per
// request, or empty for "scenario 1", "scenario 2", ...); 2 to kMaxCompared scenarios.
constexpr std::size_t kMaxCompared = 16;
struct CompareAnswer {
    std::vector<ComparedScenario> scenarios;
    std::vector<std::string> warnings;  // each prefixed with its column's label
};
CompareAnswer compare_scenarios(const Catalog& catalog, const std::vector<ScenarioRequest>& requests,
                                const std::vector<std::string>& labels);
Answer compare(const Catalog& catalog, const std::vector<ScenarioRequest>& requests, const std::vector<std::string>& labels);

// `plan` at one GPU count: the best plans, optionally the top `refine` re-ranked by the
// event engine (symmetric mode).
struct PlanRequest {
    ScenarioRequest scenario;
    PlanObjective objective = PlanObjective::throughput;
    std::size_t top = 10;
    unsigned threads = 0;
    std::size_t refine = 0;
    bool keep_all = false;
    std::function<void(double)> progress;  // fraction done, from the calling thread
};
struct PlanAnswer {
    Scenario base;
    PlanResult result;
    std::vector<std::string> warnings;
};
PlanAnswer plan_scenario(const Catalog& catalog, const PlanRequest& request);
// The same search for a base scenario already loaded (fields only) and the keys its
// request fixed (scenario_keys_given); request.scenario is not read again.
PlanResult plan_loaded(const Scenario& base, const std::set<std::string>& fixed, const PlanRequest& request,
                       const Calibration& calibration);
std::string plan_answer_json(const PlanAnswer& answer, const PlanRequest& request);
Answer plan(const Catalog& catalog, const PlanRequest& request);
PlanObjective parse_objective(const std::string& name);  // throughput|time|cost, else InputError

// The event engine as `validate --engine event` and `plan --refine` run it: the step on
// the network in symmetric mode (one GPU group a pipeline stage).
StepResult simulate_symmetric(const Scenario& s, const Calibration& calibration);
// validate's StepEngineFn for it.
StepEngineFn event_engine(const Calibration& calibration);

// Re-ranks the best `k` plans by the event engine on the network (symmetric mode: one GPU
// group a pipeline stage), which sees P2P and data-parallel traffic contend; their
// figures become the simulated ones.
void refine_top(const Scenario& base, PlanResult& result, std::size_t k, PlanObjective objective,
                const Calibration& calibration);

// `validate`: the built-in suites plus the suite files named (as --suite), by either engine.
struct ValidateRequest {
    std::vector<std::string> suite_files;
    bool event_engine = false;
};
std::vector<ValidationResult> validation_results(const Catalog& catalog, const ValidateRequest& request);
std::string validation_json(const std::vector<ValidationResult>& results);
Answer validate(const Catalog& catalog, const ValidateRequest& request);

// A command's own options (goodput, datacenter), one table for the CLI and Python: each
// flag sets one key, either of the command's options or, when `overrides_data`, of the
// data file it reads (a failure profile, a prices file).
struct OptionFlag {
    const char* flag;  // without "--"; Python takes it with underscores
    const char* key;
    bool overrides_data;
    const char* help;
};
const std::vector<OptionFlag>& goodput_flags();
const std::vector<OptionFlag>& datacenter_flags();

// `goodput`: the scenario's step (estimate), its failures, checkpoints and restarts, in
// closed form and by Monte-Carlo.
struct GoodputRequest {
    ScenarioRequest scenario;
    std::vector<Override> options;         // keys of goodput_flags() without overrides_data
    std::vector<Override> data_overrides;  // keys of the failure profile
    std::function<void(double)> progress;  // the Monte-Carlo's fraction done
    bool keep_samples = false;             // each trial's wall clock and interruptions in the JSON
};
struct GoodputAnswer {
    Scenario scenario;
    GoodputReport report;
    std::vector<std::string> warnings;
};
GoodputAnswer goodput_scenario(const Catalog& catalog, const GoodputRequest& request);
Answer goodput(const Catalog& catalog, const GoodputRequest& request);

// `fleet`: a fleet scenario file's text and its top-level overrides (days, seed,
// replications, policy, placement, spares, failures); replications on `threads`.
struct FleetRequest {
    std::string text;
    std::string source = "fleet";
    std::vector<Override> overrides;
    int threads = 0;
    bool spans = false;  // keep the first replication's timeline (for a trace)
    bool keep_jobs = true;  // every job's outcome (for CSV), not only the listed jobs'
    // This process's share of the replications when MPI ranks split them: a contiguous
    // block, so that gathering them in rank order restores the replications' order.
    std::int64_t rank = 0, ranks = 1;

    std::function<void(double)> progress;
};
struct FleetAnswer {
    FleetSpec spec;
    std::vector<FleetReplication> replications;
    FleetSummary summary;
    std::vector<std::string> warnings;
};
FleetAnswer fleet_scenario(const Catalog& catalog, const FleetRequest& request);
Answer fleet(const Catalog& catalog, const FleetRequest& request);

// `datacenter`: nodes, racks, fabric, power and cost of N GPUs of a cluster.
struct DatacenterRequest {
    std::vector<Override> options;         // keys of datacenter_flags() without overrides_data
    std::vector<Override> data_overrides;  // keys of the prices file
};
struct DatacenterAnswer {
    Datacenter datacenter;
    std::vector<std::string> warnings;
};
DatacenterAnswer datacenter_scenario(const Catalog& catalog, const DatacenterRequest& request);
Answer datacenter(const Catalog& catalog, const DatacenterRequest& request);

// `simulate`: one training step, event by event, on the cluster's flow-level network
// (`contention` on; `mode` "" picks full up to kFullModeMaxGpus, else symmetric) or on the
// cost model's transfer times alone (off). The what-ifs take the CLI's texts:
// `slow_gpu` "STAGE:FACTOR", `slow_nics` "GPU:FRACTION", `slow_uplinks` "LEAF:FRACTION".
struct SimulateRequest {
    ScenarioRequest scenario;
    std::string mode;
    bool contention = true;
    bool trace = false;                   // keep the Chrome trace (SimulateAnswer::trace)
    std::string trace_name = "trace";     // what an error about the trace names
    std::string slow_gpu;
    std::vector<std::string> slow_nics, slow_uplinks;
    std::vector<std::int64_t> lost_nics;
    std::int64_t max_gpus = std::int64_t(1) << 40;  // a caller's bound (the server's)
    std::function<void(double)> progress;  // the event engine's share of tasks done, on the network
};
struct SimulateAnswer {
    Scenario scenario;
    StepResult result;
    bool contention = true;
    PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
    Seconds pipeline;
    std::uint64_t events = 0;
    std::optional<NetworkStep> network;  // with contention: links, stages, flows (no trace spans)
    std::string trace;                   // Chrome trace JSON when asked for
    std::vector<std::string> warnings;
};
SimulateAnswer simulate_scenario(const Catalog& catalog, const SimulateRequest& request);
std::string simulate_json(const SimulateAnswer& answer);
std::string simulate_text(const SimulateAnswer& answer, const std::string& trace_file);
Answer simulate(const Catalog& catalog, const SimulateRequest& request);

// `sweep`: every scenario of a grid file's text planned (its best plan each). `rank` of
// `ranks` plans entries rank, rank + ranks, ... (MPI); every entry's base scenario is set.
// `progress` is called with this process's fraction done.
struct SweepRequest {
    std::string grid_text;
    std::string source = "grid";
    unsigned threads = 0;
    bool keep_all = false;  // keep every estimated plan (CSV, SQLite)
    std::size_t rank = 0, ranks = 1;
    std::function<void(double)> progress;
};
struct SweepAnswer {
    SweepGrid grid;
    std::vector<SweepEntry> entries;
    std::vector<std::string> warnings;
};
SweepAnswer sweep_grid(const Catalog& catalog, const SweepRequest& request);
Answer sweep(const Catalog& catalog, const SweepRequest& request);

// `list` and `show`: catalog names of a kind ("models", "gpus", "clusters" or the
// singular), and the text `show` prints.
std::vector<std::string> catalog_names(const Catalog& catalog, const std::string& kind);
std::string catalog_show(const Catalog& catalog, const std::string& kind, const std::string& name,
                         Diagnostics& diagnostics);

}  // namespace colossim::api
