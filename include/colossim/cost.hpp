// The cost model: how long one operation takes on this hardware. Shared by every engine.
//
// Compute (roofline x efficiency): time = max(FLOPs / (peak x efficiency), bytes /
// (HBM bandwidth x memory efficiency)) + a launch overhead. A GEMM's efficiency is the
// GPU's measured best-case GEMM efficiency (data/gpus, "MAMF") times two losses that
// depend on its shape: wave quantization of output tiles over the SMs, and a short
// reduction dimension (k / (k + k_half)).
// Collectives (alpha-beta per topology level): a group is split into the members that
// share an NVLink domain (k) and the domains it spans (n/k); inside a domain a ring over
// NVLink, across domains NCCL's multi-channel rings (see CostModel::collective).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/scenario.hpp"
#include "colossim/workload.hpp"

namespace colossim {

// One calibration for every case: data/calibration/model.yaml, each figure with its source.
struct Calibration {
    double memory_efficiency = 0.85;   // HBM bandwidth reached by streaming elementwise kernels
    double norm_memory_efficiency = 0.55;  // ... by kernels that reduce along rows (norms, softmax)
    double gemm_k_half = 128;          // k at which the reduction-length loss is 1/2
    double gemm_tile_m = 128, gemm_tile_n = 128;
    Seconds kernel_overhead = microseconds(2);
    // CPU time to issue one local expert's GEMM through Transformer Engine's GroupedLinear,
    // its share of the module's per-expert work (allocations, quantizer and split setup).
    Seconds expert_gemm_host_time = microseconds(73);
    double nvlink_efficiency = 0.8;    // ring bus bandwidth / NVLink rate
    double network_efficiency = 0.95;  // ring bus bandwidth / NIC rate
    double default_gemm_efficiency = 0.8;       // for a GPU file that gives none
    double default_attention_efficiency = 0.5;
    double attention_seq_half = 2392;  // tokens a sequence needs to reach half the attention plateau
    double flash1_speed = 0.55;        // FlashAttention-1-class kernels' speed / FlashAttention-2's
    double cudnn_attention_speed = 1.76;  // cuDNN fused attention's speed / FlashAttention-2's
    double ddp_bucket_params = 40e6;   // Megatron-Core DDP bucket (parameters)
    double comm_sms = 24;              // SMs a running NCCL collective holds (one CTA a channel)

    // Constants that `validate --cross-validate` refits on the other sources (model.yaml
    // `fitted:` name: [low, high]); empty when every constant comes from a measurement.
    struct Fitted {
        std::string name;
        double low = 0, high = 0;
    };
    std::vector<Fitted> fitted;
    std::vector<Fitted> fitted_constants() const { return fitted; }
    // A numeric constant by its model.yaml name (durations in seconds); InternalError if unknown.
    double get(const std::string& name) const;
    void set(const std::string& name, double value);

    static Calibration from_catalog(const Catalog& catalog);
};

// The ring bus bandwidth a GPU's NVLink gives NCCL: the GPU's measured fraction of its
// per-direction rate, else the calibration's (both engines and the closed form use it).
inline ByteRate nvlink_ring_rate(const GpuSpec& gpu, const Calibration& cal) {
    return gpu.nvlink_per_direction() * (gpu.nvlink_efficiency > 0 ? gpu.nvlink_efficiency : cal.nvlink_efficiency);
}

// Where a communicator's members sit: `size` ranks, consecutive members `stride` ranks
// apart; `per_domain` of them share an NVLink domain.
struct GroupPlacement {
    std::int64_t size = 1;
    std::int64_t per_domain = 1;
    // Where a domain does not hold a whole number of groups (72-GPU NVL72 racks and groups
    // of 16), some group straddles two domains: the fewest of its members on one side,
    // which sets the slowest group's all-to-all. 0: no group straddles.
    std::int64_t straddle_fewest = 0;
    // The fewest members any group keeps in one domain, where that is below per_domain
    // (dense DP 72 at stride 2 over 64-GPU segments: 32, 32, 8; expert DP 9 at stride 16
    // over them: 4, 4, 1). Every ring channel enters and leaves every domain, so those few
    // members' NICs carry all k channels.
    // 0: every domain holds per_domain members of each group.
    std::int64_t sparsest = 0;
    // NVLink domains a group spans: ceil(size / per_domain).
    std::int64_t domains() const { return (size + std::max<std::int64_t>(1, per_domain) - 1) / std::max<std::int64_t>(1, per_domain); }
};
// Where the groups of `size` ranks at `stride` lie in a job of `gpus` GPUs whose NVLink
// domains hold `domain` GPUs, in Megatron's rank order.
GroupPlacement place_group(std::int64_t size, std::int64_t stride, std::int64_t domain, std::int64_t gpus);

// How NCCL runs a collective (collective_sim.hpp describes each as flows). automatic:
// NCCL's tuner's pick, the lower closed form of ring and tree for an all-reduce, the
// ring for every other kind.
enum class CollectiveAlgorithm { automatic, ring, hierarchical, tree };

// The tree's links move at this fraction of their rates (NCCL src/graph/tuning.cc:
// `if (a == NCCL_ALGO_TREE) busBw = std::min(busBw*.92, ...)`).
inline constexpr double kTreeEfficiency = 0.92;

// What a collective's closed form needs of the links: ring bus bandwidth per level and
// one message's latency inside an NVLink domain and across the fabric.
struct CommLinks {
    ByteRate nvlink, network;
    Seconds nvlink_latency, network_latency;
};

// The one closed form of a collective of `bytes` (nccl-tests' size) over `where`, for
// both engines and `colossim collective` (src/cost/collective_cost.cpp):
//   ring          bandwidth: every rail's NIC and every NVLink at once (NCCL's channels,
//                 PXN): (n-1)/n S / min(k B_net, B_nvlink) a pass (two for an all-reduce);
//                 latency: each of the ring's steps costs its mean hop,
//                 (r a_net + (n-r) a_nvlink) / n over r domains (a chunk pipelined round
//                 the ring crosses r network hops and n-r NVLink hops)
//   tree          all-reduce: the larger of 2 (k-1)/k S over NVLink (the chains) and 2 S/k
//                 over a leader's NIC (S/k with 2 domains), at 92% of the rates, plus
//                 2 ceil(log2 r) a_net + 2 (k-1) a_nvlink (NCCL's double binary tree,
//                 pipelined)
//   hierarchical  ring inside the domains, across them on every rail with S/k, ring inside
//   all-to-all    every pair at once (NCCL's grouped send/recv): the larger of the NVLink
//                 and NIC volumes, one latency
Seconds collective_time(CollectiveKind kind, Bytes bytes, GroupPlacement where, const CommLinks& links,
                        CollectiveAlgorithm algorithm);
Seconds collective_latency(CollectiveKind kind, GroupPlacement where, const CommLinks& links,
                           CollectiveAlgorithm algorithm);
// automatic resolved as NCCL's tuner does for an all-reduce: ring or tree, whichever is
// lower when both get one bus bandwidth (min(k B_net, B_nvlink); the tree 92% of it);
// ring for other kinds; any other request is returned as it is.
CollectiveAlgorithm resolve_closed_form(CollectiveKind kind, Bytes bytes, GroupPlacement where, const CommLinks& links,
                                        CollectiveAlgorithm algorithm);
// Height of NCCL's double binary tree over `ranks`: ceil(log2 ranks), 0 for one.
std::int64_t tree_depth(std::int64_t ranks);

// The NVLink domains a token's top_k copies reach, on average, when the experts lie evenly
// over `domains` domains in order and routing is balanced (src/cost/token_routing.cpp).
double expected_domains_reached(const TokenRouting& routing, std::int64_t domains);

class CostModel {
public:
    CostModel(const Scenario& scenario, const Calibration& calibration);

    Seconds compute(const ComputeOp& op) const;
    // CPU time to issue `op`: its launches at kernel_overhead (a launch-bound kernel's
    // floor) and its local experts' GEMM calls at expert_gemm_host_time.
    Seconds host_time(const ComputeOp& op) const;
    // What `comm` seconds of collectives started beside `compute` seconds of work add to
    // that work: the part that outlasts it, or the slowdown of the work while they run (their
    // kernels hold calibration.comm_sms of the GPU's SMs), whichever is the larger.
    Seconds overlap_cost(Seconds comm, Seconds compute) const;
    Seconds collective(const CollectiveOp& op) const;
    // The bytes `op` moves as a plain collective of its kind would: its own, or for a
    // deduplicating MoE dispatch or combine across domains the share of its top_k copies
    // that cross the scale-out network, expected_domains_reached / top_k (the copies
    // forwarded inside a domain go over NVLink, priced as the plain all-to-all's). Both
    // engines price and send these.
    Bytes wire_bytes(const CollectiveOp& op) const;
    // All-reduces as the scenario's training.nccl_algo says (auto: NCCL's pick), every
    // other kind as NCCL's rings.
    Seconds collective(CollectiveKind kind, Bytes bytes, GroupPlacement where) const;
    Seconds collective(CollectiveKind kind, Bytes bytes, GroupPlacement where, CollectiveAlgorithm algorithm) const;
    // The latency part of collective() for that algorithm (a step's rings by default).
    Seconds collective_latency(CollectiveKind kind, GroupPlacement where,
                               CollectiveAlgorithm algorithm = CollectiveAlgorithm::ring) const;
    ByteRate nvlink_rate() const { return links_.nvlink; }
    ByteRate network_rate() const { return links_.network; }
    const CommLinks& links() const { return links_; }

    GroupPlacement placement(CommGroup group) const;
    const Scenario& scenario() const { return s_; }
    double gemm_efficiency(double m, double n, double k, double batch) const;
    // The fraction of the GPU's attention plateau a causal FlashAttention forward+backward
    // reaches over sequences of `query_rows` tokens.
    double attention_efficiency(double query_rows) const;
    FlopRate gemm_peak() const { return gemm_peak_; }

private:
    const Scenario& s_;
    Calibration cal_;
    FlopRate gemm_peak_, attention_rate_;
    double attention_seq_half_ = 0;
    ByteRate memory_rate_, norm_memory_rate_;
    CommLinks links_;
    double gemm_efficiency_max_, gemm_efficiency_fp8_;
    GroupPlacement groups_[7];
};

}  // namespace colossim
