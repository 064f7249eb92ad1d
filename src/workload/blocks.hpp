// Builders of the per-block operation lists (internal to the workload layer).
#pragma once

#include "colossim/workload.hpp"

namespace colossim::workload {

// The sizes every block builder needs, per GPU, for one micro-batch.
struct Shape {
    explicit Shape(const Scenario& s);
    double tp, cp, ep, etp;
    double tokens;       // micro_batch * seq_len / cp: tokens this rank's GEMMs see
    double norm_tokens;  // tokens / tp with sequence parallelism, else tokens
    bool sp;
    double h;
    double heads, kv_heads;  // per TP rank
    double d_qk, d_v;
    double q_len, kv_len, batch;
    double causal_factor;    // share of the score square the attention kernel computes
    bool dropout, gated;
    bool fp8;                // linear layers run in FP8
    bool eager;              // elementwise steps run as eager PyTorch ops (Training::elementwise)
    bool torch_cp;           // PyTorch's context parallel (Parallelism::cp_impl)
    bool rms_norm;           // the model's norm is RMSNorm (else LayerNorm)
};

BlockWork dense_layer(const Scenario& s, const Shape& x);
BlockWork moe_layer(const Scenario& s, const Shape& x);
BlockWork embedding(const Scenario& s, const Shape& x);
BlockWork head(const Scenario& s, const Shape& x);

// Fills w.backward from w.forward: each GEMM becomes its data- and weight-gradient GEMMs,
// attention 2.5x its forward FLOPs, memory-bound kernels twice their bytes, and each
// collective its transpose (all-gather <-> reduce-scatter, all-reduce stays).
void mirror_backward(BlockWork& w);
// PyTorch FSDP2's copies around a layer's ZeRO-3 collectives (ZeroImpl::fsdp2): `params`
// the layer's unsharded parameters on this GPU, `grad_bytes` the reduce dtype's size.
void add_fsdp2_copies(BlockWork& w, double params, double grad_bytes);
// What TorchTitan's per-op selective checkpointing recomputes of a block's forward.
OpList selective_op_recompute(const BlockWork& w);

}  // namespace colossim::workload
