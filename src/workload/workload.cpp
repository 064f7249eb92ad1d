#include "blocks.hpp"
#include "colossim/spec.hpp"

namespace colossim {

namespace {
Flops recompute_model_flops(const BlockWork& b, Recompute mode) {
    switch (mode) {
        case Recompute::none: return Flops(0);
        case Recompute::full: return b.model_flops_forward;
        case Recompute::selective: return b.attention_model_flops;  // the recomputed core
        case Recompute::selective_op: {
            Flops f(0);
            for (const auto& op : b.recompute.compute) {
                if (op.kind == ComputeKind::gemm) f += op.flops;
            }
            return f;
        }
    }
    return Flops(0);
}
}  // namespace

double recomputed_layer_fraction(const Parallelism& p, std::int64_t stage_layers) {
    if (p.recompute != Recompute::full || p.recompute_layers <= 0 || stage_layers <= 0) return 1.0;
    const double chunk = double(stage_layers) / double(std::max<std::int64_t>(1, p.vpp));
    return std::min(double(p.recompute_layers), chunk) / chunk;
}

bool data_parallel_overlaps(const Scenario& s) {
    // With CUDA_DEVICE_MAX_CONNECTIONS=1 every stream's kernels enter the GPU through one
    // queue in launch order, so an FSDP unit's gather or reduce-scatter that waits on its
    // predecessor holds back the compute launched after it. Megatron's FSDP guide asks to
    // unset the variable "to ensure full parallelization of FSDP communication and
    // computation" (NVIDIA/Megatron-LM docs, Megatron-FSDP user guide), and Megatron-LM
    // requires it set to 1 with sequence parallelism before Blackwell (arguments.py, which
    // warns that sequence parallelism and FSDP "require different CUDA_MAX_CONNECTIONS
    // settings"). ZeRO-1/2 keep their overlap: Megatron's distributed optimizer launches
    // each bucket's collective after the gradients it waits for, never ahead of compute.
    const auto& p = s.parallelism;
    if (!p.dp_overlap) return false;
    return !(p.zero == 3 && s.training.cuda_device_max_connections == 1);
}

bool tp_overlaps(const Parallelism& p) { return p.tp_overlap && p.tp > 1 && p.sequence_parallel; }

bool tp_overlap_pipelines(const CollectiveOp& c, const Parallelism& p) {
    if (!tp_overlaps(p) || c.group == CommGroup::cp || c.group == CommGroup::ep) return false;
    // inductor's fuse_matmul_reduce_scatter fuses reduce_scatter(mm(A, B)) only: an add of
    // input gradients before the reduce-scatter leaves it an NCCL collective on the stream.
    return !(p.tp_impl == TpImpl::torch && c.kind == CollectiveKind::reduce_scatter && c.matmuls > 1);
}

double cp_overlap_share(const Parallelism& p) {
    return p.cp > 1 && p.cp_impl == CpImpl::torch ? 1.0 / double(p.cp) : 1.0;
}

const char* to_string(CollectiveKind k) {
    switch (k) {
        case CollectiveKind::all_reduce: return "all-reduce";
        case CollectiveKind::all_gather: return "all-gather";
        case CollectiveKind::reduce_scatter: return "reduce-scatter";
        case CollectiveKind::all_to_all: return "all-to-all";
        case CollectiveKind::send_recv: return "send-recv";
    }
    return "?";
}

const OpList* recomputed_ops(const BlockWork& b, Recompute rc) {
    switch (rc) {
        case Recompute::full: return &b.forward;
        case Recompute::selective:
        case Recompute::selective_op: return &b.recompute;
        case Recompute::none: return nullptr;
    }
    return nullptr;
}

double gradient_bytes(const Scenario& s) {
    return s.training.precision == Precision::fp16 || s.training.grad_reduce_bf16 ? 2.0 : 4.0;
}

Workload build_workload(const Scenario& s) {
    const auto& m = s.model;
    const auto& p = s.parallelism;
    workload::Shape shape(s);
    Workload w;
    w.dense_layer = workload::dense_layer(s, shape);
    if (m.moe.enabled()) w.moe_layer = workload::moe_layer(s, shape);
    w.embedding = workload::embedding(s, shape);
    w.head = workload::head(s, shape);
    w.params = count_parameters(m);
    // One layer's parameters on one GPU, by part: attention and norms in every layer,
    // then the dense MLP, or the MoE layer's shared experts and router and its experts.
    const auto& pc = w.params;
    const double tp = double(p.tp), etp_ep = double(p.expert_tp() * p.ep);
    const double every_layer = pc.attention / tp + pc.norms, dense_mlp = pc.dense_mlp / tp;
    const double moe_dense = pc.shared_experts / tp + pc.router, experts = pc.routed_experts / etp_ep;
    if (p.zero == 3 && p.zero_impl == ZeroImpl::fsdp2) {
        workload::add_fsdp2_copies(w.dense_layer, every_layer + dense_mlp, gradient_bytes(s));
        if (m.moe.enabled()) workload::add_fsdp2_copies(w.moe_layer, every_layer + moe_dense + experts, gradient_bytes(s));
    }
    w.micro_batches = s.training.micro_batches_per_step(p);
    w.tokens_per_micro_batch = shape.tokens;
    // Between stages each TP rank sends its 1/tp slice (scatter/gather optimisation,
    // Narayanan et al. SC'21 sec. 4.1), the same size as the sequence-parallel shard.
    w.p2p_bytes = Bytes(2.0 * shape.tokens * shape.h / shape.tp);

    // Layers go to stages in order; the dense layers of an MoE model come first.
    auto layers = stage_layers(m, p);
    std::int64_t dense_left = m.dense_layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        StageWork st;
        st.dense_layers = std::min(layers[i], dense_left);
        dense_left -= st.dense_layers;
        st.moe_layers = layers[i] - st.dense_layers;
        st.has_embedding = i == 0;
        st.has_head = i + 1 == layers.size();
        double attention = double(layers[i]) * every_layer;
        double dense = double(st.dense_layers) * dense_mlp;
        double moe = double(st.moe_layers) * moe_dense;
        st.expert_params = double(st.moe_layers) * experts;
        double embed = st.has_embedding ? pc.embedding / tp : 0.0;
        // The last stage holds the output projection, or a copy of the tied embedding
        // when it is not also the first stage (Megatron keeps both in sync).
        double out = st.has_head ? (m.tie_embeddings ? (st.has_embedding ? 0.0 : pc.embedding / tp) : pc.output / tp) : 0.0;
        st.params = attention + dense + moe + st.expert_params + embed + out;
        w.stages.push_back(st);
    }

    // FLOPs of the whole job per step: each stage's per-GPU share times the tp*cp*dp GPUs
    // that share its work, times micro-batches; backward = 2 x forward.
    const double replicas = double(p.tp * p.cp * p.dp) * double(w.micro_batches);
    Flops model(0), recompute(0);
    for (const auto& st : w.stages) {
        Flops fwd = w.dense_layer.model_flops_forward * double(st.dense_layers) +
                    w.moe_layer.model_flops_forward * double(st.moe_layers);
        Flops rec = (recompute_model_flops(w.dense_layer, p.recompute) * double(st.dense_layers) +
                     recompute_model_flops(w.moe_layer, p.recompute) * double(st.moe_layers)) *
                    recomputed_layer_fraction(p, st.dense_layers + st.moe_layers);
        if (st.has_head) fwd += w.head.model_flops_forward;
        model += fwd * 3.0;
        recompute += rec;
    }
    w.model_flops_per_step = model * replicas;
    w.hardware_flops_per_step = (model + recompute) * replicas;
    return w;
}

}  // namespace colossim
