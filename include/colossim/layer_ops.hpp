// Where a layer's time goes: every operation of one layer's passes for one micro-batch on
// one GPU, priced as the analytical engine prices it (`estimate --ops`, colossim.layer_ops()).
#pragma once

#include <string>
#include <vector>

#include "colossim/cost.hpp"
#include "colossim/scenario.hpp"
#include "colossim/workload.hpp"

namespace colossim {

struct LayerOp {
    std::string block;  // "dense" or "moe": the layer kind
    std::string pass;   // "forward", "backward" or "recompute"
    std::string name;   // the op: fc1, flash_attention, tp_all_gather_attention, ...
    std::string kind;   // gemm, attention, memory, or the collective's kind (all-gather, ...)
    int count = 0;      // ops of this name in the pass (a backward GEMM is its dgrad and wgrad)
    Flops flops;
    Bytes bytes;
    // Compute: what the engine charges (with TP overlap's chunking). Collectives: their
    // closed-form time alone; the engine overlaps some of it with compute (`overlapped`).
    Seconds time;
    // Compute: the CPU time to issue it (CostModel::host_time); a pass whose ops' host time
    // exceeds their GPU time waits for the host (Breakdown::host).
    Seconds host;
    bool collective = false;
    bool overlapped = false;  // a CP ring, TP overlap or EP overlap hides part of it
};

// The dense and (for MoE models) MoE layer's ops, forward, recomputation (where the plan
// recomputes) and backward, in the order the workload lists them. The scenario must be valid.
std::vector<LayerOp> layer_ops(const Scenario& s, const Calibration& calibration);

// The compute time the analytical engine charges one op: CostModel::compute, or under TP
// overlap (tp_overlaps) a non-weight-gradient GEMM as tp chunks of its rows.
Seconds compute_op_time(const ComputeOp& op, const CostModel& cost);

}  // namespace colossim
