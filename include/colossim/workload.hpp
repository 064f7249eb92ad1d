// Workload: what one GPU does for one micro-batch, as lists of operations, derived from a
// Scenario and independent of the hardware's speed. Both engines read it (DESIGN.md):
// the analytical engine prices it with the cost model; an event engine schedules it.
//
// FLOP convention (stated once, used everywhere): a multiply-add is 2 FLOPs. *Model*
// FLOPs count every matrix product of the architecture, with attention scores over the
// full s x s square (no halving for the causal mask), as Narayanan et al. SC'21 eq. 3 and
// PaLM's MFU (Chowdhery et al. 2022, app. B) do; backward = 2 x forward; recomputation
// is excluded. *Hardware* FLOPs add the recomputed forward work. Kernel FLOPs (what the
// GPU executes, used for time) halve causal attention in FlashAttention.
#pragma once

#include <cstdint>
#include <vector>

#include "colossim/scenario.hpp"
#include "colossim/units.hpp"

namespace colossim {

enum class ComputeKind { gemm, attention, memory };

// A GEMM of [m x k] by [k x n], `batch` times (grouped/batched GEMMs); an attention
// kernel (flops only); or a memory-bound kernel (bytes only).
struct ComputeOp {
    const char* name = "";
    ComputeKind kind = ComputeKind::memory;
    double m = 0, n = 0, k = 0, batch = 1;  // gemm shape
    Flops flops;                            // kernel FLOPs (what runs)
    Bytes bytes;                            // HBM traffic (read + write)
    bool weight_gradient = false;           // a backward GEMM for a weight's gradient (what
                                            // zero-bubble schedules defer: the W pass)
    bool low_precision = false;             // an FP8 GEMM: runs at the FP8 peak (else 16-bit)
    int kernels = 1;                        // launches: an eager chain of elementwise ops is several
    // Local experts whose GEMM the host issues one by one (GroupedGemm::te): each costs
    // the CPU calibration.expert_gemm_host_time (CostModel::host_time).
    std::int64_t host_calls = 0;
    bool row_reduction = false;             // a memory-bound kernel that reduces along rows
                                            // (norm, softmax, cross-entropy): slower than a stream
};

enum class CollectiveKind { all_reduce, all_gather, reduce_scatter, all_to_all, send_recv };
const char* to_string(CollectiveKind k);  // all-reduce, all-gather, reduce-scatter, all-to-all, send-recv

// The communicator an operation runs on. Ranks are laid out TP innermost, then CP, then
// DP, then PP (Megatron-Core's tp-cp-dp-pp order; Llama 3's [TP, CP, PP, DP] puts PP
// inside DP, which for the level model below changes nothing while TP fills a node).
enum class CommGroup { tp, cp, ep, dp, expert_dp, pp, etp };  // etp: expert tensor parallel

// How a MoE dispatch's tokens choose experts, for a dispatcher that sends a token once a
// destination NVLink domain (MoeDispatcher::deepep); top_k 0: a plain all-to-all.
struct TokenRouting {
    std::int64_t top_k = 0, experts = 0;
    std::int64_t groups = 0, group_top_k = 0;  // MoeSpec's group-limited routing
};

struct CollectiveOp {
    const char* name = "";
    CollectiveKind kind = CollectiveKind::all_reduce;
    CommGroup group = CommGroup::tp;
    Bytes bytes;  // the full buffer each rank holds (all-reduce input, all-gather output)
    bool overlappable = false;  // runs beside compute (CP ring exchanges)
    // Bytes of the backward's gradient exchange per byte of this one (CP's dK and dV: 1 in
    // bf16, 2 where PyTorch's context parallel rotates them in fp32).
    double gradient_width = 1.0;
    // Matmuls reading an all-gather's output as separate PyTorch modules (a Llama
    // attention's wq, wk, wv; a gated MLP's w1, w3), which the backward's mirror turns into
    // the input gradients summed before its reduce-scatter: AsyncTP pipelines a
    // reduce-scatter only behind the one matmul producing its input (tp_overlap_pipelines).
    int matmuls = 1;
    // A deduplicating MoE dispatch or combine (CostModel::wire_bytes); empty otherwise.
    TokenRouting routing;
};

struct OpList {
    std::vector<ComputeOp> compute;
    std::vector<CollectiveOp> comm;
};

// One kind of block (a dense layer, an MoE layer, the embedding, the output head), one
// micro-batch, one GPU: forward, backward, and the extra forward that recomputation adds.
struct BlockWork {
    OpList forward, backward, recompute;
    Flops model_flops_forward;    // model FLOPs of this block, per micro-batch, this GPU's share
    Flops attention_model_flops;  // of which the attention core (what selective recompute redoes)
};

struct StageWork {
    std::int64_t dense_layers = 0, moe_layers = 0;
    bool has_embedding = false, has_head = false;
    double params = 0;          // parameters held by one GPU of this stage
    double expert_params = 0;   // of which routed-expert parameters (reduced over expert-DP)
};

struct ParamCounts {
    double attention = 0;      // per layer
    double dense_mlp = 0;      // per dense layer
    double routed_experts = 0; // per MoE layer, all routed experts
    double shared_experts = 0; // per MoE layer
    double router = 0;         // per MoE layer
    double norms = 0;          // per layer
    double embedding = 0;      // token (+ learned position) embedding
    double output = 0;         // output projection (0 when tied)
    double total = 0;
    double active = 0;         // used per token (top-k experts only)
};

struct Workload {
    BlockWork dense_layer, moe_layer, embedding, head;
    std::vector<StageWork> stages;
    ParamCounts params;
    std::int64_t micro_batches = 0;     // per pipeline, per step
    double tokens_per_micro_batch = 0;  // on one CP rank: micro_batch * seq_len / cp
    Bytes p2p_bytes;                    // activation sent between stages per micro-batch
    Flops model_flops_per_step;         // whole job, one optimizer step
    Flops hardware_flops_per_step;      // + recomputation
};

// Builds the workload of a validated scenario. Pure.
Workload build_workload(const Scenario& s);

ParamCounts count_parameters(const ModelSpec& m);

// The share of a stage's `stage_layers` that recompute their forward: 1 except under full
// recomputation limited to parallelism.recompute_layers of each of the vpp chunks.
double recomputed_layer_fraction(const Parallelism& p, std::int64_t stage_layers);

// What a block's recomputation replays under `rc`: its whole forward (full), its
// `recompute` list (selective, selective-op), or nothing (none).
const OpList* recomputed_ops(const BlockWork& b, Recompute rc);

// Whether the data-parallel collectives run beside compute (parallelism.dp_overlap), as both
// engines schedule them. ZeRO-3 with one hardware queue (training.cuda_device_max_connections
// 1) does not: its gathers and reduce-scatters serialise behind the compute kernels.
bool data_parallel_overlaps(const Scenario& s);

// Whether the TP collectives are pipelined with their GEMMs (parallelism.tp_overlap): only
// with tp > 1 and sequence parallelism, as Megatron's CommOverlapConfig and AsyncTP require.
bool tp_overlaps(const Parallelism& p);

// Whether TP overlap pipelines this collective with a GEMM, in both engines: under
// tp_overlaps, every collective of a group other than CP and EP, except, with PyTorch's
// AsyncTP (TpImpl::torch), a reduce-scatter of several matmuls' summed outputs.
bool tp_overlap_pipelines(const CollectiveOp& c, const Parallelism& p);

// The share of a pass's attention its CP exchanges run beside, in both engines: all of it
// for Megatron-Core's ring (each step's K/V travel beside the step before), 1/cp for
// PyTorch's context parallel (cp_rotate_method allgather: K and V gathered whole while
// the first step, on the local chunk, runs; the other steps wait for them).
double cp_overlap_share(const Parallelism& p);

// Bytes of one parameter's gradient as it is kept and reduced: 4 (fp32), or 2 for fp16
// training and for training.grad_reduce bf16.
double gradient_bytes(const Scenario& s);

// Activation bytes one GPU keeps for one layer and one micro-batch (Korthikanti et al.
// 2022, generalised: see activations.cpp). `moe` selects an MoE layer.
Bytes activation_bytes_per_layer(const Scenario& s, bool moe);

}  // namespace colossim
