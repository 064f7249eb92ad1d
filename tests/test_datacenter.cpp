// Fat-tree counts worked out by hand, power and cost, prices and fabric input errors.
#include <gtest/gtest.h>


#include "colossim/datacenter.hpp"
#include "expect_error.hpp"
#include "helpers.hpp"

using namespace colossim;
using colossim::test::expect_input_error;

namespace {
FabricSpec fabric(std::int64_t ports, double leaf_over = 1, double spine_over = 1, int tiers = 3) {
    FabricSpec f;
    f.switch_model = "test";
    f.max_tiers = tiers;
    f.switch_ports = ports;
    f.port_speed = gigabits_per_s(400);
    f.leaf_oversubscription = leaf_over;
    f.spine_oversubscription = spine_over;
    f.switch_power = Watts(750);
    f.transceiver_power = Watts(9);
    return f;
}

const ByteRate k400G = gigabits_per_s(400);

void expect_tier(const FabricTier& t, const char* name, std::int64_t switches, std::int64_t links,
                 std::int64_t transceivers) {
    EXPECT_STREQ(t.name, name);
    EXPECT_EQ(t.switches, switches) << name;
    EXPECT_EQ(t.links, links) << name;
    EXPECT_EQ(t.transceivers, transceivers) << name;
}

Prices default_prices(const std::vector<Override>& overrides = {}) {
    Diagnostics d;
    return load_prices(test::catalog(), "default", overrides, d);
}

Datacenter size(const std::string& cluster, std::int64_t gpus, Seconds run = Seconds(0)) {
    Diagnostics d;
    return size_datacenter(test::catalog().cluster(cluster, "cluster", d), gpus, default_prices(), run, d);
}

}  // namespace

// Two tiers: 1,024 GPUs (128 nodes, 4 DGX SuperPOD scalable units) on 64-port switches at
// full bisection. A leaf has 32 ports down, 32 up. One switch holds 64 < 1,024, two tiers
// hold 64 x 32 = 2,048 >= 1,024, so two tiers. Leaves 1,024 / 32 = 32; leaf-spine links
// 32 x 32 = 1,024; spines 1,024 / 64 = 16 (every spine port faces a leaf). Transceivers:
// 2 on each of the 1,024 NIC links (optical) and of the 1,024 leaf-spine links: 4,096.
TEST(Datacenter, TwoTierFatTreeByHand) {
    FabricCounts c = count_fabric(fabric(64), k400G, 1024, "gpus");
    ASSERT_EQ(c.tiers.size(), 2u);
    EXPECT_EQ(c.radix, 64);
    expect_tier(c.tiers[0], "leaf", 32, 1024, 2048);
    expect_tier(c.tiers[1], "spine", 16, 1024, 2048);
    EXPECT_EQ(c.switches(), 48);
    EXPECT_EQ(c.links(), 2048);
    EXPECT_EQ(c.transceivers(), 4096);
    // Copper NIC links (DAC) carry no transceivers.
    FabricSpec copper = fabric(64);
    copper.optical_nic_links = false;
    EXPECT_EQ(count_fabric(copper, k400G, 1024, "gpus").transceivers(), 2048);
}

// Three tiers, the textbook k-ary fat tree with k = 4 (Al-Fares et al. 2008, Fig. 3):
// 16 hosts, 8 edge, 8 aggregation and 4 core switches, 16 links between each pair of tiers.
TEST(Datacenter, ThreeTierKAryFatTree) {
    FabricCounts c = count_fabric(fabric(4), k400G, 16, "gpus");
    ASSERT_EQ(c.tiers.size(), 3u);
    expect_tier(c.tiers[0], "leaf", 8, 16, 32);
    expect_tier(c.tiers[1], "spine", 8, 16, 32);
    expect_tier(c.tiers[2], "core", 4, 16, 32);
    EXPECT_EQ(c.switches(), 5 * 4 * 4 / 4);  // 5k²/4
    // One more host does not fit: k³/4 = 16.
    expect_input_error([] { count_fabric(fabric(4), k400G, 17, "gpus"); }, "gpus", "at most 16 GPUs");
}

// Three tiers with an oversubscribed leaf: k = 8, leaf 3:1 (6 down, 2 up), spine 1:1 (4
// down, 4 up), 96 endpoints. Two tiers hold 8 x 6 = 48 < 96; three hold 8 x 4 x 6 = 192.
// Leaves 96 / 6 = 16; leaf-spine links 16 x 2 = 32 (= 96 / 3); spines 32 / 4 = 8 (4 pods
// of 4 leaves and 2 spines); spine-core links 8 x 4 = 32; cores 32 / 8 = 4.
TEST(Datacenter, ThreeTierOversubscribedByHand) {
    FabricCounts c = count_fabric(fabric(8, 3, 1), k400G, 96, "gpus");
    ASSERT_EQ(c.tiers.size(), 3u);
    expect_tier(c.tiers[0], "leaf", 16, 96, 192);
    expect_tier(c.tiers[1], "spine", 8, 32, 64);
    expect_tier(c.tiers[2], "core", 4, 32, 64);
    // Llama 3's top tier at 1:7 (56 ports down, 8 up of 64): 16,384 x 8 / 56 = 2,340.6,
    // so 2,341 spine-core links, as in data/reliability/llama3.yaml.
    FabricCounts llama = count_fabric(fabric(64, 1, 7), k400G, 16384, "gpus");
    EXPECT_EQ(llama.tiers[1].links, 16384);
    EXPECT_EQ(llama.tiers[2].links, 2341);
}

// Colossus: SN5600 ports of 800G split into two 400G links: radix 128. 100,000 GPUs:
// two tiers hold 128 x 64 = 8,192, three 128 x 64 x 64 = 524,288. Leaves ⌈100,000/64⌉ =
// 1,563; 100,000 leaf-spine links; spines ⌈100,000/64⌉ = 1,563; 100,000 spine-core links;
// cores ⌈100,000/128⌉ = 782. At 200,000: 3,125, 3,125 and 1,563.
TEST(Datacenter, ColossusAt100kAnd200k) {
    Datacenter a = size("colossus", 100000);
    EXPECT_EQ(a.network.radix, 128);
    EXPECT_EQ(a.nodes, 12500);
    EXPECT_EQ(a.racks, 1563);  // 8 servers a rack
    EXPECT_EQ(a.nvlink_domains, 12500);
    ASSERT_EQ(a.network.tiers.size(), 3u);
    expect_tier(a.network.tiers[0], "leaf", 1563, 100000, 200000);
    expect_tier(a.network.tiers[1], "spine", 1563, 100000, 200000);
    expect_tier(a.network.tiers[2], "core", 782, 100000, 200000);
    Datacenter b = size("colossus", 200000);
    EXPECT_EQ(b.network.switches(), 3125 + 3125 + 1563);
    EXPECT_EQ(b.network.transceivers(), 6 * 200000);
    expect_input_error([] { size("colossus", 600000); }, "gpus", "at most 524288 GPUs");
}

// dgx-h100 at 16,384 GPUs: leaves 512, spines 512, cores 256 (radix 64, 3 tiers).
// IT power: 16,384 x 700 W = 11.469 MW; 2,048 hosts x 4.6 kW = 9.421 MW; 1,280 switches
// x 750 W = 0.960 MW; 98,304 transceivers x 9 W = 0.885 MW. Total 22.735 MW, x PUE 1.2 =
// 27.282 MW. Capex: GPUs 16,384 x 25,000 = 409.6 M; hosts 2,048 x 80,000 = 163.84 M;
// switches 1,280 x 30,000 = 38.4 M; optics 98,304 x 1,000 = 98.304 M; cables 49,152 x 150
// = 7.3728 M: 717.5168 M. Power a year: 27,282 kW x 8,766 h x 0.08 = 19.13 M USD.
TEST(Datacenter, PowerAndCostOfTheLlama3Cluster) {
    Datacenter d = size("dgx-h100", 16384, Seconds(54 * kSecondsPerDay));
    EXPECT_EQ(d.network.switches(), 512 + 512 + 256);
    EXPECT_EQ(d.network.links(), 3 * 16384);
    EXPECT_EQ(d.racks, 512);  // 4 DGX a rack
    const double it = 16384 * 700.0 + 2048 * 4600.0 + 1280 * 750.0 + 98304 * 9.0;
    EXPECT_NEAR(d.it_power.value, it, 1e-6);
    EXPECT_NEAR(d.facility_power.value, it * 1.2, 1e-6);
    EXPECT_NEAR(d.capex.total(), 409.6e6 + 163.84e6 + 38.4e6 + 98.304e6 + 7.3728e6, 1);
    EXPECT_NEAR(d.power_cost_usd_per_year, it * 1.2 / 1e3 * 8766 * 0.08, 1e-3);
    EXPECT_NEAR(d.energy_mwh, it * 1.2 * 54 * 24 / 1e6, 1e-6);
}

// DeepSeek's multi-plane fat tree: 8 planes, plane i joining NIC i of every node, each a
// two-tier tree of 64-port switches (2,048 endpoints), 16,384 GPUs in all. At 2,048 GPUs a
// plane has 256 endpoints: 8 leaves and 256 x 32 / 32 / 64 = 4 spines; x 8 planes.
TEST(Datacenter, MultiPlaneFabric) {
    Datacenter d = size("hgx-h800", 2048);
    EXPECT_EQ(d.network.planes, 8);
    ASSERT_EQ(d.network.tiers.size(), 2u);
    expect_tier(d.network.tiers[0], "leaf", 64, 2048, 4096);
    expect_tier(d.network.tiers[1], "spine", 32, 2048, 4096);
    EXPECT_NO_THROW(size("hgx-h800", 16384));
    expect_input_error([] { size("hgx-h800", 16392); }, "gpus", "at most 16384 GPUs");
}

TEST(Datacenter, PricesAndOverrides) {
    Prices p = default_prices();
    EXPECT_EQ(p.gpu("h100-sxm"), 25000);
    EXPECT_EQ(p.switch_price("SN5600"), 40000);
    expect_input_error([&] { p.gpu("tpu-v5"); }, "prices.gpu", "--price-gpu");
    Prices o = default_prices({{"gpu", "30000"}, {"electricity_per_kwh", "0.12"}});
    EXPECT_EQ(o.gpu("tpu-v5"), 30000);  // one price for every GPU
    EXPECT_EQ(o.electricity_usd_per_kwh, 0.12);
    expect_input_error([] { default_prices({{"gpu", "-5"}}); }, "prices.gpu", "a number from 0");
    expect_input_error([] { default_prices({{"electricity_per_kwh", "50"}}); }, "prices.electricity_per_kwh",
                       "to 10");
    expect_input_error([] { default_prices({{"node", "lots"}}); }, "prices.node", "a number");
}

TEST(Datacenter, BadSizesAndFabrics) {
    expect_input_error([] { size("dgx-h100", 12); }, "gpus", "multiple of the 8 GPUs");
    expect_input_error([] { size("dgx-h100", 0); }, "gpus", "positive multiple");
    // A NIC faster than a switch port cannot be joined.
    FabricSpec slow = fabric(64);
    slow.port_speed = gigabits_per_s(200);
    expect_input_error([&] { count_fabric(slow, k400G, 64, "gpus"); }, "cluster.fabric.port_speed",
                       "at least the NIC speed");
    // A 300G NIC takes a whole 400G port: radix 64, as at 400G.
    EXPECT_EQ(count_fabric(fabric(64), gigabits_per_s(300), 1024, "gpus").radix, 64);
    auto cluster = [](const std::string& fabric_yaml) {
        Diagnostics d;
        std::string yaml = "model: llama3-8b\ngpus: 8\ntraining: {seq_len: 8, global_batch: 8}\n"
                           "cluster: {name: c, gpu: h100-sxm, gpus_per_node: 8, nic_bandwidth: 400 Gbit/s, fabric: " +
                           fabric_yaml + "}\n";
        load_scenario(yaml, "test", {}, test::catalog(), d);
    };
    const std::string base = "switch: X, switch_ports: 64, port_speed: 400 Gbit/s, nodes_per_rack: 4, ";
    const std::string ok = base + "switch_power: 750 W, transceiver_power: 9 W";
    EXPECT_NO_THROW(cluster("{" + ok + "}"));
    expect_input_error([&] { cluster("{" + ok + ", tiers: 4}"); }, "cluster.fabric.tiers", "from 1 to 3");
    expect_input_error([&] { cluster("{" + ok + ", planes: 3}"); }, "cluster.fabric.planes", "divisor of gpus_per_node");
    expect_input_error([&] { cluster("{" + ok + ", leaf_oversubscription: 0.5}"); }, "cluster.fabric.leaf_oversubscription",
                       "from 1");
    expect_input_error([&] { cluster("{" + base + "switch_power: 0 W, transceiver_power: 9 W}"); }, "cluster.fabric.switch_power", "positive");
    expect_input_error([&] { cluster("{" + ok + ", nic_links: wireless}"); }, "cluster.fabric.nic_links",
                       "optical copper");
    auto options = [](std::vector<Override> o) {
        Diagnostics d;
        read_datacenter_options(o, d);
    };
    expect_input_error([&] { options({{"cluster", "colossus"}}); }, "gpus", "required");
    expect_input_error([&] { options({{"cluster", "colossus"}, {"gpus", "1e9"}}); }, "gpus", "to 10 M");
}

// A cluster file without a fabric section gets an assumed one, and a warning says so.
TEST(Datacenter, AssumedFabricIsAnnounced) {
    Diagnostics d;
    ClusterSpec c = test::catalog().cluster("dgx-h100", "cluster", d);
    c.fabric.reset();
    Datacenter dc = size_datacenter(c, 1024, default_prices(), Seconds(0), d);
    EXPECT_TRUE(dc.fabric_assumed);
    ASSERT_FALSE(d.warnings.empty());
    EXPECT_NE(d.warnings.back().find("no fabric"), std::string::npos);
    EXPECT_EQ(dc.network.switches(), 48);  // as the two-tier case above
}
