#include <algorithm>
#include <cmath>
#include <numeric>

#include "colossim/cost.hpp"

namespace colossim {

namespace {
// The fewest members of any group in one domain (GroupPlacement::sparsest): walks one
// period of the layout (blocks of size x stride ranks, `stride` interleaved groups in
// each), capped so that a planner's thousands of placements stay cheap.
std::int64_t sparsest_share(std::int64_t size, std::int64_t stride, std::int64_t domain, std::int64_t gpus,
                            std::int64_t per_domain) {
    constexpr std::int64_t kMaxWalk = std::int64_t(1) << 14;
    const std::int64_t block = size * stride;
    // Blocks of whole domains cut into whole strides: every domain holds domain / stride
    // of each group (the usual layout on 8-GPU nodes), nothing to walk.
    if (domain % stride == 0 && block % domain == 0) return 0;
    const std::int64_t period = std::lcm(block, domain);
    const std::int64_t walk = std::min(std::min(period, std::max(block, gpus)), std::max(block, kMaxWalk));
    std::int64_t fewest = per_domain;
    for (std::int64_t start = 0; start < walk; start += block) {
        for (std::int64_t offset = 0; offset < stride; ++offset) {
            std::int64_t run = 0, run_domain = -1;
            for (std::int64_t i = 0; i < size; ++i) {
                const std::int64_t d = (start + offset + i * stride) / domain;
                if (d != run_domain) {
                    if (run > 0) fewest = std::min(fewest, run);
                    run = 0;
                    run_domain = d;
                }
                ++run;
            }
            fewest = std::min(fewest, run);
        }
    }
    return fewest < per_domain ? fewest : 0;
}

}  // namespace

// `gpus`: the job's size; groups start at rank 0 of a domain, and only the job's own
// groups can straddle (a 64-GPU job in a 72-GPU rack has none).
GroupPlacement place_group(std::int64_t size, std::int64_t stride, std::int64_t domain, std::int64_t gpus) {
    GroupPlacement g;
    g.size = size;
    if (size <= 1) return g;
    if (stride >= domain) g.per_domain = 1;
    else g.per_domain = std::min(size, std::max<std::int64_t>(1, domain / stride));
    // Groups lie back to back in rank order (Megatron's rank layout), span ranks each.
    const std::int64_t span = size * stride;
    if (stride < domain && span < domain && domain % span != 0) {
        std::int64_t fewest = size;
        const std::int64_t period = span * domain;
        for (std::int64_t start = 0; start < std::min(period, gpus); start += span) {  // one period of the pattern
            const std::int64_t boundary = (start / domain + 1) * domain;
            if (start + span <= boundary) continue;
            const std::int64_t first = (boundary - start + stride - 1) / stride;
            fewest = std::min(fewest, std::min(first, size - first));
        }
        if (fewest < size) g.straddle_fewest = fewest;
    }
    if (g.per_domain < size && stride < domain) g.sparsest = sparsest_share(size, stride, domain, gpus, g.per_domain);
    return g;
}

CostModel::CostModel(const Scenario& scenario, const Calibration& calibration) : s_(scenario), cal_(calibration) {
    const GpuSpec& gpu = s_.cluster.gpu;
    gemm_peak_ = s_.training.precision == Precision::fp8 && gpu.peak_fp8 ? *gpu.peak_fp8 : gpu.peak_bf16;
    gemm_efficiency_max_ = gpu.gemm_efficiency > 0 ? gpu.gemm_efficiency : cal_.default_gemm_efficiency;
    gemm_efficiency_fp8_ = gpu.gemm_efficiency_fp8 > 0 ? gpu.gemm_efficiency_fp8 : gemm_efficiency_max_;
    double attention_eff = gpu.attention_efficiency > 0 ? gpu.attention_efficiency : cal_.default_attention_efficiency;
    // Attention runs in 16-bit in every recipe modelled; FlashAttention-1-class and cuDNN
    // kernels at their measured speed against FlashAttention-2 (same s_half: one curve).
    const double kernel_speed = s_.training.attention == AttentionKernel::flash1   ? cal_.flash1_speed
                                : s_.training.attention == AttentionKernel::cudnn ? cal_.cudnn_attention_speed
                                                                                  : 1.0;
    attention_rate_ = gpu.peak_bf16 * attention_eff * kernel_speed;
    attention_seq_half_ = gpu.attention_seq_half > 0 ? gpu.attention_seq_half : cal_.attention_seq_half;
    memory_rate_ = gpu.hbm_bandwidth * cal_.memory_efficiency;
    norm_memory_rate_ = gpu.hbm_bandwidth * cal_.norm_memory_efficiency;
    links_ = CommLinks{nvlink_ring_rate(gpu, cal_),
                       s_.cluster.nic_bandwidth * cal_.network_efficiency, s_.cluster.nvlink_latency,
                       s_.cluster.network_latency};

    const auto& p = s_.parallelism;
    const std::int64_t domain = std::max<std::int64_t>(1, s_.cluster.nvlink_domain);
    const std::int64_t job_gpus = std::max<std::int64_t>(1, s_.gpus);
    auto idx = [](CommGroup g) { return static_cast<int>(g); };
    groups_[idx(CommGroup::tp)] = place_group(p.tp, 1, domain, job_gpus);
    groups_[idx(CommGroup::cp)] = place_group(p.cp, p.tp, domain, job_gpus);
    groups_[idx(CommGroup::dp)] = place_group(p.dp * p.cp, p.tp, domain, job_gpus);  // gradients reduce over dp x cp
    groups_[idx(CommGroup::ep)] = place_group(p.ep, p.expert_tp(), domain, job_gpus);
    groups_[idx(CommGroup::expert_dp)] = place_group(p.expert_dp(), p.expert_tp() * p.ep, domain, job_gpus);
    groups_[idx(CommGroup::pp)] = place_group(p.pp, p.tp * p.cp * p.dp, domain, job_gpus);
    groups_[idx(CommGroup::etp)] = place_group(p.expert_tp(), 1, domain, job_gpus);  // innermost of the expert layout
}

GroupPlacement CostModel::placement(CommGroup group) const { return groups_[static_cast<int>(group)]; }

double CostModel::gemm_efficiency(double m, double n, double k, double batch) const {
    // Wave quantization: output tiles are dealt to SMs in waves; a partial last wave idles SMs.
    const double sms = double(std::max<std::int64_t>(1, s_.cluster.gpu.sm_count));
    const double tiles = batch * std::ceil(m / cal_.gemm_tile_m) * std::ceil(n / cal_.gemm_tile_n);
    const double waves = std::ceil(tiles / sms);
    const double wave_use = tiles / (waves * sms);
    // Tile padding: a dimension smaller than a tile wastes the rest of the tile.
    const double pad_use = (m / (std::ceil(m / cal_.gemm_tile_m) * cal_.gemm_tile_m)) *
                           (n / (std::ceil(n / cal_.gemm_tile_n) * cal_.gemm_tile_n));
    const double k_use = k / (k + cal_.gemm_k_half);
    return gemm_efficiency_max_ * wave_use * pad_use * k_use;
}

double CostModel::attention_efficiency(double query_rows) const {
    // FlashAttention-2 deals each (sequence, head) out in 128-row query blocks; under a
    // causal mask block i iterates over i+1 key blocks, plus a fixed cost per block (load,
    // masking, the softmax rescale, the backward's extra passes): the fraction
    // s / (s + attention_seq_half), s_half per GPU where its kernels were measured (A100:
    // FA2 paper Fig. 4, 520 tokens; H200: our timings, 2392) or the calibration's.
    if (query_rows <= 0) return 1.0;
    return query_rows / (query_rows + attention_seq_half_);
}

Seconds CostModel::compute(const ComputeOp& op) const {
    Seconds memory_time = op.bytes / (op.row_reduction ? norm_memory_rate_ : memory_rate_);
    switch (op.kind) {
        case ComputeKind::gemm: {
            const bool fp8 = op.low_precision && s_.cluster.gpu.peak_fp8;
            double eff = gemm_efficiency(op.m, op.n, op.k, op.batch);
            if (fp8) eff *= gemm_efficiency_fp8_ / gemm_efficiency_max_;  // same shape losses, FP8's best case
            const FlopRate peak = fp8 ? *s_.cluster.gpu.peak_fp8 : s_.cluster.gpu.peak_bf16;
            return max(op.flops / (peak * eff), memory_time) + cal_.kernel_overhead;
        }
        case ComputeKind::attention:
            return max(op.flops / (attention_rate_ * attention_efficiency(op.m)), memory_time) + cal_.kernel_overhead;
        case ComputeKind::memory:
            return memory_time + cal_.kernel_overhead * double(op.kernels);
    }
    return Seconds(0);
}

Seconds CostModel::host_time(const ComputeOp& op) const {
    return cal_.kernel_overhead * double(op.kernels) + cal_.expert_gemm_host_time * double(op.host_calls);
}

Seconds CostModel::overlap_cost(Seconds comm, Seconds compute) const {
    // While a collective runs, the work beside it proceeds on the SMs the collective's CTAs
    // leave free, at (1 - f) of its rate, f = comm_sms / sm_count: the work ends at
    // compute + f x comm if the collectives end first, else at compute / (1 - f), and the
    // whole no sooner than the collectives. Lee et al. 2025 (arXiv 2507.03114) measure an
    // 18.9% mean compute slowdown under overlap on A100/H100; 24 of 132 SMs is 18.2%.
    const double sms = double(std::max<std::int64_t>(1, s_.cluster.gpu.sm_count));
    const double f = std::min(0.9, cal_.comm_sms / sms);
    if (comm <= Seconds(0)) return Seconds(0);
    const Seconds slowed = min(compute / (1.0 - f), compute + comm * f);
    return max(comm, slowed) - compute;
}

Seconds CostModel::collective(const CollectiveOp& op) const { return collective(op.kind, wire_bytes(op), placement(op.group)); }

Bytes CostModel::wire_bytes(const CollectiveOp& op) const {
    if (op.routing.top_k <= 0 || op.kind != CollectiveKind::all_to_all) return op.bytes;
    const std::int64_t domains = placement(op.group).domains();
    if (domains <= 1) return op.bytes;
    return op.bytes * (expected_domains_reached(op.routing, domains) / double(op.routing.top_k));
}

Seconds CostModel::collective(CollectiveKind kind, Bytes bytes, GroupPlacement where) const {
    CollectiveAlgorithm algorithm = CollectiveAlgorithm::ring;
    if (kind == CollectiveKind::all_reduce) {
        switch (s_.training.nccl_algo) {
            case NcclAlgorithm::automatic: algorithm = CollectiveAlgorithm::automatic; break;
            case NcclAlgorithm::ring: algorithm = CollectiveAlgorithm::ring; break;
            case NcclAlgorithm::tree: algorithm = CollectiveAlgorithm::tree; break;
        }
    }
    return collective(kind, bytes, where, algorithm);
}

Seconds CostModel::collective(CollectiveKind kind, Bytes bytes, GroupPlacement where,
                              CollectiveAlgorithm algorithm) const {
    return collective_time(kind, bytes, where, links_, algorithm);
}

Seconds CostModel::collective_latency(CollectiveKind kind, GroupPlacement where, CollectiveAlgorithm algorithm) const {
    return colossim::collective_latency(kind, where, links_, algorithm);
}

}  // namespace colossim
