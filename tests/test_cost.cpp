// Collectives against their closed forms; GEMM efficiency's shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <string_view>

#include "colossim/cost.hpp"
#include "colossim/workload.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
struct Fixture {
    Scenario s = test::scenario(test::kLlama405b);
    CostModel cost{s, test::calibration()};
};
}  // namespace

TEST(Collectives, RingAllReduceInsideOneNode) {
    Fixture f;
    const double n = 8, S = 1e9;
    const auto& c = f.s.cluster;
    // 2(n-1)/n * S / B + 2(n-1) alpha, B = NVLink per direction x ring efficiency
    double B = c.gpu.nvlink_per_direction().value * test::calibration().nvlink_efficiency;
    double expected = 2 * (n - 1) / n * S / B + 2 * (n - 1) * c.nvlink_latency.value;
    EXPECT_NEAR(f.cost.collective(CollectiveKind::all_reduce, Bytes(S), {8, 8}).value, expected, 1e-12);
    EXPECT_NEAR(f.cost.collective(CollectiveKind::all_gather, Bytes(S), {8, 8}).value, expected / 2, 1e-12);
}

TEST(Collectives, AcrossNodesOneRankPerNodeUsesTheNic) {
    Fixture f;
    const double n = 128, S = 1e9;
    const auto& c = f.s.cluster;
    double B = c.nic_bandwidth.value * test::calibration().network_efficiency;
    // NCCL's pick for 1 GB: the ring (the tree moves it at 92% of the bandwidth); one rank
    // a node, so each of its 2(n-1) steps crosses the network.
    double ring = 2 * ((n - 1) / n * S / B + (n - 1) * c.network_latency.value);
    EXPECT_NEAR(f.cost.collective(CollectiveKind::all_reduce, Bytes(S), {128, 1}).value, ring, 1e-12);
    // The tree when asked: 2 S / (0.92 B) and 2 ceil(log2 128) = 14 network messages.
    double tree = 2 * S / (kTreeEfficiency * B) + 14 * c.network_latency.value;
    EXPECT_NEAR(f.cost.collective(CollectiveKind::all_reduce, Bytes(S), {128, 1}, CollectiveAlgorithm::tree).value, tree,
                1e-12);
}

TEST(Collectives, HierarchicalSplitsTheBufferOverTheNodesNics) {
    Fixture f;
    // 64 ranks, 8 per node: 8 nodes; the inter-node part moves S/8 per GPU.
    Seconds flat = f.cost.collective(CollectiveKind::all_reduce, Bytes(1e9), {64, 1});
    Seconds hier = f.cost.collective(CollectiveKind::all_reduce, Bytes(1e9), {64, 8});
    EXPECT_LT(hier.value, flat.value / 4);
    EXPECT_EQ(f.cost.collective(CollectiveKind::all_reduce, Bytes(1e9), {1, 1}).value, 0.0);
}

TEST(Collectives, PlacementFollowsTheRankOrder) {
    Fixture f;  // tp 8 fills the node: dp and pp peers are one per node
    EXPECT_EQ(f.cost.placement(CommGroup::tp).per_domain, 8);
    EXPECT_EQ(f.cost.placement(CommGroup::dp).per_domain, 1);
    EXPECT_EQ(f.cost.placement(CommGroup::dp).size, 128);
    Scenario s = test::scenario(test::kLlama405b, {{"parallelism.tp", "2"}, {"parallelism.pp", "8"}, {"parallelism.vpp", "1"}});
    CostModel c(s, test::calibration());
    EXPECT_EQ(c.placement(CommGroup::dp).per_domain, 4);  // 4 DP peers share a node
}

TEST(Gemm, EfficiencyIsBoundedAndFallsForThinShapes) {
    Fixture f;
    double peak = f.s.cluster.gpu.gemm_efficiency;
    double big = f.cost.gemm_efficiency(8192, 8192, 8192, 1);
    EXPECT_LE(big, peak);
    EXPECT_GT(big, 0.9 * peak);
    EXPECT_LT(f.cost.gemm_efficiency(8192, 8192, 128, 1), 0.6 * big);  // short reduction
    EXPECT_LT(f.cost.gemm_efficiency(64, 8192, 8192, 1), 0.6 * big);   // few rows: padding
}

TEST(Collectives, GroupsThatStraddleTwoNvlinkRacksCrossTheNics) {
    // NVL72 racks hold 4.5 groups of 16 GPUs (TP 2 x EP 8): the group on GPUs 64-79 has 4
    // members in each rack, so its all-to-all sends half its buffer over the NICs.
    Scenario s = test::scenario(R"(
model: mixtral-8x22b
cluster: gb200-nvl72
gpus: 576
parallelism: {tp: 2, pp: 4, ep: 8}
training: {seq_len: 4096, micro_batch: 1, global_batch: 1152}
)");
    CostModel cost(s, test::calibration());
    const GroupPlacement ep = cost.placement(CommGroup::ep);
    EXPECT_EQ(ep.size, 8);
    EXPECT_EQ(ep.per_domain, 8);
    EXPECT_EQ(ep.straddle_fewest, 4);
    const double S = 1e9;
    const double nic = S * 4 / 8 / cost.network_rate().value + s.cluster.network_latency.value;
    EXPECT_NEAR(cost.collective(CollectiveKind::all_to_all, Bytes(S), ep).value, nic, 1e-12);
    // On 8-GPU nodes groups of 8 tile the domains: nothing straddles.
    EXPECT_EQ(CostModel(test::scenario(test::kLlama405b), test::calibration()).placement(CommGroup::tp).straddle_fewest, 0);
}

TEST(Memory, RowReductionsRunAtTheNormRateStreamsAtTheCopyRate) {
    // Two classes measured on H200 (data/calibration/h200-memory.csv): copies and adds reach
    // 0.84-0.91 of HBM bandwidth, layer_norm and rms_norm 0.47-0.66.
    Fixture f;
    const Calibration& cal = test::calibration();
    ComputeOp stream;
    stream.kind = ComputeKind::memory;
    stream.bytes = Bytes(1e10);
    ComputeOp norm = stream;
    norm.row_reduction = true;
    const double bw = f.s.cluster.gpu.hbm_bandwidth.value;
    EXPECT_NEAR(f.cost.compute(stream).value, 1e10 / (bw * cal.memory_efficiency) + cal.kernel_overhead.value, 1e-12);
    EXPECT_NEAR(f.cost.compute(norm).value, 1e10 / (bw * cal.norm_memory_efficiency) + cal.kernel_overhead.value, 1e-12);
    EXPECT_GT(cal.memory_efficiency, 0.8);
    EXPECT_LT(cal.norm_memory_efficiency, 0.6);
    // An eager chain pays a launch per kernel.
    stream.kernels = 8;
    EXPECT_NEAR(f.cost.compute(stream).value, 1e10 / (bw * cal.memory_efficiency) + 8 * cal.kernel_overhead.value, 1e-12);
}

TEST(Collectives, OnlyTheJobsOwnGroupsStraddle) {
    // 64 GPUs of one NVL72 rack with EP 64: the one group is inside the rack.
    const std::string job = R"(
model: deepseek-v3
cluster: gb200-nvl72
gpus: 64
parallelism: {tp: 1, ep: 64, etp: 1}
training: {seq_len: 4096, micro_batch: 1, global_batch: 64}
)";
    EXPECT_EQ(CostModel(test::scenario(job), test::calibration()).placement(CommGroup::ep).straddle_fewest, 0);
    // 256 GPUs: ranks 64-127 straddle racks 0 and 1 (8 and 56 members)...
    const std::string big = R"(
model: deepseek-v3
cluster: gb200-nvl72
gpus: 256
parallelism: {tp: 1, pp: 4, ep: 64, etp: 1}
training: {seq_len: 4096, micro_batch: 1, global_batch: 256}
)";
    const Scenario spread = test::scenario(big);
    EXPECT_EQ(CostModel(spread, test::calibration()).placement(CommGroup::ep).straddle_fewest, 8);
    // ...unless Slurm hands the job 16-node blocks (--segment 16): 64 GPUs a rack.
    const Scenario segmented = test::scenario(big, {{"hardware.segment", "16"}});
    EXPECT_EQ(segmented.cluster.nvlink_domain, 64);
    const GroupPlacement ep = CostModel(segmented, test::calibration()).placement(CommGroup::ep);
    EXPECT_EQ(ep.straddle_fewest, 0);
    EXPECT_EQ(ep.per_domain, 64);
}

// A collective beside compute: short ones slow the compute by their SM share, long ones
// show their excess, and a long enough one hides the slowed compute entirely.
TEST(Overlap, CollectivesBesideComputeSlowItOrShowTheirExcess) {
    Fixture f;
    const double sms = double(f.s.cluster.gpu.sm_count), share = test::calibration().comm_sms / sms;
    ASSERT_GT(share, 0.1);
    EXPECT_EQ(f.cost.overlap_cost(Seconds(0), Seconds(1)).value, 0.0);
    // Ends first: the compute lost share x its length.
    EXPECT_NEAR(f.cost.overlap_cost(Seconds(0.5), Seconds(1)).value, 0.5 * share, 1e-12);
    // Outlasts the slowed compute: only its excess shows.
    EXPECT_NEAR(f.cost.overlap_cost(Seconds(3), Seconds(1)).value, 2.0, 1e-12);
    // Outlasts the compute but not the slowed compute: the slowdown shows, not the excess.
    EXPECT_NEAR(f.cost.overlap_cost(Seconds(1.1), Seconds(1)).value, 1.1 * share, 1e-12);
    // No compute to slow: the collective itself.
    EXPECT_NEAR(f.cost.overlap_cost(Seconds(2), Seconds(0)).value, 2.0, 1e-12);
}

TEST(TokenRouting, DomainsReachedAreTheChanceEachIsHitTimesTheDomains) {
    // Unlimited routing: a domain holding d of E experts is missed by all k picks with
    // probability C(E - d, k) / C(E, k). 8 experts over 4 domains, top-2: 1 - 15/28 a domain.
    EXPECT_NEAR(expected_domains_reached({2, 8, 0, 0}, 4), 4.0 * 13.0 / 28.0, 1e-12);
    // Qwen3-235B (128 experts, top-8) over EP 32 on 4 nodes: 4 (1 - prod_i (96 - i) / (128 - i)).
    double miss = 1;
    for (int i = 0; i < 8; ++i) miss *= (96.0 - i) / (128.0 - i);
    EXPECT_NEAR(expected_domains_reached({8, 128, 0, 0}, 4), 4 * (1 - miss), 1e-12);
    // DeepSeek-V3 (256 experts, top-8 of the best 4 of 8 groups) over EP 64 on 8 nodes, a group
    // a node: half the nodes are eligible, each hit unless its 32 of the 128 eligible experts
    // are all missed: 8 x 1/2 x (1 - the same product) -- at most the 4 nodes of sec. 3.2.2.
    EXPECT_NEAR(expected_domains_reached({8, 256, 8, 4}, 8), 4 * (1 - miss), 1e-12);
    EXPECT_LT(expected_domains_reached({8, 256, 8, 4}, 8), expected_domains_reached({8, 256, 0, 0}, 8));
    // One domain, or a single copy: nothing to save.
    EXPECT_DOUBLE_EQ(expected_domains_reached({8, 128, 0, 0}, 1), 1.0);
    EXPECT_DOUBLE_EQ(expected_domains_reached({1, 128, 0, 0}, 4), 1.0);
}

TEST(TokenRouting, GroupLimitedRoutingMatchesADrawOfGroupsThenExperts) {
    // Two groups a domain (8 groups over 4 domains, 4 chosen, top-6 of 64 experts): the
    // hypergeometric sum against a seeded Monte Carlo of the same draw.
    std::mt19937_64 rng(7);
    const int experts = 64, groups = 8, chosen = 4, k = 6, domains = 4, per_group = experts / groups;
    double reached = 0;
    const int draws = 200000;
    for (int t = 0; t < draws; ++t) {
        std::vector<int> g(groups);
        std::iota(g.begin(), g.end(), 0);
        std::shuffle(g.begin(), g.end(), rng);
        std::vector<int> pool;
        for (int i = 0; i < chosen; ++i)
            for (int e = 0; e < per_group; ++e) pool.push_back(g[i] * per_group + e);
        std::shuffle(pool.begin(), pool.end(), rng);
        std::set<int> hit;
        for (int i = 0; i < k; ++i) hit.insert(pool[i] / (experts / domains));
        reached += double(hit.size());
    }
    EXPECT_NEAR(expected_domains_reached({k, experts, groups, chosen}, domains), reached / draws, 0.01);
}

TEST(TokenRouting, DeepEpSendsATokenOnceADestinationNode) {
    // Qwen3-235B's dispatch over EP 32 on DGX H100 (4 nodes): DeepEP puts domains_reached / top_k
    // of the all-to-all's bytes on the wire; inside one node (EP 8) it saves nothing.
    auto dispatch_bytes = [](const char* ep, const char* dispatcher) {
        const Scenario s = test::scenario(R"(
model: {name: q, family: qwen3_moe, layers: 8, hidden: 4096, heads: 64, kv_heads: 4, head_dim: 128, vocab: 151936,
        max_seq_len: 4096, activation: swiglu, position_embedding: rope, tie_embeddings: false, bias: false,
        moe: {experts: 128, top_k: 8, ffn_hidden: 1536}}
cluster: dgx-h100
gpus: 256
training: {seq_len: 4096, global_batch: 256, micro_batch: 1}
)", {{"parallelism.ep", ep}, {"parallelism.etp", "1"}, {"parallelism.moe_dispatcher", dispatcher}, {"parallelism.recompute", "none"}});
        const Workload w = build_workload(s);
        const CostModel cost(s, test::calibration());
        for (const auto& c : w.moe_layer.forward.comm)
            if (std::string_view(c.name) == "ep_dispatch") return std::pair{c.bytes.value, cost.wire_bytes(c).value};
        return std::pair{0.0, 0.0};
    };
    double miss = 1;
    for (int i = 0; i < 8; ++i) miss *= (96.0 - i) / (128.0 - i);
    const auto [bytes, wire] = dispatch_bytes("32", "deepep");
    EXPECT_GT(bytes, 0);
    EXPECT_NEAR(wire / bytes, 4 * (1 - miss) / 8, 1e-12);
    const auto [plain, plain_wire] = dispatch_bytes("32", "alltoall");
    EXPECT_DOUBLE_EQ(plain_wire, plain);
    const auto [in_node, in_node_wire] = dispatch_bytes("8", "deepep");
    EXPECT_DOUBLE_EQ(in_node_wire, in_node);
}
