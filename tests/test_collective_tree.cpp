// NCCL's double binary tree all-reduce on the flow network, and the automatic choice
// between ring and tree by size (collective_sim.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "colossim/collective_sim.hpp"
#include "colossim/errors.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {

// A cluster built by hand: domains (= nodes) of 4 GPUs, NVLink 400 GB/s per direction,
// no fabric description (one plain leaf layer), link efficiencies of 1 so the
// topology's rates are the spec's.
ClusterSpec hand_cluster(double nic_bytes_per_s) {
    ClusterSpec c;
    c.name = "hand";
    c.gpu.name = "hand-gpu";
    c.gpu.nvlink_bandwidth = ByteRate(800e9);
    c.gpus_per_node = 4;
    c.nvlink_domain = 4;
    c.nic_bandwidth = ByteRate(nic_bytes_per_s);
    c.nvlink_latency = microseconds(2);
    c.network_latency = microseconds(10);
    return c;
}

Calibration exact() {
    Calibration cal = test::calibration();
    cal.nvlink_efficiency = 1.0;
    cal.network_efficiency = 1.0;
    return cal;
}

ClusterSpec catalog_cluster(const char* name) {
    Diagnostics d;
    return test::catalog().cluster(name, "cluster", d);
}

}  // namespace

TEST(CollectiveTree, DoubleTreeDepthIsCeilLog2OfTheDomains) {
    EXPECT_EQ(double_tree_depth(1), 0);
    EXPECT_EQ(double_tree_depth(2), 1);
    EXPECT_EQ(double_tree_depth(3), 2);
    EXPECT_EQ(double_tree_depth(5), 3);   // odd: the second tree is the first shifted by one
    EXPECT_EQ(double_tree_depth(8), 3);
    EXPECT_EQ(double_tree_depth(13), 4);  // NCCL's trees.cc illustration
    EXPECT_EQ(double_tree_depth(128), 7);
    EXPECT_EQ(double_tree_depth(1000), 10);
}

TEST(CollectiveTree, NicBoundTreeIsItsClosedForm) {
    // 8 domains x 4 GPUs, NICs of 25 GB/s: per channel (one per rail, k = 4) each of the
    // two trees carries S/(2k). A leader interior in one tree (2 children + parent) and a
    // leaf in the other moves 4 halves = 2S/k each way over its NIC; its NVLink carries
    // at most 2(k-1)/k S (chains), far less here. Flows at kTreeEfficiency of the rates.
    // Latency: 2 x depth (3) network messages + 2 x (k-1) NVLink messages.
    const Calibration cal = exact();
    const ClusterSpec c = hand_cluster(25e9);
    const std::int64_t n = 32;
    const double S = 1e9, k = 4;
    Topology t(c, n, cal);
    ASSERT_DOUBLE_EQ(t.nic_rate().value, 25e9);
    auto r = simulate_collective(t, CollectiveKind::all_reduce, Bytes(S), n, CollectiveAlgorithm::tree);
    const double bandwidth = 2 * S / k / 25e9 / kTreeEfficiency;
    const double latency = 2 * 3 * 10e-6 + 2 * (k - 1) * 2e-6;
    EXPECT_EQ(r.algorithm, CollectiveAlgorithm::tree);
    EXPECT_NEAR(r.time.value, bandwidth + latency, 1e-9);
    EXPECT_EQ(r.flows, 4 * 4 * (n - 1));  // 2 trees x 2 ways x k channels x (n-1) edges
    EXPECT_EQ(r.flows, collective_flows(t, CollectiveKind::all_reduce, n, CollectiveAlgorithm::tree));
    EXPECT_EQ(r.steps, 2 * 3 + 2 * 3);

    // The bandwidth term alone: latencies at zero leave exactly 2S/(k B_nic) / efficiency.
    ClusterSpec no_latency = c;
    no_latency.nvlink_latency = no_latency.network_latency = Seconds(0);
    Topology t0(no_latency, n, cal);
    auto r0 = simulate_collective(t0, CollectiveKind::all_reduce, Bytes(S), n, CollectiveAlgorithm::tree);
    EXPECT_NEAR(r0.time.value, bandwidth, 1e-9);

    // The latency term alone: a 1-byte all-reduce is all latency (its bytes take 22 ps).
    Topology t1(c, n, cal);
    auto tiny = simulate_collective(t1, CollectiveKind::all_reduce, Bytes(1), n, CollectiveAlgorithm::tree);
    EXPECT_NEAR(tiny.time.value, latency, 1e-10);
}

TEST(CollectiveTree, NvlinkBoundTreeIsItsClosedForm) {
    // NICs of 200 GB/s: now the chains bind. Over its k channels a GPU sends up the chain
    // in every channel where it is not the leader and down it where it is not the tail:
    // 2(k-1) times S/k over its NVLink.
    const ClusterSpec c = hand_cluster(200e9);
    const std::int64_t n = 32;
    const double S = 1e9, k = 4;
    Topology t(c, n, exact());
    auto r = simulate_collective(t, CollectiveKind::all_reduce, Bytes(S), n, CollectiveAlgorithm::tree);
    const double bandwidth = 2 * (k - 1) / k * S / 400e9 / kTreeEfficiency;
    EXPECT_NEAR(r.time.value, bandwidth + 2 * 3 * 10e-6 + 2 * (k - 1) * 2e-6, 1e-9);
}

TEST(CollectiveTree, TwoDomainsMoveHalfTheNicBytesOfFour) {
    // With 2 domains each tree is one edge: a leader sends and receives one half per
    // tree, S/k each way; with 4 or more, 2S/k. Depth 1 vs 2.
    const ClusterSpec c = hand_cluster(25e9);
    const double S = 1e9, k = 4;
    Topology two(c, 8, exact()), four(c, 16, exact());
    auto r2 = simulate_collective(two, CollectiveKind::all_reduce, Bytes(S), 8, CollectiveAlgorithm::tree);
    auto r4 = simulate_collective(four, CollectiveKind::all_reduce, Bytes(S), 16, CollectiveAlgorithm::tree);
    EXPECT_NEAR(r2.time.value, S / k / 25e9 / kTreeEfficiency + 2 * 1 * 10e-6 + 2 * (k - 1) * 2e-6, 1e-9);
    EXPECT_NEAR(r4.time.value, 2 * S / k / 25e9 / kTreeEfficiency + 2 * 2 * 10e-6 + 2 * (k - 1) * 2e-6, 1e-9);
}

TEST(CollectiveTree, TreeLatencyGrowsWithLog2OfTheDomainsRingWithTheGpus) {
    // A tiny all-reduce: the tree's time is its latency, 2 ceil(log2 D) network messages
    // plus the chain; the ring's is 2(n-1) steps of its mean hop (D network hops of 10 us
    // and n - D NVLink hops of 2 us round the ring).
    const ClusterSpec c = hand_cluster(25e9);
    for (std::int64_t domains : {2, 5, 16}) {
        const std::int64_t n = 4 * domains;
        Topology a(c, n, exact()), b(c, n, exact());
        auto tree = simulate_collective(a, CollectiveKind::all_reduce, Bytes(64), n, CollectiveAlgorithm::tree);
        auto ring = simulate_collective(b, CollectiveKind::all_reduce, Bytes(64), n, CollectiveAlgorithm::ring);
        const double depth = std::ceil(std::log2(double(domains)));
        EXPECT_NEAR(tree.time.value, 2 * depth * 10e-6 + 2 * 3 * 2e-6, 1e-8) << domains;
        const double mean_hop = (double(domains) * 10e-6 + double(n - domains) * 2e-6) / double(n);
        EXPECT_NEAR(ring.time.value, 2 * double(n - 1) * mean_hop, 1e-8) << domains;
    }
}

TEST(CollectiveTree, AutoPicksTreeForSmallMessagesOverManyNodes) {
    // 16 DGX H100: a ring's 254 network steps against the tree's 8 (+14 NVLink): 1 MiB
    // goes to the tree, and the simulated tree is indeed the faster.
    const ClusterSpec c = catalog_cluster("dgx-h100");
    const std::int64_t n = 128;
    const Bytes size(1 << 20);
    Topology probe(c, n, test::calibration());
    EXPECT_EQ(choose_algorithm(probe, CollectiveKind::all_reduce, size, n), CollectiveAlgorithm::tree);
    Topology a(c, n, test::calibration()), b(c, n, test::calibration());
    auto chosen = simulate_collective(a, CollectiveKind::all_reduce, size, n, CollectiveAlgorithm::automatic);
    auto ring = simulate_collective(b, CollectiveKind::all_reduce, size, n, CollectiveAlgorithm::ring);
    EXPECT_EQ(chosen.algorithm, CollectiveAlgorithm::tree);
    EXPECT_LT(chosen.time.value, 0.5 * ring.time.value);
}

TEST(CollectiveTree, AutoPicksRingForLargeMessages) {
    // 4 DGX H100, 4 GiB: the tree's 8% less bandwidth costs more than the ring's extra
    // latency; the simulation agrees that the ring is the faster. Inside one node the
    // tree never wins (same latency, less bandwidth).
    const ClusterSpec c = catalog_cluster("dgx-h100");
    const std::int64_t n = 32;
    const Bytes size(4.0 * (1 << 30));
    Topology a(c, n, test::calibration()), b(c, n, test::calibration());
    auto chosen = simulate_collective(a, CollectiveKind::all_reduce, size, n, CollectiveAlgorithm::automatic);
    auto tree = simulate_collective(b, CollectiveKind::all_reduce, size, n, CollectiveAlgorithm::tree);
    EXPECT_EQ(chosen.algorithm, CollectiveAlgorithm::ring);
    EXPECT_LT(chosen.time.value, tree.time.value);
    // ... while a small message over the same 4 nodes goes to the tree.
    Topology probe(c, n, test::calibration());
    EXPECT_EQ(choose_algorithm(probe, CollectiveKind::all_reduce, Bytes(1 << 20), n), CollectiveAlgorithm::tree);
    Topology node(c, 8, test::calibration());
    EXPECT_EQ(choose_algorithm(node, CollectiveKind::all_reduce, Bytes(1024), 8), CollectiveAlgorithm::ring);
    EXPECT_EQ(choose_algorithm(probe, CollectiveKind::all_gather, Bytes(1024), n), CollectiveAlgorithm::ring);
}

TEST(CollectiveTree, ChoiceFollowsTheClosedForms) {
    // The pick is NCCL's tuner's at every size of a sweep — ring against the tree at 92%
    // of the same bus bandwidth, min(k NIC, NVLink) — and it switches once, tree below
    // the crossover and ring above it.
    const ClusterSpec c = catalog_cluster("dgx-h100");
    const std::int64_t n = 32;
    Topology t(c, n, test::calibration());
    int switches = 0;
    CollectiveAlgorithm last = CollectiveAlgorithm::tree;
    for (double s = 1024; s <= 64e9; s *= 2) {
        const Bytes size(s);
        const auto pick = choose_algorithm(t, CollectiveKind::all_reduce, size, n);
        const double ring = all_reduce_estimate(t, size, n, CollectiveAlgorithm::ring).value;
        const CommLinks links = comm_links(t);
        const double bus = std::min(8 * links.network.value, links.nvlink.value);
        const double tree = 2 * s / (kTreeEfficiency * bus) +
                            collective_latency(CollectiveKind::all_reduce, {n, 8}, links, CollectiveAlgorithm::tree).value;
        EXPECT_EQ(pick, tree < ring ? CollectiveAlgorithm::tree : CollectiveAlgorithm::ring) << s;
        if (pick != last) ++switches;
        last = pick;
    }
    EXPECT_EQ(switches, 1);
    EXPECT_EQ(last, CollectiveAlgorithm::ring);
}

TEST(CollectiveTree, RefusedForKindsOtherThanAllReduce) {
    const ClusterSpec c = catalog_cluster("dgx-h100");
    for (CollectiveKind kind :
         {CollectiveKind::all_gather, CollectiveKind::reduce_scatter, CollectiveKind::all_to_all}) {
        Topology t(c, 16, test::calibration());
        try {
            simulate_collective(t, kind, Bytes(1e6), 16, CollectiveAlgorithm::tree);
            ADD_FAILURE() << "tree accepted for " << to_string(kind);
        } catch (const InputError& e) {
            EXPECT_EQ(e.field(), "--algorithm");
            EXPECT_EQ(e.value(), "tree");
            EXPECT_NE(e.valid().find("all-reduce"), std::string::npos) << e.valid();
            EXPECT_NE(e.valid().find("ring"), std::string::npos) << e.valid();
        }
    }
}

// ---- the command line ----
#include "cli_helpers.hpp"

TEST(CollectiveTreeCli, AlgorithmTreeAndAutoPerSize) {
    using test::run_cli;
    auto tree = run_cli("collective all-reduce --cluster dgx-h100 --gpus 64 --size 1MiB --algorithm tree --json");
    ASSERT_EQ(tree.status, 0) << tree.out;
    EXPECT_NE(tree.out.find("\"algorithm\": \"tree\""), std::string::npos) << tree.out;
    // auto over 4 nodes: tree for 1 MiB, ring for 4 GiB, one row each
    auto sweep = run_cli("collective all-reduce --cluster dgx-h100 --gpus 32 --size 1MiB..4GiB");
    ASSERT_EQ(sweep.status, 0) << sweep.out;
    const auto first = sweep.out.find("1.049 MB"), last = sweep.out.find("4.295 GB");
    ASSERT_NE(first, std::string::npos) << sweep.out;
    ASSERT_NE(last, std::string::npos) << sweep.out;
    const std::string first_row = sweep.out.substr(first, sweep.out.find('\n', first) - first);
    const std::string last_row = sweep.out.substr(last, sweep.out.find('\n', last) - last);
    EXPECT_NE(first_row.find("tree"), std::string::npos) << first_row;
    EXPECT_NE(last_row.find("ring"), std::string::npos) << last_row;
    // tree for another kind: refused, exit status 2, naming the flag and what is valid
    auto refused = run_cli("collective all-gather --cluster dgx-h100 --gpus 16 --algorithm tree");
    EXPECT_EQ(refused.status, 2);
    EXPECT_NE(refused.out.find("--algorithm"), std::string::npos) << refused.out;
    EXPECT_NE(refused.out.find("all-reduce"), std::string::npos) << refused.out;
    EXPECT_EQ(run_cli("collective all-reduce --cluster dgx-h100 --gpus 16 --algorithm trie").status, 2);
}
