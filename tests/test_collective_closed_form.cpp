// One cost for a collective, whichever engine prices it: the closed form that `estimate`
// and `plan` use (cost.hpp collective_time) against the flow-level simulation of the
// same collective alone (`colossim collective`), for every kind and algorithm, 1 MiB to
// 8 GiB, 8 to 16,384 GPUs, on a fat tree of 8-GPU nodes and on NVL72 racks.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

#include "colossim/collective_sim.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
struct Grid {
    CollectiveKind kind;
    CollectiveAlgorithm algorithm;
};

ClusterSpec catalog_cluster(const char* name) {
    Diagnostics d;
    return test::catalog().cluster(name, "cluster", d);
}

// Worst |closed / simulated - 1| over the sizes and GPU counts a flow-level run can take
// in a test (as `colossim collective` refuses more than 5 M flows, this skips them).
double worst_disagreement(const char* cluster_name, const Grid& g, const std::vector<std::int64_t>& gpus,
                          int& compared) {
    const ClusterSpec c = catalog_cluster(cluster_name);
    const Calibration cal = test::calibration();
    double worst = 0;
    for (std::int64_t n : gpus) {
        Scenario s;
        s.cluster = c;
        s.gpus = n;
        const CostModel cost(s, cal);
        const GroupPlacement where{n, std::min(n, c.nvlink_domain)};
        for (double size : {double(1 << 20), double(64 << 20), 8.0 * double(1 << 30)}) {
            Topology probe(c, n, cal);
            const CollectiveAlgorithm run = resolve_algorithm(probe, g.kind, Bytes(size), n, g.algorithm);
            if (collective_flows(probe, g.kind, n, run) > 5'000'000) continue;
            Topology topo(c, n, cal);
            const CollectiveResult sim = simulate_collective(topo, g.kind, Bytes(size), n, g.algorithm);
            const double closed = cost.collective(g.kind, Bytes(size), where, sim.algorithm).value;
            const double e = closed / sim.time.value - 1;
            if (std::fabs(e) > std::fabs(worst)) worst = e;
            EXPECT_LE(std::fabs(e), 0.05) << cluster_name << " " << to_string(g.kind) << " "
                                          << to_string(sim.algorithm) << " n=" << n << " size=" << size
                                          << ": closed " << closed << " s, simulated " << sim.time.value << " s";
            ++compared;
        }
    }
    return worst;
}
}  // namespace

TEST(CollectiveClosedForm, MatchesTheSimulationForEveryKindAndAlgorithm) {
    const std::vector<Grid> grid = {
        {CollectiveKind::all_reduce, CollectiveAlgorithm::ring},
        {CollectiveKind::all_reduce, CollectiveAlgorithm::tree},
        {CollectiveKind::all_reduce, CollectiveAlgorithm::hierarchical},
        {CollectiveKind::all_reduce, CollectiveAlgorithm::automatic},
        {CollectiveKind::reduce_scatter, CollectiveAlgorithm::ring},
        {CollectiveKind::reduce_scatter, CollectiveAlgorithm::hierarchical},
        {CollectiveKind::all_gather, CollectiveAlgorithm::ring},
        {CollectiveKind::all_gather, CollectiveAlgorithm::hierarchical},
        {CollectiveKind::all_to_all, CollectiveAlgorithm::automatic},
    };
    int compared = 0;
    for (const char* cluster : {"dgx-h100", "gb200-nvl72"}) {
        for (const Grid& g : grid) {
            // Rings run 2(n-1) steps of n x channels flows: up to 512 GPUs here; the tree
            // is one phase and reaches 16,384.
            const std::vector<std::int64_t> gpus = g.algorithm == CollectiveAlgorithm::tree
                                                       ? std::vector<std::int64_t>{8, 24, 64, 512, 4096, 16384}
                                                       : std::vector<std::int64_t>{8, 24, 64, 144, 512};
            const double worst = worst_disagreement(cluster, g, gpus, compared);
            std::cout << cluster << " " << to_string(g.kind) << " " << to_string(g.algorithm)
                      << ": worst closed/simulated - 1 = " << 100 * worst << "%\n";
        }
    }
    EXPECT_GE(compared, 150);
}

TEST(CollectiveClosedForm, TheIssuesRingOn512H100) {
    // colossim collective all-reduce --size 64MiB --cluster dgx-h100 --gpus 512 --algorithm
    // ring: 2 x 511 ring steps, 64 of every 512 hops across the network. The closed form
    // used to take the tree's latency whatever the algorithm (525 us against 6,147).
    const ClusterSpec c = catalog_cluster("dgx-h100");
    Scenario s;
    s.cluster = c;
    s.gpus = 512;
    const CostModel cost(s, test::calibration());
    Topology topo(c, 512, test::calibration());
    const Bytes size(64.0 * (1 << 20));
    const CollectiveResult sim = simulate_collective(topo, CollectiveKind::all_reduce, size, 512, CollectiveAlgorithm::ring);
    const double ring = cost.collective(CollectiveKind::all_reduce, size, {512, 8}, CollectiveAlgorithm::ring).value;
    const double tree = cost.collective(CollectiveKind::all_reduce, size, {512, 8}, CollectiveAlgorithm::tree).value;
    EXPECT_NEAR(ring / sim.time.value, 1.0, 0.05);
    EXPECT_LT(tree, ring);  // so NCCL's tuner sends 64 MiB over 64 nodes to the tree
    EXPECT_EQ(choose_algorithm(topo, CollectiveKind::all_reduce, size, 512), CollectiveAlgorithm::tree);
}

TEST(CollectiveClosedForm, APartlyFilledDomainLoadsItsFewNics) {
    // 100 H100 fill 12 nodes and half of a 13th; 76 GB200 one rack and 4 GPUs of the
    // next. Every ring channel enters and leaves every domain, so the few GPUs of the last
    // one carry all k channels over their NICs: the closed form must price that domain,
    // not a full one (it was 2x too fast on 76 GB200 before GroupPlacement::sparsest).
    struct Case {
        const char* cluster;
        std::int64_t gpus, fewest;
    };
    for (const Case& c : {Case{"dgx-h100", 100, 4}, Case{"gb200-nvl72", 76, 4}}) {
        const ClusterSpec cluster = catalog_cluster(c.cluster);
        Scenario s;
        s.cluster = cluster;
        s.gpus = c.gpus;
        const CostModel cost(s, test::calibration());
        const GroupPlacement where = place_group(c.gpus, 1, cluster.nvlink_domain, c.gpus);
        EXPECT_EQ(where.sparsest, c.fewest) << c.cluster;
        for (CollectiveKind kind : {CollectiveKind::all_reduce, CollectiveKind::reduce_scatter,
                                    CollectiveKind::all_gather, CollectiveKind::all_to_all}) {
            const CollectiveAlgorithm algorithm =
                kind == CollectiveKind::all_to_all ? CollectiveAlgorithm::automatic : CollectiveAlgorithm::ring;
            const Bytes size(256.0 * (1 << 20));
            Topology topo(cluster, c.gpus, test::calibration());
            const CollectiveResult sim = simulate_collective(topo, kind, size, c.gpus, algorithm);
            const double closed = cost.collective(kind, size, where, sim.algorithm).value;
            EXPECT_NEAR(closed / sim.time.value, 1.0, 0.05)
                << c.cluster << " " << to_string(kind) << " n=" << c.gpus << ": closed " << closed
                << " s, simulated " << sim.time.value << " s";
        }
    }
}

TEST(CollectiveClosedForm, StridedGroupsFindTheirSparsestDomain) {
    // Expert DP 9 at stride 16 over 64-GPU segments: members in 4, 4 and 1 per segment.
    EXPECT_EQ(place_group(9, 16, 64, 576).sparsest, 1);
    // Dense DP 72 at stride 2: 36 in each of two 72-GPU racks, but 32, 32, 8 over 64-GPU
    // segments.
    EXPECT_EQ(place_group(72, 2, 72, 144).sparsest, 0);
    EXPECT_EQ(place_group(72, 2, 64, 144).sparsest, 8);
    // 16 ranks at stride 1 in 72-GPU racks: a group fits a domain (per_domain 16), so the
    // 5th group's straddle is an all-to-all matter (straddle_fewest), not a sparse ring.
    EXPECT_EQ(place_group(16, 1, 72, 144).sparsest, 0);
    // DP 8 at stride 8 over 8-GPU nodes: one per node, nothing sparser.
    EXPECT_EQ(place_group(8, 8, 8, 64).sparsest, 0);
    // DP 12 at stride 4 over 16-GPU domains: 4 per domain exactly.
    EXPECT_EQ(place_group(12, 4, 16, 48).sparsest, 0);
    // DP 10 at stride 4 over 16-GPU domains: 4, 4, 2.
    EXPECT_EQ(place_group(10, 4, 16, 40).sparsest, 2);
}

TEST(CollectiveClosedForm, RingChannelsCrossEachDomainFromEveryMember) {
    // Expert DP 9 at stride 16 from rank 8 over 72-GPU racks: 4 members in the first rack,
    // 5 in the second. Each channel must leave a domain from a different member (NCCL
    // spreads its rings over the NICs), so no member's NIC carries more than its share
    // ceil(channels / members); cut in blocks of the first rack's 4, one member of the
    // second rack used to carry every channel's crossing.
    const ClusterSpec c = catalog_cluster("gb200-nvl72");
    Topology topo(c, 144, test::calibration());
    std::vector<std::int64_t> members;
    for (int i = 0; i < 9; ++i) members.push_back(8 + 16 * i);
    const auto rings = ring_channels(topo, members);
    ASSERT_EQ(rings.size(), 5u);  // the fullest domain's members
    std::map<std::int64_t, int> crossings;
    for (const auto& r : rings) {
        ASSERT_EQ(r.size(), members.size());
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (!topo.same_domain(r[i], r[(i + 1) % r.size()])) ++crossings[r[i]];
        }
    }
    for (const auto& [gpu, count] : crossings) {
        const int held = gpu < 72 ? 4 : 5;
        EXPECT_LE(count, (5 + held - 1) / held) << "GPU " << gpu;
    }
    EXPECT_EQ(crossings.size(), members.size());  // every member's NIC takes part
}

TEST(CollectiveClosedForm, AllReduceOnEightA100MatchesPublishedNcclTests) {
    // The published nccl-tests bus bandwidths of one 8x A100 node, 16 MiB to 8 GiB, from
    // five sources (data/calibration/a100-nccl-allreduce.csv): four fitted dgx-a100's
    // nvlink_latency, Azure's sweep is held out. Tensor-parallel all-reduces (50-85 MB for
    // GPT 40B-530B at TP 8) sit where NCCL is still far from its 230 GB/s ceiling.
    std::ifstream in(test::source_path("data/calibration/a100-nccl-allreduce.csv"));
    ASSERT_TRUE(in) << "missing data/calibration/a100-nccl-allreduce.csv";
    const ClusterSpec c = catalog_cluster("dgx-a100");
    Scenario s;
    s.cluster = c;
    s.gpus = 8;
    const CostModel cost(s, test::calibration());
    struct Errors {
        double abs = 0, sum = 0;
        int n = 0;
    } fitted, held_out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.starts_with("size")) continue;
        const std::vector<std::string> f = test::csv_fields(line);
        ASSERT_EQ(f.size(), 3u) << line;
        const double size = std::stod(f[0]) * double(1 << 20);
        const double measured = size * 2 * 7 / 8 / (std::stod(f[1]) * 1e9);  // nccl-tests: busbw = algbw x 2(n-1)/n
        const double closed = cost.collective(CollectiveKind::all_reduce, Bytes(size), {8, 8}, CollectiveAlgorithm::ring).value;
        const double e = closed / measured - 1;
        EXPECT_LE(std::fabs(e), 0.20) << f[2] << " " << f[0] << " MiB: closed " << closed << " s, measured " << measured << " s";
        Errors& into = f[2] == "azure" ? held_out : fitted;
        into.abs += std::fabs(e);
        into.sum += e;
        ++into.n;
    }
    ASSERT_EQ(fitted.n, 11);
    ASSERT_EQ(held_out.n, 10);
    EXPECT_LE(fitted.abs / fitted.n, 0.06);
    EXPECT_LE(std::fabs(fitted.sum / fitted.n), 0.03);  // the 3 us estimate with 0.82: -20%
    // Held out: 3.8% (the 3 us estimate with the shared 0.82 efficiency: 17.4%, all fast).
    EXPECT_LE(held_out.abs / held_out.n, 0.05);
    EXPECT_LE(std::fabs(held_out.sum / held_out.n), 0.05);
}
