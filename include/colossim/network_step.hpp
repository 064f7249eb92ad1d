// The event engine with the network: one training step executed op by op on the
// cluster's flow-level network (topology.hpp, flow_network.hpp), where the traffic of
// every parallel dimension shares the same NICs and switch uplinks.
//
// What runs where, for each group of TP peers (an "entity": TP ranks compute in lockstep,
// every layer's TP collectives synchronise them):
//   compute stream  the pipeline schedule's forward and backward tasks, times from the
//                   shared analyze_step(); TP communication stays inside them, priced by
//                   the cost model (it runs inside the NVLink domain)
//   CP / EP         inside a task, after its compute: attention beside the CP K/V ring
//                   (a flow to the next CP rank), then the EP all-to-alls (a flow to every
//                   other EP rank), each summed over the stage's layers, starting when every
//                   member of the group has reached it; EP needs expert TP = TP
//   P2P             each TP rank sends its activation (gradient) to the same TP rank of the
//                   next (previous) stage as a flow; the sender waits for it (Megatron's
//                   blocking P2P), the receiver's task waits for its arrival
//   DP stream       gradient reduction in buckets of ddp_bucket_params as the backward
//                   produces them (overlap_grad_reduce): per step for ZeRO 0/1 during each
//                   chunk's last backward, per micro-batch for ZeRO 2/3; parameter
//                   all-gathers before a chunk's first forward (ZeRO 1/2, once a step) or
//                   before every task (ZeRO 3, prefetched one task ahead). Collectives run
//                   in issue order, one at a time, as on one NCCL stream; a collective
//                   starts when every member has issued it and is NCCL's ring with one
//                   channel per member of a node (collective_sim.hpp), each member's
//                   share a flow to its ring successor for the whole collective
//                   (2(n-1)/n S / channels for an all-reduce) plus the cost model's latency.
// Modes:
//   full       every entity of every replica is simulated: the reference
//   symmetric  one entity per pipeline stage; each of its flows stands for all its copies
//              in the other replicas and counts, on every link kept, as the number of
//              copies that cross it (weighted max-min), so shared links carry the traffic
//              of every class. Kept: the links the simulated flows cross and, per flow, its
//              copies' busiest link of every tier. Exact when every replica behaves alike
//              (else the slowest replica's view); faults on one NIC or link need full mode.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "colossim/step_sim.hpp"
#include "colossim/topology.hpp"

namespace colossim {

enum class SimMode { full, symmetric };
const char* to_string(SimMode m);
// The default: full up to this many GPUs, symmetric above (a choice: full mode's time
// grows with the flows — DeepSeek-V3 on 2,048 GPUs starts 31 M and takes 15 s — while
// symmetric mode gives the same step on every symmetric case in under a second).
inline constexpr std::int64_t kFullModeMaxGpus = 1024;
// Full mode refuses larger runs: its time grows with the flows (16,384 GPUs of Llama 3
// 405B: 24 M flows, 6 s; 65,536 about four times that), symmetric mode does not.
inline constexpr std::int64_t kFullModeLimitGpus = 65536;

struct NetworkFaults {
    std::vector<std::pair<std::int64_t, double>> slow_nics;     // GPU, fraction of its NIC rate
    std::vector<std::int64_t> lost_nics;                         // GPU whose NIC is down
    std::vector<std::pair<std::int64_t, double>> slow_uplinks;  // leaf, fraction of its uplink rate
    bool any() const { return !slow_nics.empty() || !lost_nics.empty() || !slow_uplinks.empty(); }
};

struct NetworkStepOptions {
    SimMode mode = SimMode::symmetric;
    const PipelineSchedule* schedule = nullptr;  // default: interleaved when vpp > 1, else 1F1B
    bool keep_trace = false;
    StepWhatIf slow;  // a slow GPU: GPU (tp 0, cp 0, dp 0) of that stage; symmetric: its class
    NetworkFaults faults;
    // The share of the step's tasks started, at most once a percent, from the calling
    // thread; 1 at the end.
    std::function<void(double)> progress;
};

struct LevelUse {
    LinkLevel level = LinkLevel::nic;
    std::int64_t links = 0;    // links of this level that carried traffic
    Bytes carried;             // bytes over them (symmetric mode: those links' bytes, all copies)
    double mean_utilization = 0;  // carried / (capacity x step time), averaged over those links
    double peak_utilization = 0;  // the busiest link
};

struct NetTraceSpan {
    std::int64_t entity = 0;
    int stream = 0;  // 0 compute, 1 P2P send, 2 data-parallel collective, 3 CP ring / EP all-to-all
    PipelineTask task;
    const char* label = "";  // for collectives: "reduce-scatter", ...
    Seconds start, end;
};

// One pipeline stage's step: the latest (or longest) over its simulated GPU groups.
struct StageUse {
    std::int64_t stage = 0;
    Seconds compute_end;      // last task done (sends included)
    Seconds blocked;          // waiting for its own P2P sends to land
    Seconds collectives_end;  // last data-parallel collective done
};

struct NetworkStep {
    StepResult result;
    SimMode mode = SimMode::symmetric;
    PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
    std::int64_t simulated_gpus = 0, entities = 0;
    std::uint64_t events = 0, flows = 0, rerated_flows = 0, collectives = 0;
    Seconds pipeline;  // the slowest entity's last task (sends included)
    std::vector<LevelUse> levels;
    std::vector<StageUse> stages;
    std::vector<NetTraceSpan> trace;
};

NetworkStep simulate_network_step(const Scenario& s, const Calibration& calibration, const NetworkStepOptions& options);

// Chrome trace JSON: a process per node, a thread per GPU stream (compute, P2P, DP, EP/CP) of
// every simulated GPU.
std::string chrome_trace(const Scenario& s, const NetworkStep& step);

}  // namespace colossim
