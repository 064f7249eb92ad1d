// The analytical engine: one pure function from a Scenario to a StepResult, in
// microseconds. Definitions used in the results:
//   MFU = model FLOPs per second per GPU / the GPU's dense peak for the training
//         precision (BF16/FP16, or FP8); model FLOPs as in workload.hpp (no recompute).
//   HFU = the same with hardware FLOPs (recomputation included).
#pragma once

#include <cstdint>
#include <vector>

#include "colossim/cost.hpp"
#include "colossim/scenario.hpp"
#include "colossim/units.hpp"
#include "colossim/workload.hpp"

namespace colossim {

// Where one step's time goes, on the critical pipeline stage. The parts add up to the
// step time: compute is busy kernels; the *_comm parts are communication not hidden
// behind compute; bubble is pipeline fill and drain; optimizer is the parameter update.
struct Breakdown {
    Seconds compute, tp_comm, cp_comm, ep_comm, pp_comm, dp_comm, bubble, optimizer;
    // The GPU idle while the CPU issues a pass's kernels (CostModel::host_time): what a
    // pass's host time exceeds its GPU time by, unless CUDA graphs replay the iteration.
    Seconds host;
    Seconds total() const { return compute + tp_comm + cp_comm + ep_comm + pp_comm + dp_comm + bubble + optimizer + host; }
};

// Bytes one GPU holds on its fullest pipeline stage.
struct MemoryResult {
    Bytes weights, gradients, optimizer, activations;
    Bytes total, capacity;
    bool fits = false;
    std::int64_t stage = 0;  // the pipeline stage these figures are for
};

struct StepResult {
    Seconds step_time;
    Breakdown breakdown;
    MemoryResult memory;
    double mfu = 0, hfu = 0;
    FlopRate model_flops_per_gpu, hardware_flops_per_gpu;
    double tokens_per_s = 0;
    std::int64_t micro_batches = 0;
    std::int64_t critical_stage = 0;
    double params_total = 0, params_active = 0;
    // Only when the scenario's training.tokens is set:
    Seconds time_to_train;
    double gpu_hours = 0, energy_mwh = 0, cost_usd = 0;
};

StepResult estimate(const Scenario& scenario, const Calibration& calibration);

// What both engines start from: each pipeline stage's time for one micro-batch, the
// transfer between stages, and the data-parallel and optimizer tails of the step.
// One pass of a stage (forward, or backward with its recomputation), per micro-batch:
// where its time goes, and what the event engine puts on the network or splits off — the
// CP K/V ring (hidden behind attention), the EP all-to-alls (on the critical path), the
// weight-gradient GEMMs (a zero-bubble schedule's W pass). Bytes as nccl-tests counts
// them: the all-gather output for CP, the buffer each rank sends for EP.
struct PassTiming {
    Breakdown parts;           // compute, tp/cp/ep communication (cp: the part not hidden)
    Seconds attention;         // attention compute, what the CP ring hides behind
    Seconds weight_gradient;
    Bytes cp_bytes, ep_bytes;
    std::int64_t cp_ops = 0, ep_ops = 0;
};
struct StageTiming {
    Seconds forward, backward;  // per micro-batch, communication included
    PassTiming forward_pass, backward_pass;
    Breakdown parts() const;    // both passes: compute, tp/cp/ep communication
    Seconds total() const { return forward + backward; }
};
struct StepAnalysis {
    Workload workload;
    std::vector<StageTiming> stages;
    std::size_t critical = 0;   // the slowest stage
    Seconds p2p_hop;            // one activation (or gradient) transfer between stages
    Seconds dp_exposed, optimizer;
    // Of dp_exposed, what the data-parallel collectives cost the compute they ran beside
    // (CostModel::overlap_cost): the event engine, which runs the collectives itself, adds it.
    Seconds dp_slowdown;
    FlopRate peak;              // the GPU's dense peak for the training precision
};
StepAnalysis analyze_step(const Scenario& scenario, const Calibration& calibration);
// compute, tp/cp/ep communication of m micro-batches through the slowest stage, and the
// data-parallel and optimizer tails; pipeline fill/drain and P2P are the engine's own.
Breakdown steady_state_parts(const StepAnalysis& analysis);
// Metrics (MFU, tokens/s, memory, time, energy and cost to train) of a step whose
// breakdown an engine has worked out.
StepResult summarize_step(const Scenario& scenario, const StepAnalysis& analysis, const Breakdown& breakdown);

// How many collectives one virtual chunk's data-parallel traffic is cut into (both
// engines): ZeRO-3 gathers and reduces one FSDP unit a transformer layer (TorchTitan's
// and FSDP2's wrapping; the embedding and head ride with the first and last layer);
// ZeRO 0-2 use Megatron-Core's DDP buckets of Calibration::ddp_bucket_params parameters.
std::int64_t data_parallel_buckets(const Scenario& s, const StageWork& stage, double chunk_params,
                                   const Calibration& calibration);

// Memory of each stage (exposed for the planner and the tests).
MemoryResult stage_memory(const Scenario& s, const Workload& w, std::size_t stage);

}  // namespace colossim
