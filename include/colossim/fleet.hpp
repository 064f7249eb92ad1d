// The fleet twin: a whole cluster over weeks or months — many jobs arriving, queued,
// gang-allocated whole nodes and placed on the fabric's hierarchy; components failing and
// coming back from repair; jobs restarting from their last checkpoint on spares, on idle
// nodes, by preempting lower-priority jobs, or waiting in the queue.
//
// The model (src/fleet/README.md has the detail and its limits):
// - The fleet is `gpus` GPUs of a catalog cluster: nodes, NVLink domains, racks, and the
//   fat tree's leaf groups (the nodes whose NICs share leaves) and pods (the leaf groups
//   under one set of spines), sized as the datacenter layer sizes the fabric.
// - A job asks for g GPUs. Below a node it takes GPUs of one node; from a node on it takes
//   ceil(g / gpus_per_node) whole nodes (exclusive, as Slurm --exclusive), all at once.
// - Packed placement takes the tightest leaf group that holds the job, else the tightest
//   pod, else the pods with most free nodes, filling NVLink domains first; scattered takes
//   free nodes at random. A job colossim prices (a model and plan) runs at the analytical
//   engine's step time on the fabric it landed on: the tiers its nodes span, each crossed
//   tier dividing its scale-out bandwidth by that tier's oversubscription, and NVLink
//   domains it shares with other jobs reduced to one node. Each distinct shape is priced
//   once, before the replications start.
// - FIFO starts jobs in queue order (priority first, then arrival) and stops at the first
//   that does not fit; EASY backfill (Mu'alem & Feitelson, TPDS 2001) also starts later
//   jobs that fit now and do not delay the first job's reservation (runtimes known).
// - Failures: every cause of the failure profile (data/reliability) strikes the fleet's
//   components of its kind at the profile's rate per component (the same rates `goodput`
//   uses); per-job causes and planned interruptions strike each running job. A failed
//   GPU, node, NIC or NIC link takes its node out for repair; a failed leaf switch takes
//   out its leaf group; uplink and spine failures interrupt the jobs whose traffic crosses
//   them. An interrupted job loses its work since its last checkpoint (Young/Daly interval
//   by default), restarts after detection + restart + restore, and replaces a lost node by
//   a spare, an idle node, or lower-priority jobs it preempts; else it waits in the queue.
//   A node that fails `drain_after` times within `drain_window` is drained.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/errors.hpp"
#include "colossim/hardware.hpp"
#include "colossim/reliability.hpp"
#include "colossim/scenario.hpp"
#include "colossim/units.hpp"

namespace colossim {

enum class QueuePolicy { fifo, backfill };
enum class PlacementPolicy { packed, scattered };
const char* to_string(QueuePolicy p);
const char* to_string(PlacementPolicy p);

// The cluster's hierarchy as the fleet sees it.
struct FleetLayout {
    std::int64_t gpus = 0, gpus_per_node = 8, nodes = 0;
    std::int64_t nodes_per_domain = 1;  // NVLink domain (1: the node)
    std::int64_t nodes_per_group = 1;   // nodes whose NICs share their leaf switches
    std::int64_t groups_per_pod = 1;    // leaf groups under one set of spines
    int tiers = 1;                      // of the fat tree
    double leaf_oversubscription = 1, spine_oversubscription = 1;
    // The fleet's fabric: links and switches by tier (leaf first), as count_fabric counts them.
    std::array<std::int64_t, 3> links{}, switches{};
    std::int64_t groups() const { return (nodes + nodes_per_group - 1) / nodes_per_group; }
    std::int64_t pods() const { return (groups() + groups_per_pod - 1) / groups_per_pod; }
};
FleetLayout fleet_layout(const ClusterSpec& c, std::int64_t gpus, Diagnostics& diagnostics);

// Where a job landed, as its step time sees it: the highest fabric tier its nodes span
// (0: one leaf group, 1: one pod, 2: several pods) and whether it shares an NVLink domain.
struct PlacementShape {
    int crossing = 0;
    bool split_domain = false;
    int index() const { return crossing * 2 + (split_domain ? 1 : 0); }
};
constexpr int kPlacementShapes = 6;

// The cluster a job's step is priced on when it landed with `shape`: scale-out bandwidth
// divided by the oversubscription of each tier above the leaf that it crosses, NVLink
// domains cut to one node when it shares them.
ClusterSpec cluster_as_placed(const ClusterSpec& c, const FleetLayout& layout, PlacementShape shape);
// The shape packed placement gives a job of `nodes` nodes on an empty fleet.
PlacementShape ideal_shape(const FleetLayout& layout, std::int64_t nodes);

// A job colossim prices: its scenario and its step time on every placement shape.
struct PricedJob {
    Scenario scenario;
    double steps = 0;                            // to train
    std::array<Seconds, kPlacementShapes> step;  // by PlacementShape::index()
    RunModel run;                                // checkpoints and restarts (build_run_model)
};

// One job of the workload.
struct FleetJob {
    std::string name;
    Seconds arrival;
    std::int64_t gpus = 1;
    Seconds duration;           // failure-free running time (priced jobs: on their ideal shape)
    int priority = 0;           // higher runs first and may preempt lower
    int priced = -1;            // index into FleetSpec::priced, or -1: a duration only
    std::optional<Seconds> checkpoint_interval;  // nullopt: Daly's optimum
};

// A job-size and duration mix for the generator (data/fleet/NAME.yaml).
struct JobMix {
    std::string name, description;
    std::vector<std::pair<std::int64_t, double>> sizes;  // GPUs, probability (sums to 1)
    enum class Durations { lognormal, exponential } durations = Durations::lognormal;
    Seconds median, mean;  // lognormal: both; exponential: the mean
    Seconds max_duration;  // draws are cut here (a cluster's job time limit); 0: none
    std::map<std::string, std::string> sources;
    double mean_gpus() const;
    Seconds mean_duration() const;  // with the cut
    double lognormal_sigma() const;  // of log-durations; 0 for exponential durations
};
JobMix read_job_mix(const std::string& yaml_text, const std::string& source_name, Diagnostics& diagnostics);

struct JobGenerator {
    JobMix mix;
    std::int64_t jobs = 0;        // at most this many (0: no generator)
    double arrivals_per_s = 0;    // Poisson
    Seconds start;                // first arrival after this
    int priority = 0;
};

struct FleetSpec {
    std::string cluster_reference;
    ClusterSpec cluster;
    FleetLayout layout;
    Seconds horizon;
    std::uint64_t seed = 1;
    std::int64_t replications = 1;
    QueuePolicy policy = QueuePolicy::backfill;
    PlacementPolicy placement = PlacementPolicy::packed;
    std::int64_t spare_nodes = 0;                 // held back for failed nodes' replacement
    std::optional<FailureProfile> failures;       // nullopt: no failures
    Seconds checkpoint_blocking = Seconds(60);    // per checkpoint of a job colossim does not price
    std::int64_t drain_after = 3;
    Seconds drain_window = Seconds(30 * kSecondsPerDay), drain_time = Seconds(14 * kSecondsPerDay);
    bool preemption = true;
    std::int64_t backfill_depth = 100;            // queued jobs a backfill pass looks at
    Seconds sample_interval = Seconds(3600);
    std::vector<FleetJob> jobs;                   // listed and traced, by arrival
    std::optional<JobGenerator> generator;        // drawn anew in every replication
    std::vector<PricedJob> priced;
};

// Reads a fleet scenario (schema in data/README.md) with flag overrides on its top-level
// keys (days, seed, replications, policy, placement, spares, failures). InputError names
// the field. Priced jobs are priced here with the catalog's calibration.
FleetSpec load_fleet(const std::string& yaml_text, const std::string& source_name, const std::vector<Override>& overrides,
                     const Catalog& catalog, Diagnostics& diagnostics);

// A trace: CSV with the header `arrival,gpus,duration[,priority][,name]` (seconds), or a
// JSON list of objects with those keys. InputError names the row and column.
std::vector<FleetJob> read_job_trace(const std::string& text, const std::string& source_name);

// What happened to one job.
struct JobOutcome {
    std::string name;
    std::int64_t gpus = 0;
    int priority = 0;
    double arrival_s = 0, first_start_s = -1, end_s = -1;  // -1: not reached in the horizon
    double until_s = 0;       // the end, or the horizon for a job still running
    double work_s = 0;        // failure-free running time on the placement it got first
    double useful_s = 0;      // of it, done by the end (or the horizon)
    std::int64_t interruptions = 0, preemptions = 0;
    int crossing = 0;
    bool split_domain = false;
    double step_s = 0;        // priced jobs: the step on their first placement
    // Time from first start to the end (or the horizon) spent on useful work.
    double ettr() const;
};

// What the summary needs of every job, in 32 bytes (a 100-replication run of 100,000 jobs
// keeps these, not the outcomes).
struct JobBrief {
    std::int64_t gpus = 0;
    float wait_h = -1;        // -1: never started
    float jct_h = -1;         // -1: not finished
    float useful_gpu_h = 0, span_gpu_h = 0;  // for ETTR: useful and first-start-to-end GPU-hours
    std::int32_t interruptions = 0;
    bool listed = false;      // a listed job (priced, or one of a short list), not the stream
};

struct FleetSample {
    double t_s = 0;
    std::int64_t allocated_gpus = 0, down_gpus = 0, spare_gpus = 0, queued_jobs = 0, running_jobs = 0;
};

// A job's track in the timeline: queued, running, restarting.
struct JobSpan {
    std::int32_t job = 0;
    char kind = 'r';  // q, r, s (restarting)
    double begin_s = 0, end_s = 0;
};

struct FleetReplication {
    std::uint64_t seed = 0;
    std::vector<JobOutcome> jobs;      // every job when kept, else the listed ones only
    std::vector<JobBrief> briefs;      // every job that arrived, in arrival order
    std::vector<FleetSample> samples;
    std::vector<JobSpan> spans;                           // when asked for
    std::map<std::string, std::int64_t> failures;         // every failure in the fleet, by cause
    std::map<std::string, std::int64_t> interruptions;    // jobs interrupted, by cause
    std::map<std::string, double> gpu_hours_lost;         // lost work + restarts, by cause
    double checkpoint_gpu_hours = 0;                      // blocking on checkpoints
    std::int64_t spares_used = 0, nodes_drained = 0, preemptions = 0, requeues = 0;
    double utilisation = 0;      // time-mean allocated GPUs / fleet GPUs
    double down_fraction = 0;    // time-mean GPUs out of service / fleet GPUs
    std::int64_t events = 0;
};

struct FleetRunOptions {
    int threads = 0;          // 0: one a hardware thread; the result does not depend on it
    bool spans = false;       // keep the first replication's timeline (a trace)
    bool keep_jobs = true;    // every job's outcome (CSV); else the listed jobs' only
    std::function<void(double)> progress;  // replications done, from the calling thread
    // Replications [first, first + count) only (MPI ranks split them); count 0: all.
    std::int64_t first = 0, count = 0;
};
// One replication per seed SplitMix64(spec.seed, r): identical results for any split.
std::vector<FleetReplication> run_fleet(const FleetSpec& spec, const FleetRunOptions& options);
FleetReplication run_fleet_replication(const FleetSpec& spec, std::int64_t replication, bool spans,
                                       bool keep_jobs = true);

// A replication as bytes and back (MPI ranks hand theirs to rank 0; same build everywhere).
std::string replication_bytes(const FleetReplication& r);
FleetReplication replication_from_bytes(const std::string& bytes);

// Jobs by size: 1, 2-8, 9-64, 65-512, 513-4096, 4097-32768, >32768 GPUs.
struct SizeClassSummary {
    std::string label;
    std::int64_t jobs = 0, finished = 0, interruptions = 0;
    double wait_p50_h = 0, wait_p90_h = 0, wait_p99_h = 0, wait_mean_h = 0;
    double jct_p50_h = 0, jct_p90_h = 0, jct_p99_h = 0;  // finished jobs: arrival to end
    double ettr = 0;           // GPU-time weighted, over jobs that started
    double mttf_h = 0;         // job running hours per interruption (0: none)
    double running_hours = 0;
};
struct WaitSummary {
    std::int64_t jobs = 0;  // a replication
    double mean_h = 0, p50_h = 0, p90_h = 0, p99_h = 0;
};
struct FleetSummary {
    std::int64_t replications = 0, jobs = 0, finished = 0;
    double utilisation = 0, down_fraction = 0;
    std::vector<SizeClassSummary> sizes;
    WaitSummary unlisted_wait;  // queueing of every job not listed (the stream, the trace)
    std::map<std::string, double> failures, interruptions, gpu_hours_lost;  // means a replication
    double checkpoint_gpu_hours = 0, spares_used = 0, nodes_drained = 0, preemptions = 0, requeues = 0;
    // Of the GPU-hours lost to hardware failures (their own lost work and restarts, plus
    // the preemptions their restarts forced), the share from preemptions (Kokolis et al.,
    // HPCA'25, model 16% for Meta's RSC clusters).
    double preemption_share = 0;
};
FleetSummary summarize_fleet(const FleetSpec& spec, const std::vector<FleetReplication>& replications);

// Refuses a run beyond its bounds: fleet, jobs x replications, horizon (InputError).
void check_fleet_size(const FleetSpec& spec);

}  // namespace colossim
