// The analytical engine: closed forms over the workload and the cost model.
//
// Per micro-batch, each stage runs its blocks' forward, (recomputation,) backward; TP and
// EP communication sits on the critical path (Megatron-LM's default; parallelism.tp_overlap
// and ep_overlap hide them behind compute); the
// CP K/V ring hides behind the attention it feeds. The pipeline then follows the 1F1B
// closed form (Narayanan et al. SC'21 sec. 2.2): m micro-batches through the slowest
// stage plus the fill and drain through the others, divided by v when interleaved. The
// data-parallel gradient reduction is hidden behind the last backward where the scenario
// overlaps it, and the optimizer update is memory-bound.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include "colossim/estimate.hpp"
#include "colossim/layer_ops.hpp"

namespace colossim {

namespace {

using StageTime = StageTiming;

}  // namespace

Seconds compute_op_time(const ComputeOp& op, const CostModel& cost) {
    const auto& p = cost.scenario().parallelism;
    if (tp_overlaps(p) && op.kind == ComputeKind::gemm && !op.weight_gradient && op.m >= double(p.tp)) {
        // Overlapped, a GEMM beside a TP transfer runs as tp chunks of its rows, each a
        // smaller GEMM (and a launch) of its own; weight gradients overlap whole.
        ComputeOp chunk = op;
        chunk.m = op.m / double(p.tp);
        chunk.flops = op.flops / double(p.tp);
        chunk.bytes = op.bytes / double(p.tp);
        return cost.compute(chunk) * double(p.tp);
    }
    return cost.compute(op);
}

namespace {

// One pass (forward, backward or recomputation) of one block, priced once and reused by
// every stage that holds the block.
struct PassTime {
    Seconds total;
    PassTiming pass;
};

// `ep_exposed`: under EP overlap, what of this pass's all-to-alls its partner pass leaves
// exposed (ep_overlap_exposure); without, they run on the critical path.
PassTime pass_time(const OpList& ops, const CostModel& cost, std::optional<Seconds> ep_exposed = std::nullopt) {
    PassTime t;
    const auto& p = cost.scenario().parallelism;
    Seconds attention(0), gemms(0), host(0);
    for (const auto& op : ops.compute) {
        const Seconds c = compute_op_time(op, cost);
        host += cost.host_time(op);
        t.pass.parts.compute += c;
        if (op.kind == ComputeKind::gemm) gemms += c;
        if (op.kind == ComputeKind::attention || std::string_view(op.name).starts_with("attention")) attention += c;
        if (op.weight_gradient) t.pass.weight_gradient += c;
    }
    t.pass.attention = attention;
    Seconds pipelined(0);  // the TP collectives TP overlap runs beside the GEMMs
    for (const auto& c : ops.comm) {
        Seconds d = cost.collective(c);
        // Beside the attention it feeds; PyTorch's context parallel gathers K and V whole
        // before its ring, beside the first of its cp steps only.
        if (c.overlappable) d = cost.overlap_cost(d, attention * cp_overlap_share(p));
        switch (c.group) {
            case CommGroup::cp:
                t.pass.parts.cp_comm += d;
                t.pass.cp_bytes += c.bytes;
                ++t.pass.cp_ops;
                break;
            case CommGroup::ep:
                t.pass.parts.ep_comm += d;
                t.pass.ep_bytes += cost.wire_bytes(c);  // the event engine's flows carry these
                ++t.pass.ep_ops;
                break;
            default:
                if (tp_overlap_pipelines(c, p)) pipelined += d;
                else t.pass.parts.tp_comm += d;
                break;
        }
    }
    if (pipelined > Seconds(0)) {
        // Each all-gather feeds a GEMM and each reduce-scatter drains one: TE's userbuffers
        // (and AsyncTP) split the pair into tp chunks and run chunk i's transfer beside
        // chunk i+-1's GEMM, so the first (or last) chunk's transfer shows and the rest
        // runs beside the pass's GEMMs, slowing them by the SMs it holds.
        const Seconds chunk = pipelined / double(p.tp);
        t.pass.parts.tp_comm += chunk + cost.overlap_cost(pipelined - chunk, gemms);
    }
    if (ep_exposed) t.pass.parts.ep_comm = *ep_exposed;
    Breakdown& b = t.pass.parts;
    const Seconds gpu = b.compute + b.tp_comm + b.cp_comm + b.ep_comm;
    // A pass no faster than the CPU issues it: Megatron's dropless dispatcher even blocks
    // the host once a MoE layer (token_dispatcher.py, _maybe_dtoh_and_synchronize), so a
    // pass cannot bank the slack of another. Replayed CUDA graphs issue nothing.
    if (!cost.scenario().training.cuda_graphs && host > gpu) b.host = host - gpu;
    t.total = gpu + b.host;
    return t;
}

void add_scaled(Breakdown& into, const Breakdown& b, double k);

void add_scaled(PassTiming& into, const PassTiming& c, double k) {
    add_scaled(into.parts, c.parts, k);
    into.attention += c.attention * k;
    into.weight_gradient += c.weight_gradient * k;
    into.cp_bytes += c.cp_bytes * k;
    into.ep_bytes += c.ep_bytes * k;
    into.cp_ops += std::int64_t(double(c.cp_ops) * k);
    into.ep_ops += std::int64_t(double(c.ep_ops) * k);
}

void add_scaled(Breakdown& into, const Breakdown& b, double k) {
    into.compute += b.compute * k;
    into.tp_comm += b.tp_comm * k;
    into.cp_comm += b.cp_comm * k;
    into.ep_comm += b.ep_comm * k;
    into.host += b.host * k;
}

struct BlockTimes {
    PassTime forward, backward, recompute;
};

// A MoE layer's pass in the two parts EP overlap pairs: the attention side (its ops
// before the router) and the MoE side (the router on), each the compute time it holds,
// and the pass's dispatch and combine all-to-alls.
struct MoePassParts {
    Seconds attention, moe, dispatch, combine;
};
MoePassParts moe_pass_parts(const OpList& ops, const CostModel& cost) {
    MoePassParts m{};
    bool moe_side = false;
    for (const auto& op : ops.compute) {
        moe_side = moe_side || std::string_view(op.name) == "router";
        (moe_side ? m.moe : m.attention) += compute_op_time(op, cost);
    }
    for (const auto& c : ops.comm) {
        if (c.group != CommGroup::ep) continue;
        (std::string_view(c.name) == "ep_dispatch" ? m.dispatch : m.combine) += cost.collective(c);
    }
    return m;
}

// EP overlap (Megatron-Core's --overlap-moe-expert-parallel-comm; DeepSeek-V3's DualPipe)
// runs a forward chunk of one micro-batch with a backward chunk of another, each
// all-to-all beside one component of the other pass (DeepSeek-V3, arXiv 2412.19437,
// sec. 3.2.1 and Fig. 4): the backward's combine beside the forward's attention, the
// forward's dispatch beside the backward's MLP, the backward's dispatch beside the
// forward's MLP, the forward's combine beside the backward's attention. What a component
// cannot cover shows, and the part it covers slows it (CostModel::overlap_cost).
std::pair<Seconds, Seconds> ep_overlap_exposure(const BlockWork& b, const CostModel& cost) {
    // Blocks without all-to-alls (dense layers, embedding, head) expose nothing: skip
    // pricing their ops a second time.
    const auto ep = [](const CollectiveOp& c) { return c.group == CommGroup::ep; };
    if (std::none_of(b.forward.comm.begin(), b.forward.comm.end(), ep)) return {Seconds(0), Seconds(0)};
    const MoePassParts f = moe_pass_parts(b.forward, cost), k = moe_pass_parts(b.backward, cost);
    const Seconds forward = cost.overlap_cost(f.dispatch, k.moe) + cost.overlap_cost(f.combine, k.attention);
    const Seconds backward = cost.overlap_cost(k.combine, f.attention) + cost.overlap_cost(k.dispatch, f.moe);
    return {forward, backward};
}

BlockTimes block_times(const BlockWork& b, Recompute rc, const CostModel& cost) {
    BlockTimes t;
    std::optional<Seconds> forward_ep, backward_ep;
    if (cost.scenario().parallelism.ep_overlap) std::tie(forward_ep, backward_ep) = ep_overlap_exposure(b, cost);
    t.forward = pass_time(b.forward, cost, forward_ep);
    t.backward = pass_time(b.backward, cost, backward_ep);
    // A full recomputation replays the forward just priced.
    if (const OpList* r = recomputed_ops(b, rc)) t.recompute = r == &b.forward ? t.forward : pass_time(*r, cost);
    return t;
}

struct WorkloadTimes {
    BlockTimes embedding, dense_layer, moe_layer, head;
};

StageTime stage_time(const WorkloadTimes& times, const StageWork& st, const Parallelism& p) {
    StageTime t;
    const double recomputed = recomputed_layer_fraction(p, st.dense_layers + st.moe_layers);
    struct Block {
        const BlockTimes& times;
        double count;
        bool layer;  // transformer layers are what recomputation re-runs
    };
    const Block blocks[] = {{times.embedding, st.has_embedding ? 1.0 : 0.0, false},
                            {times.dense_layer, double(st.dense_layers), true},
                            {times.moe_layer, double(st.moe_layers), true},
                            {times.head, st.has_head ? 1.0 : 0.0, false}};
    for (const auto& b : blocks) {
        if (b.count <= 0) continue;
        t.forward += b.times.forward.total * b.count;
        t.backward += b.times.backward.total * b.count;
        add_scaled(t.forward_pass, b.times.forward.pass, b.count);
        add_scaled(t.backward_pass, b.times.backward.pass, b.count);
        if (b.layer) {
            t.backward += b.times.recompute.total * (b.count * recomputed);
            add_scaled(t.backward_pass, b.times.recompute.pass, b.count * recomputed);
        }
    }
    return t;
}

// Gradient reduction and parameter gathering over data-parallel ranks, per step; returns
// the part not hidden behind compute. What runs when follows the ZeRO stages (Rajbhandari
// et al., SC'20, sec. 5): with whole gradient buffers (stage 0 all-reduce, stage 1
// reduce-scatter) gradients accumulate locally and are reduced once a step; stage 2 keeps
// only its shard, so every micro-batch's gradients are reduce-scattered as they are
// produced; stage 3 also gathers the weights for every micro-batch's forward and backward.
struct DataParallelTime {
    Seconds exposed;   // on the step's critical path, the slowdown included
    Seconds slowdown;  // what the collectives that hid cost the compute beside them
};
DataParallelTime data_parallel_time(const Scenario& s, const Workload& w, const StageTime& first_stage,
                                    const StageWork& st, const CostModel& cost, const Calibration& cal) {
    const auto& p = s.parallelism;
    const double grad_bytes = gradient_bytes(s);
    struct Part {
        double params;
        GroupPlacement group;
    };
    const Part parts[] = {{st.params - st.expert_params, cost.placement(CommGroup::dp)},
                          {st.expert_params, cost.placement(CommGroup::expert_dp)}};
    // Per micro-batch: what runs beside its forward (ZeRO-3's gathers) and beside its
    // backward (ZeRO-3's second gathers, ZeRO-2/3's reduce-scatters).
    Seconds per_step_reduce(0), per_step_gather(0), beside_forward(0), beside_backward(0);
    // Megatron-Core's DDP and FSDP issue one NCCL call a bucket (ZeRO-3: an FSDP unit, a
    // layer) of each model chunk, each paying the collective's latency (a ring over 72
    // ranks: 71 hops): the event engine runs them so (network_step.cpp plan_reduction).
    const double chunks = double(std::max<std::int64_t>(1, p.vpp));
    const double calls = chunks * double(data_parallel_buckets(s, st, st.params / chunks, cal));
    const auto bucketed = [&](CollectiveKind kind, Bytes bytes, GroupPlacement group) {
        return cost.collective(kind, Bytes(bytes.value / calls), group) * calls;
    };
    double params = 0;
    for (const auto& part : parts) {
        if (part.params <= 0) continue;
        params += part.params;
        Bytes grads(part.params * grad_bytes), weights(part.params * 2.0);
        if (p.zero == 0) {
            per_step_reduce += bucketed(CollectiveKind::all_reduce, grads, part.group);
            continue;
        }
        Seconds rs = bucketed(CollectiveKind::reduce_scatter, grads, part.group);
        Seconds ag = bucketed(CollectiveKind::all_gather, weights, part.group);
        if (p.zero == 1) per_step_reduce += rs;
        else beside_backward += rs;
        if (p.zero == 3) {  // gathered for the forward and again for the backward
            beside_forward += ag;
            beside_backward += ag;
        } else {
            per_step_gather += ag;  // updated shards gathered once a step
        }
    }
    const double m = double(w.micro_batches);
    if (!data_parallel_overlaps(s)) return {per_step_reduce + per_step_gather + (beside_forward + beside_backward) * m, Seconds(0)};
    // Overlapped: buckets reduce as the backward produces them (Megatron-Core
    // overlap_grad_reduce), gather during the forward (overlap_param_gather; FSDP's
    // prefetch of the next unit); per-step collectives hide behind the last backward or
    // the first forward, per-micro-batch ones behind a micro-batch's work; the last bucket
    // (or FSDP unit) cannot hide: one of the `calls` (the last chunk's last bucket, as
    // the event engine issues them).
    const double last_bucket = params > 0 ? 1.0 / calls : 1.0;
    // The last bucket runs after the work it follows; the rest beside that work, which
    // it slows (CostModel::overlap_cost).
    Seconds slowdown(0);
    const auto beside = [&](Seconds comm, Seconds work) {
        const Seconds rest = comm * (1.0 - last_bucket), shown = cost.overlap_cost(rest, work);
        slowdown += shown - max(Seconds(0), rest - work);
        return comm * last_bucket + shown;
    };
    // One DP stream: a micro-batch's gathers and reductions queue on it and may run on
    // into the next micro-batch's work, so in the steady state they hide behind a whole
    // forward + backward (the event engine runs the queue itself).
    const Seconds per_micro_batch = beside_forward + beside_backward;
    // A DP collective across nodes shares the NICs with the critical path's own traffic
    // across nodes (expert all-to-alls, CP rings): it hides only behind the time those
    // leave the NICs free.
    const auto crosses = [&](CommGroup g) {
        const GroupPlacement at = cost.placement(g);
        return at.size > 1 && at.per_domain < at.size;
    };
    const bool dp_on_nics = crosses(CommGroup::dp) || crosses(CommGroup::expert_dp);
    const auto nic_free = [&](const PassTiming& pass, Seconds whole) {
        if (!dp_on_nics) return whole;
        Seconds busy(0);
        if (crosses(CommGroup::ep)) busy += pass.parts.ep_comm;
        if (crosses(CommGroup::cp)) busy += pass.parts.cp_comm;
        return max(Seconds(0), whole - busy);
    };
    const Seconds forward_free = nic_free(first_stage.forward_pass, first_stage.forward);
    const Seconds backward_free = nic_free(first_stage.backward_pass, first_stage.backward);
    const Seconds reduce = beside(per_step_reduce, backward_free);
    const Seconds gather = beside(per_step_gather, forward_free);
    const Seconds before_each = slowdown;
    const Seconds each = beside(per_micro_batch, forward_free + backward_free) * m;
    slowdown = before_each + (slowdown - before_each) * m;
    return {reduce + gather + each, slowdown};
}

// Adam step: per local (sharded) parameter, read fp32 weight, gradient, m, v and write
// weight, m, v and the 16-bit copy (30 bytes); every parameter's gradient is zeroed (4).
Seconds optimizer_time(const Scenario& s, const StageWork& st, const CostModel& cost) {
    const auto& p = s.parallelism;
    double shards_dense = p.zero >= 1 ? double(p.dp * p.cp) : 1.0;
    double shards_expert = p.zero >= 1 ? double(p.expert_dp()) : 1.0;
    double local = (st.params - st.expert_params) / shards_dense + st.expert_params / shards_expert;
    ComputeOp update;
    update.name = "optimizer";
    update.kind = ComputeKind::memory;
    update.bytes = Bytes(30.0 * local + 4.0 * st.params);
    return cost.compute(update);
}

}  // namespace

std::int64_t data_parallel_buckets(const Scenario& s, const StageWork& st, double chunk_params,
                                   const Calibration& cal) {
    if (s.parallelism.zero == 3) {
        const std::int64_t layers = (st.dense_layers + st.moe_layers) / std::max<std::int64_t>(1, s.parallelism.vpp);
        return std::max<std::int64_t>(1, layers);
    }
    // Megatron-Core's default bucket grows with the data-parallel group (DDP's
    // bucket_size: max(40M, 1M x dp) parameters, dp counting CP ranks: "larger DP sizes
    // need larger buckets to ensure collectives do not become latency-bound";
    // megatron/core/distributed/distributed_data_parallel_config.py).
    const double per_rank = 1e6 * double(s.parallelism.dp * s.parallelism.cp);
    const double bucket = std::max(cal.ddp_bucket_params, per_rank);
    return std::max<std::int64_t>(1, std::int64_t(std::ceil(chunk_params / bucket)));
}

Breakdown StageTiming::parts() const {
    Breakdown b;
    add_scaled(b, forward_pass.parts, 1.0);
    add_scaled(b, backward_pass.parts, 1.0);
    return b;
}

StepAnalysis analyze_step(const Scenario& s, const Calibration& calibration) {
    StepAnalysis a;
    a.workload = build_workload(s);
    const Workload& w = a.workload;
    const CostModel cost(s, calibration);
    const auto& p = s.parallelism;
    const Recompute rc = p.recompute;
    const WorkloadTimes times{block_times(w.embedding, Recompute::none, cost), block_times(w.dense_layer, rc, cost),
                              block_times(w.moe_layer, rc, cost), block_times(w.head, Recompute::none, cost)};
    a.stages.reserve(w.stages.size());
    for (std::size_t i = 0; i < w.stages.size(); ++i) {
        // Stages holding the same blocks take the same time: the middle stages of a
        // pipeline are priced once.
        const StageWork& st = w.stages[i];
        const bool same = i > 0 && st.dense_layers == w.stages[i - 1].dense_layers &&
                          st.moe_layers == w.stages[i - 1].moe_layers && st.has_embedding == w.stages[i - 1].has_embedding &&
                          st.has_head == w.stages[i - 1].has_head;
        a.stages.push_back(same ? a.stages.back() : stage_time(times, st, p));
        if (a.stages[i].total() > a.stages[a.critical].total()) a.critical = i;
    }
    if (p.pp > 1) a.p2p_hop = cost.collective(CollectiveKind::send_recv, w.p2p_bytes, cost.placement(CommGroup::pp));
    // The step ends when stage 0 finishes its last backward: its data-parallel reduction
    // is the one that can hide least.
    const DataParallelTime dp = data_parallel_time(s, w, a.stages.front(), w.stages.front(), cost, calibration);
    a.dp_exposed = dp.exposed;
    a.dp_slowdown = dp.slowdown;
    a.optimizer = optimizer_time(s, w.stages[a.critical], cost);
    // MFU and HFU against the dense 16-bit peak in every precision, as the published tables
    // report FP8 runs (Llama 3, Megatron-Bridge, NeMo): against the FP8 peak an FP8 run's
    // MFU would fall while its throughput rises.
    a.peak = s.cluster.gpu.peak_bf16;
    return a;
}

Breakdown steady_state_parts(const StepAnalysis& a) {
    const StageTime& slow = a.stages[a.critical];
    const double m = double(a.workload.micro_batches);
    Breakdown b;
    const Breakdown parts = slow.parts();
    b.compute = parts.compute * m;
    b.tp_comm = parts.tp_comm * m;
    b.cp_comm = parts.cp_comm * m;
    b.ep_comm = parts.ep_comm * m;
    b.host = parts.host * m;
    b.dp_comm = a.dp_exposed;
    b.optimizer = a.optimizer;
    return b;
}

StepResult estimate(const Scenario& s, const Calibration& calibration) {
    const StepAnalysis a = analyze_step(s, calibration);
    const auto& p = s.parallelism;
    const double m = double(a.workload.micro_batches), v = double(p.vpp);
    Seconds sum(0), weight_gradients(0);
    for (const auto& st : a.stages) {
        sum += st.total();
        weight_gradients += st.backward_pass.weight_gradient;
    }
    Breakdown b = steady_state_parts(a);
    const StageTime& slow = a.stages[a.critical];
    // Fill and drain: every other stage's work once, shortened v-fold by interleaving.
    // Zero bubble H1 (Qi et al., ICLR'24, sec. 3) splits the backward into B (input
    // gradients) and W (weight gradients) and fills the drain with W: its bubble is
    // (p-1)(F + B - W) against 1F1B's (p-1)(F + B + W), i.e. each other stage's forward +
    // whole backward less twice its W. GPipe's fill and drain take as long as 1F1B's.
    if (p.schedule == Schedule::zb_h1 && p.pp > 1) {
        b.bubble = (sum - slow.total()) - (weight_gradients - slow.backward_pass.weight_gradient) * 2.0;
    } else {
        b.bubble = (sum - slow.total()) / v;
    }
    if (p.pp > 1) {
        // Each micro-batch's activations and gradients cross every virtual-stage boundary
        // of this rank; Megatron-LM waits for these transfers (no P2P overlap by default).
        b.pp_comm = a.p2p_hop * 2.0 * v * m;
        b.bubble += a.p2p_hop * 2.0 * double(p.pp - 1);
    }
    return summarize_step(s, a, b);
}

StepResult summarize_step(const Scenario& s, const StepAnalysis& a, const Breakdown& b) {
    const Workload& w = a.workload;
    StepResult r;
    r.micro_batches = w.micro_batches;
    r.params_total = w.params.total;
    r.params_active = w.params.active;
    r.breakdown = b;
    r.step_time = b.total();
    r.critical_stage = static_cast<std::int64_t>(a.critical);

    r.memory = stage_memory(s, w, 0);
    for (std::size_t i = 1; i < w.stages.size(); ++i) {
        MemoryResult mi = stage_memory(s, w, i);
        if (mi.total > r.memory.total) r.memory = mi;
    }

    const double gpus = double(s.gpus);
    r.model_flops_per_gpu = w.model_flops_per_step / r.step_time / gpus;
    r.hardware_flops_per_gpu = w.hardware_flops_per_step / r.step_time / gpus;
    r.mfu = r.model_flops_per_gpu / a.peak;
    r.hfu = r.hardware_flops_per_gpu / a.peak;
    r.tokens_per_s = double(s.training.global_batch) * double(s.training.seq_len) / r.step_time.value;

    if (s.training.tokens > 0) {
        r.time_to_train = Seconds(s.training.tokens / r.tokens_per_s);
        r.gpu_hours = gpus * r.time_to_train.value / kSecondsPerHour;
        // Each GPU draws its TDP, plus its share of the host; the facility adds PUE.
        Watts per_gpu = s.cluster.gpu.tdp + s.cluster.host_power / double(s.cluster.gpus_per_node);
        Joules it_energy = per_gpu * gpus * r.time_to_train;
        r.energy_mwh = it_energy.value * s.training.pue / kJoulesPerMWh;
        r.cost_usd = r.gpu_hours * s.training.price_per_gpu_hour;
    }
    return r;
}

}  // namespace colossim
