// The operations of each block (dense layer, MoE layer, embedding, output head) for one
// micro-batch on one GPU, forward; backward and recomputation follow from the forward by
// the rules in mirror_backward(). Shapes follow Megatron-LM's tensor-parallel layout
// (Shoeybi et al. 2019): QKV and fc1 split by columns, projection and fc2 by rows; with
// sequence parallelism (Korthikanti et al. 2022) norms, dropout and residuals run on 1/tp
// of the tokens and the all-reduces become reduce-scatter + all-gather.
#include "blocks.hpp"

#include <cmath>
#include <string_view>

namespace colossim::workload {

namespace {
constexpr double kAct = 2.0;  // bytes per 16-bit activation element

ComputeOp gemm(const char* name, double m, double n, double k, double batch = 1) {
    ComputeOp op;
    op.name = name;
    op.kind = ComputeKind::gemm;
    op.m = m;
    op.n = n;
    op.k = k;
    op.batch = batch;
    op.flops = Flops(2.0 * m * n * k * batch);
    op.bytes = Bytes(kAct * (m * k + k * n + m * n) * batch);
    return op;
}

ComputeOp memory(const char* name, double bytes) {
    ComputeOp op;
    op.name = name;
    op.kind = ComputeKind::memory;
    op.bytes = Bytes(bytes);
    return op;
}

CollectiveOp collective(const char* name, CollectiveKind kind, CommGroup group, double bytes,
                        bool overlappable = false) {
    CollectiveOp op;
    op.name = name;
    op.kind = kind;
    op.group = group;
    op.bytes = Bytes(bytes);
    op.overlappable = overlappable;
    return op;
}
}  // namespace

Shape::Shape(const Scenario& s) {
    const auto& m = s.model;
    const auto& p = s.parallelism;
    tp = double(p.tp);
    cp = double(p.cp);
    ep = double(p.ep);
    etp = double(p.expert_tp());
    tokens = double(s.training.micro_batch) * double(s.training.seq_len) / cp;
    sp = p.sequence_parallel && p.tp > 1;
    norm_tokens = sp ? tokens / tp : tokens;
    h = double(m.hidden);
    heads = double(m.heads) / tp;
    kv_heads = m.mla.enabled() ? heads : double(m.kv_heads) / tp;
    if (m.mla.enabled()) {
        d_qk = double(m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim);
        d_v = double(m.mla.v_head_dim);
    } else {
        d_qk = d_v = double(m.head_dim);
    }
    q_len = tokens / double(s.training.micro_batch);
    kv_len = double(s.training.seq_len);
    batch = double(s.training.micro_batch);
    causal_factor = s.training.attention != AttentionKernel::unfused ? 0.5 : 1.0;
    dropout = s.training.dropout;
    gated = m.gated_mlp();
    fp8 = s.training.precision == Precision::fp8;
    eager = s.training.elementwise == Elementwise::eager;
    torch_cp = p.cp > 1 && p.cp_impl == CpImpl::torch;
    rms_norm = m.norm == Norm::rmsnorm;
}

namespace {

// The elementwise steps of a layer as the framework runs them (Training::elementwise), in
// HBM bytes per element and kernels. Fused: one kernel reading its 16-bit input and writing
// its 16-bit output. Eager: one kernel per PyTorch op, as TorchTitan's Llama writes them
// (torchtitan models/norms.py RMSNorm and models/llama/model.py, e.g. at commit 0199cbc1):
// - RMSNorm computed in fp32: x.float() 2+4, pow(2) 4+4, mean 4, (+eps, rsqrt: per row),
//   x * rsqrt 4+4, type_as 4+2, * weight 2+2 = 36 bytes, 8 kernels. F.layer_norm is one
//   ATen kernel eagerly too, so a LayerNorm costs the same either way.
// - rotary by complex multiplication, for q and for k: float() 2+4, multiply 4+4,
//   type_as 4+2 = 20 bytes, 3 kernels each (fused: read 2, write 2).
// - SwiGLU silu(w1 x) * (w3 x): silu 2+2, mul 2+2+2 = 10 bytes per ffn element, 2 kernels
//   (fused: 6 bytes, one kernel).
// - grouped-query attention: repeat_kv copies K and V out to the query heads.
// - the loss upcasts the logits (pred.float(): 2+4 bytes per logit) before cross-entropy.
// A fused norm reduces each row in one kernel (the slower row-reduction class of the
// calibration); the eager chain is maps over the tensor, the mean a reduction PyTorch
// runs at streaming speed, so it is taken as streaming throughout.
struct ElementwiseCost {
    double bytes;  // per element
    int kernels;
    bool row_reduction = false;
};
ElementwiseCost norm_cost(const Shape& x) {
    return x.eager && x.rms_norm ? ElementwiseCost{36, 8} : ElementwiseCost{2 * kAct, 1, true};
}
ElementwiseCost rotary_cost(const Shape& x) { return x.eager ? ElementwiseCost{20, 6} : ElementwiseCost{2 * kAct, 1}; }
// The MLP's activation per ffn element: gated (SwiGLU, GeGLU) reads two halves, or one
// activation (GELU: F.gelu is one kernel eagerly too).
ElementwiseCost activation_cost(const Shape& x) {
    if (!x.gated) return {2 * kAct, 1};
    return x.eager ? ElementwiseCost{10, 2} : ElementwiseCost{3 * kAct, 1};
}

ComputeOp memory(const char* name, double elements, ElementwiseCost c) {
    ComputeOp op = memory(name, c.bytes * elements);
    op.kernels = c.kernels;
    op.row_reduction = c.row_reduction;
    return op;
}

ComputeOp row_reduction(const char* name, double bytes) {
    ComputeOp op = memory(name, bytes);
    op.row_reduction = true;
    return op;
}

// PyTorch DTensor's sequence parallelism (TpImpl::torch) shards activations on dim 1 of
// [b, s, h]: the functional all-gather fills dim 0 and then chunks and concatenates the
// result into dim 1, and a reduce-scatter first concatenates its input's dim-1 chunks
// into dim 0 (torch/distributed/_functional_collectives.py, all_gather_tensor and
// reduce_scatter_tensor with gather_dim / scatter_dim != 0). Each such collective adds a
// copy of the whole tensor on the compute stream (read and write), in either pass and
// wherever a checkpoint replays it; one AsyncTP pipelines into a matmul needs none.
// Added after mirror_backward, so that a backward copy is its collective's size.
void add_dtensor_layout_copies(BlockWork& w, const Scenario& s, const Shape& x) {
    if (!x.sp || s.parallelism.tp_impl != TpImpl::torch) return;
    auto add = [&s](const OpList& pass, std::vector<ComputeOp>& compute) {
        for (const auto& c : pass.comm) {
            if (c.group != CommGroup::tp || c.kind == CollectiveKind::all_reduce) continue;
            if (tp_overlap_pipelines(c, s.parallelism)) continue;
            compute.push_back(memory("tp_layout_copy", 2.0 * c.bytes.value));
        }
    };
    add(w.forward, w.forward.compute);
    add(w.backward, w.backward.compute);
}

// Megatron-Core's all-to-all dispatcher moves the routed tokens twice more than its permute
// and unpermute (token_dispatcher.py, MoEAlltoAllTokenDispatcher): tokens arrive grouped by
// source rank, so with several local experts sort_chunks_by_idxs regroups them by expert
// after the dispatch (and the expert-TP gather) and back before the combine; and the
// expert-TP gather and reduce-scatter pass split sizes, so torch.distributed's list
// all_gather copies the flat result out into its chunks and the list reduce_scatter copies
// its chunks into a flat input (ProcessGroupNCCL allgather / reduce_scatter). Each is one
// read and one write of the gathered tokens, in either pass. `gathered`: their bytes.
void add_alltoall_dispatcher_copies(BlockWork& w, const Shape& x, double local_experts, double gathered) {
    std::vector<ComputeOp> copies;
    if (x.ep > 1 && local_experts > 1) {
        copies.push_back(memory("sort_by_expert", 2.0 * gathered));
        copies.push_back(memory("unsort_by_expert", 2.0 * gathered));
    }
    if (x.etp > 1) {
        copies.push_back(memory("etp_gather_copy_out", 2.0 * gathered));
        copies.push_back(memory("etp_reduce_copy_in", 2.0 * gathered));
    }
    for (auto* pass : {&w.forward.compute, &w.backward.compute}) pass->insert(pass->end(), copies.begin(), copies.end());
}

// Norm + (all-gather) ... (reduce-scatter/all-reduce) + residual wrap every sub-block.
// `matmuls`: the separate linear modules reading the gathered input (CollectiveOp::matmuls).
// `tp_collectives` false: a sub-block that works on this rank's token shard as it stands
// (Megatron-Core's MoE layer), norm and residual without the TP gather and reduction.
void open_sublayer(BlockWork& w, const Shape& x, const char* norm_name, const char* gather_name, int matmuls,
                   bool tp_collectives = true) {
    w.forward.compute.push_back(memory(norm_name, x.norm_tokens * x.h, norm_cost(x)));
    if (!x.sp || !tp_collectives) return;
    CollectiveOp gather = collective(gather_name, CollectiveKind::all_gather, CommGroup::tp, kAct * x.tokens * x.h);
    gather.matmuls = matmuls;
    w.forward.comm.push_back(gather);
}

void close_sublayer(BlockWork& w, const Shape& x, const char* reduce_name, const char* residual_name,
                    bool tp_collectives = true) {
    if (tp_collectives) {
        w.forward.comm.push_back(collective(reduce_name, x.sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce,
                                            CommGroup::tp, kAct * x.tokens * x.h));
    }
    double bytes = 3 * kAct * x.norm_tokens * x.h + (x.dropout ? x.norm_tokens * x.h : 0.0);
    w.forward.compute.push_back(memory(residual_name, bytes));
}

// Attention core: FlashAttention (one fused kernel) or Megatron's unfused path
// (batched QK^T, fused scale-mask-softmax, dropout, batched AV).
void attention_core(BlockWork& w, const Shape& x, const Scenario& s) {
    const double bh = x.batch * x.heads;
    // full square, both products; sliding-window layers compute only their band
    const double model = 2.0 * bh * x.q_len * x.kv_len * (x.d_qk + x.d_v) * s.model.attention_share(s.training.seq_len);
    w.model_flops_forward += Flops(model);
    w.attention_model_flops += Flops(model);
    if (s.training.attention != AttentionKernel::unfused) {
        ComputeOp op;
        op.name = "flash_attention";
        op.kind = ComputeKind::attention;
        op.m = x.q_len;  // query rows per (sequence, head): what the kernel's efficiency depends on
        op.n = x.kv_len;
        op.k = x.d_qk;
        op.batch = bh;
        op.flops = Flops(model * x.causal_factor);
        op.bytes = Bytes(kAct * x.tokens * (x.heads * (x.d_qk + x.d_v) * 2 + x.kv_heads * (x.d_qk + x.d_v)));
        w.forward.compute.push_back(op);
        w.recompute.compute.push_back(op);  // selective recomputation re-runs the core
        if (x.cp > 1) {
            // Ring attention: K and V of every CP rank pass around the ring, overlapped
            // with the attention of the chunk in hand (Megatron-Core CP). PyTorch's
            // (CpImpl::torch) sends them after repeat_kv, every query head's, and rotates
            // the gradients in fp32.
            const double kv_heads = x.torch_cp ? x.heads : x.kv_heads;
            CollectiveOp kv = collective("cp_kv_exchange", CollectiveKind::all_gather, CommGroup::cp,
                                         kAct * x.tokens * kv_heads * (x.d_qk + x.d_v) * x.cp, true);
            if (x.torch_cp) kv.gradient_width = 2.0;
            w.forward.comm.push_back(kv);
            if (x.torch_cp) {
                // Its merges, eager and in fp32 over the output O (tokens x heads x d_v):
                // a cast of the first step's O (6 bytes an element), then on each of the
                // cp - 1 others cast, subtract, multiply, subtract (38) or, on the half
                // the load balancer makes partial, those on half the rows plus a cat of O
                // and the log-sum-exp (27): 32 on average; O back to bf16 at the end (6).
                // The backward's accumulation of dQ, dK, dV in fp32 and its copies come to
                // about twice that (57 cp + 18 against 64 cp - 40 elements' bytes at cp 8),
                // as mirror_backward prices a memory op.
                const double out = x.tokens * x.heads * x.d_v;
                ComputeOp merge = memory("cp_merge", (32.0 * (x.cp - 1) + 12.0) * out);
                merge.kernels = int(9 * x.cp);  // about nine eager ops a step
                w.forward.compute.push_back(merge);
                w.recompute.compute.push_back(merge);
            }
        }
        return;
    }
    const double scores = bh * x.q_len * x.kv_len;
    std::vector<ComputeOp> ops = {
        gemm("attention_qk", x.q_len, x.kv_len, x.d_qk, bh),
        row_reduction("softmax", 2 * kAct * scores),
    };
    if (x.dropout) ops.push_back(memory("attention_dropout", (2 * kAct + 1) * scores));
    ops.push_back(gemm("attention_av", x.q_len, x.d_v, x.kv_len, bh));
    for (const auto& op : ops) {
        w.forward.compute.push_back(op);
        w.recompute.compute.push_back(op);
    }
    if (x.cp > 1) {
        double kv_bytes = kAct * x.tokens * x.kv_heads * (x.d_qk + x.d_v) * x.cp;
        w.forward.comm.push_back(collective("cp_kv_exchange", CollectiveKind::all_gather, CommGroup::cp, kv_bytes, true));
    }
}

// A linear layer's GEMM. In FP8 recipes (Transformer Engine, TorchTitan's Float8) the
// linear layers run in FP8 and each first quantizes its 16-bit input (read 2 bytes,
// write 1: the per-tensor cast; the backward casts the output gradient and transposes,
// mirrored as twice the bytes). The output layer and the MoE router stay in 16-bit:
// Megatron-Core builds the output layer as tensor_parallel.ColumnParallelLinear, not a
// TE module, and TorchTitan's Float8 conversion filters out "output".
void add_gemm(BlockWork& w, const Shape& x, ComputeOp op, double model_share = 1.0, bool fp8_eligible = true) {
    w.model_flops_forward += op.flops * model_share;
    if (x.fp8 && fp8_eligible) {
        op.low_precision = true;
        w.forward.compute.push_back(memory("fp8_cast", 3.0 * op.m * op.k * op.batch));
    }
    w.forward.compute.push_back(op);
}

// In a parallel block (Falcon, Cohere) the attention's norm, gather, reduction and
// residual are the whole layer's: the MLP opens nothing (open_mlp) and its close serves both.
void attention_block(BlockWork& w, const Shape& x, const Scenario& s) {
    const auto& m = s.model;
    const bool parallel = m.parallel_block;
    // PyTorch modules read the gathered input apart: wq, wk, wv (Llama), q and kv_a (MLA).
    open_sublayer(w, x, parallel ? "input_norm" : "attention_norm", "tp_all_gather_attention", m.mla.enabled() ? 2 : 3);
    if (m.mla.enabled()) {
        // Down-projections are small and replicated on every TP rank (Megatron-Core MLA):
        // their kernel FLOPs run tp times, their model FLOPs count once.
        const auto& a = m.mla;
        const double replicated = 1.0 / x.tp;
        if (a.q_lora_rank > 0) {
            add_gemm(w, x, gemm("q_down_proj", x.tokens, double(a.q_lora_rank), x.h), replicated);
            add_gemm(w, x, gemm("q_up_proj", x.tokens, x.heads * x.d_qk, double(a.q_lora_rank)));
        } else {
            add_gemm(w, x, gemm("q_proj", x.tokens, x.heads * x.d_qk, x.h));
        }
        add_gemm(w, x, gemm("kv_down_proj", x.tokens, double(a.kv_lora_rank + a.qk_rope_head_dim), x.h), replicated);
        add_gemm(w, x, gemm("kv_up_proj", x.tokens, x.heads * double(a.qk_nope_head_dim + a.v_head_dim),
                         double(a.kv_lora_rank)));
    } else {
        add_gemm(w, x, gemm("qkv_proj", x.tokens, (x.heads * x.d_qk + 2 * x.kv_heads * x.d_qk), x.h));
    }
    if (m.position_embedding == PositionEmbedding::rope) {
        w.forward.compute.push_back(memory("rotary", x.tokens * (x.heads + x.kv_heads) * x.d_qk, rotary_cost(x)));
    }
    if (x.eager && x.kv_heads < x.heads) {  // repeat_kv: read K and V, write them per query head
        w.forward.compute.push_back(memory("repeat_kv", kAct * 2 * x.tokens * (x.kv_heads + x.heads) * x.d_qk));
    }
    attention_core(w, x, s);
    add_gemm(w, x, gemm("out_proj", x.tokens, x.h, x.heads * x.d_v));
    if (!parallel) close_sublayer(w, x, "tp_reduce_attention", "attention_residual");
}

// The MLP half of a layer: its own norm and gather, or, in a parallel block, the
// attention's input (nothing to open). `matmuls`: the modules reading its gathered input.
void open_mlp(BlockWork& w, const Shape& x, const Scenario& s, int matmuls, bool tp_collectives = true) {
    if (!s.model.parallel_block) open_sublayer(w, x, "mlp_norm", "tp_all_gather_mlp", matmuls, tp_collectives);
}

// `host_calls`: the GEMMs the host issues one by one for the `batch` (ComputeOp::host_calls).
void mlp(BlockWork& w, const Shape& x, double width, double rows, const char* fc1, const char* act, const char* fc2,
         double batch = 1, std::int64_t host_calls = 0) {
    const double up = x.gated ? 2.0 : 1.0;
    ComputeOp up_proj = gemm(fc1, rows / batch, up * width, x.h, batch), down_proj = gemm(fc2, rows / batch, x.h, width, batch);
    up_proj.host_calls = down_proj.host_calls = host_calls;
    add_gemm(w, x, up_proj);
    w.forward.compute.push_back(memory(act, rows * width, activation_cost(x)));
    add_gemm(w, x, down_proj);
}

}  // namespace

BlockWork dense_layer(const Scenario& s, const Shape& x) {
    BlockWork w;
    attention_block(w, x, s);
    open_mlp(w, x, s, x.gated ? 2 : 1);  // w1 and w3 of a gated MLP
    mlp(w, x, double(s.model.ffn_hidden) / x.tp, x.tokens, "fc1", "activation", "fc2");
    close_sublayer(w, x, "tp_reduce_mlp", "mlp_residual");
    mirror_backward(w);
    add_dtensor_layout_copies(w, s, x);
    if (s.parallelism.recompute == Recompute::selective_op) w.recompute = selective_op_recompute(w);
    return w;
}

BlockWork moe_layer(const Scenario& s, const Shape& x) {
    const auto& moe = s.model.moe;
    BlockWork w;
    attention_block(w, x, s);
    // Megatron-Core routes the sequence-parallel shard as it stands: the router reads this
    // rank's tokens and the dispatcher moves them (moe_layer.py router_and_preprocess,
    // token_dispatcher.py), so the layer gathers the sequence only for a shared expert,
    // a TP MLP with its own gather and reduce-scatter (SharedExpertMLP). PyTorch's MoE
    // under TP gathers it before the router (TorchTitan's PrepareModuleInputOutput).
    const bool gathers_sequence = !x.sp || moe.shared_experts > 0 || s.parallelism.tp_impl == TpImpl::torch;
    open_mlp(w, x, s, 2, gathers_sequence);  // the router beside the experts
    const double routed_tokens = x.tokens / x.tp * double(moe.top_k);  // this rank's share, top-k copies
    add_gemm(w, x, gemm("router", x.tokens / x.tp, double(moe.experts), x.h), 1.0, false);
    w.forward.compute.push_back(memory("permute", 2 * kAct * routed_tokens * x.h));
    // DeepEP / HybridEP send a token once a destination domain (CostModel::wire_bytes).
    TokenRouting routing;
    if (s.parallelism.moe_dispatcher == MoeDispatcher::deepep) routing = {moe.top_k, moe.experts, moe.groups, moe.group_top_k};
    CollectiveOp dispatch = collective("ep_dispatch", CollectiveKind::all_to_all, CommGroup::ep, kAct * routed_tokens * x.h);
    dispatch.routing = routing;
    w.forward.comm.push_back(dispatch);
    // Expert-TP ranks gather each other's tokens and split each expert's width: Megatron-
    // Core's all-to-all dispatcher all-gathers the received tokens over the expert-TP
    // group after the all-to-all and reduce-scatters the experts' outputs before the
    // combine (token_dispatcher.py, gather_from / reduce_scatter_to_sequence_parallel_region).
    const double local_experts = double(moe.experts) / x.ep;
    const double gathered = kAct * routed_tokens * x.etp * x.h;
    if (x.etp > 1) w.forward.comm.push_back(collective("etp_all_gather_tokens", CollectiveKind::all_gather, CommGroup::etp, gathered));
    // TE's GroupedLinear issues one cuBLAS GEMM a local expert from the host.
    const std::int64_t host_calls = s.training.grouped_gemm == GroupedGemm::te ? std::int64_t(std::ceil(local_experts)) : 0;
    mlp(w, x, double(moe.ffn_hidden) / x.etp, routed_tokens * x.etp, "expert_fc1", "expert_activation", "expert_fc2",
        local_experts, host_calls);
    if (x.etp > 1) w.forward.comm.push_back(collective("etp_reduce_scatter_tokens", CollectiveKind::reduce_scatter, CommGroup::etp, gathered));
    CollectiveOp combine = collective("ep_combine", CollectiveKind::all_to_all, CommGroup::ep, kAct * routed_tokens * x.h);
    combine.routing = routing;  // DeepEP reduces a domain's copies before they cross back
    w.forward.comm.push_back(combine);
    w.forward.compute.push_back(memory("unpermute", 2 * kAct * routed_tokens * x.h));
    if (moe.shared_experts > 0) {
        mlp(w, x, double(moe.shared_experts * moe.shared_ffn_hidden) / x.tp, x.tokens, "shared_fc1", "shared_activation",
            "shared_fc2");
    }
    close_sublayer(w, x, "tp_reduce_mlp", "mlp_residual", gathers_sequence);
    mirror_backward(w);
    add_dtensor_layout_copies(w, s, x);
    if (s.parallelism.moe_dispatcher == MoeDispatcher::alltoall) add_alltoall_dispatcher_copies(w, x, local_experts, gathered);
    if (s.parallelism.recompute == Recompute::selective_op) w.recompute = selective_op_recompute(w);
    return w;
}

BlockWork embedding(const Scenario& s, const Shape& x) {
    BlockWork w;
    // Vocabulary-parallel lookup: each TP rank gathers its rows, then a reduction over TP.
    w.forward.compute.push_back(memory("embedding_lookup", 2 * kAct * x.tokens * x.h));
    w.forward.comm.push_back(collective("tp_reduce_embedding", x.sp ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce,
                                        CommGroup::tp, kAct * x.tokens * x.h));
    if (s.model.position_embedding == PositionEmbedding::learned) {
        w.forward.compute.push_back(memory("position_embedding", 3 * kAct * x.norm_tokens * x.h));
    }
    mirror_backward(w);
    add_dtensor_layout_copies(w, s, x);
    return w;
}

BlockWork head(const Scenario& s, const Shape& x) {
    BlockWork w;
    const double vocab = double(s.model.vocab) / x.tp;
    open_sublayer(w, x, "final_norm", "tp_all_gather_head", 1);
    add_gemm(w, x, gemm("logits", x.tokens, vocab, x.h), 1.0, false);
    // Vocabulary-parallel cross-entropy in fp32: read the logits, write fp32 exp/softmax.
    w.forward.compute.push_back(row_reduction("cross_entropy", (kAct + 4 + 4) * x.tokens * vocab));
    if (x.eager) w.forward.compute.push_back(memory("logits_to_fp32", (kAct + 4) * x.tokens * vocab));
    w.forward.comm.push_back(collective("tp_cross_entropy", CollectiveKind::all_reduce, CommGroup::tp, 3 * 4 * x.tokens));
    mirror_backward(w);
    add_dtensor_layout_copies(w, s, x);
    w.recompute = {};  // the head is never recomputed
    return w;
}

// TorchTitan's per-op selective activation checkpointing (activation_checkpoint mode
// "selective", selective_ac_option "op", its toml default; torchtitan's
// activation_checkpoint.py): the block's forward is replayed in the backward, keeping the
// outputs of attention and of every second matmul counted through the block (of a Llama
// block wq, wv, w1, w2 are kept; wk, wo, w3 recomputed). So every elementwise op and every
// second GEMM run again. colossim's fused GEMMs (qkv, out, fc1 = w1|w3, fc2) make that
// out_proj and fc2: for Llama 3 8B 5% fewer FLOPs than wk + wo + w3.
// Under sequence parallelism the policy's save list (mm, SDPA, reduce_scatter_tensor)
// leaves out all_gather_into_tensor, so the gathered input of every column-parallel
// matmul, which its weight gradient needs, is gathered again: the replay repeats the
// attention's and the MLP's all-gathers (a Llama block's two), not its reduce-scatters.
OpList selective_op_recompute(const BlockWork& w) {
    OpList r;
    int matmuls = 0;
    for (const auto& op : w.forward.compute) {
        if (op.kind == ComputeKind::memory) r.compute.push_back(op);
        else if (op.kind == ComputeKind::gemm && ++matmuls % 2 == 0) r.compute.push_back(op);
    }
    for (const auto& c : w.forward.comm)
        if (c.group == CommGroup::tp && c.kind == CollectiveKind::all_gather) r.comm.push_back(c);
    return r;
}

// FSDP2 gathers into one buffer and copies each parameter out of it
// (foreach_all_gather_copy_out: split_with_sizes_copy, read 2 bytes and write 2 a
// parameter), before the forward and again before the backward (reshard after forward);
// the backward's gradients are chunk-concatenated into the reduce-scatter's buffer in the
// reduce dtype (foreach_reduce: read 2, write grad_bytes). The shard-sized copies into the
// gather and out of the reduction (1/dp of these) are left out. They run on the compute
// stream in the copy-outs' case and beside it in the reduction's; both are priced on it.
void add_fsdp2_copies(BlockWork& w, double params, double grad_bytes) {
    if (params <= 0) return;
    w.forward.compute.push_back(memory("fsdp2_copy_out", 4.0 * params));
    w.backward.compute.push_back(memory("fsdp2_copy_out", 4.0 * params));
    w.backward.compute.push_back(memory("fsdp2_reduce_copy_in", (2.0 + grad_bytes) * params));
}

void mirror_backward(BlockWork& w) {
    for (const auto& op : w.forward.compute) {
        if (op.kind == ComputeKind::gemm) {
            // dgrad: dY[m,n] x W^T[n,k]; wgrad: X^T[k,m] x dY[m,n]
            ComputeOp dgrad = gemm(op.name, op.m, op.k, op.n, op.batch);
            ComputeOp wgrad = gemm(op.name, op.k, op.n, op.m, op.batch);
            dgrad.low_precision = wgrad.low_precision = op.low_precision;
            dgrad.host_calls = wgrad.host_calls = op.host_calls;  // each again a local expert
            // Unfused attention's batched GEMMs multiply activations: both halves are B.
            wgrad.weight_gradient = !std::string_view(op.name).starts_with("attention");
            w.backward.compute.push_back(dgrad);
            w.backward.compute.push_back(wgrad);
        } else if (op.kind == ComputeKind::attention) {
            ComputeOp b = op;
            b.flops = op.flops * 2.5;  // FlashAttention-2 (Dao 2023) sec. 4.1: backward = 2.5 x forward
            b.bytes = op.bytes * 2.0;
            w.backward.compute.push_back(b);
        } else {
            ComputeOp b = op;
            b.bytes = op.bytes * 2.0;  // reads the saved input and the incoming gradient
            w.backward.compute.push_back(b);
        }
    }
    for (const auto& c : w.forward.comm) {
        CollectiveOp b = c;
        if (c.kind == CollectiveKind::all_gather && !c.overlappable) b.kind = CollectiveKind::reduce_scatter;
        else if (c.kind == CollectiveKind::reduce_scatter) b.kind = CollectiveKind::all_gather;
        w.backward.comm.push_back(b);
        if (c.overlappable) {  // CP: K/V are exchanged again and their gradients reduced
            CollectiveOp g = c;
            g.kind = CollectiveKind::reduce_scatter;
            g.bytes = c.bytes * c.gradient_width;
            w.backward.comm.push_back(g);
        }
    }
}

}  // namespace colossim::workload
