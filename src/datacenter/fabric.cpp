// Counting a fat tree (folded Clos) of identical k-port switches, tier by tier.
//
// A switch at down:up ratio o splits its k ports into d = floor(k·o/(o+1)) down and
// u = k − d up (o = 1: k/2 and k/2; k = 64, o = 7: 56 and 8).
//   leaves            L  = ⌈E / d1⌉                 E endpoints (NIC ports) on one plane
//   leaf-spine links  l2 = ⌈E · u1 / d1⌉           a full leaf sends u1 links up
//   two tiers:  spines = ⌈l2 / k⌉                   the top tier has every port down
//   three tiers: spines = ⌈l2 / d2⌉, spine-core links l3 = ⌈l2 · u2 / d2⌉, cores = ⌈l3 / k⌉
// Capacity: one switch holds k endpoints; two tiers k·d1 (a spine reaches at most k
// leaves); three tiers k·d2·d1 (a core reaches at most k pods of d2 leaves). At full
// bisection these are k, k²/2 and k³/4 (Al-Fares et al., SIGCOMM 2008, sec. 3: a k-ary
// fat tree has k³/4 hosts, 5k²/4 switches). Ports are packed: a partly filled pod has only
// the spines its leaves' uplinks need. Every link is counted at the NIC's speed; a switch
// port faster than a NIC splits into NIC-speed links (an SN5600's 64 x 800G ports serve
// 128 x 400G NICs), so the radix k is ports x (port speed / NIC speed).
#include <algorithm>
#include <cmath>

#include "colossim/datacenter.hpp"
#include "colossim/units_parse.hpp"

namespace colossim {

namespace {
struct PortSplit {
    std::int64_t down, up;
};

PortSplit split_ports(std::int64_t k, double oversubscription) {
    auto down = static_cast<std::int64_t>(std::floor(double(k) * oversubscription / (oversubscription + 1) + 1e-9));
    if (down >= k) down = k - 1;
    if (down < 1) down = 1;
    return {down, k - down};
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// NIC links one switch port carries: the whole NIC-speed links it splits into, 1 to 16
// (a 400G port serves one 300G NIC; splitting into more than 16 is not built).
std::int64_t breakout(const FabricSpec& f, ByteRate link_speed, const std::string& field) {
    double ratio = f.port_speed / link_speed;
    if (!(ratio >= 1 - 1e-9)) {
        throw InputError(field + ".port_speed", format_byte_rate(f.port_speed),
                         "at least the NIC speed (" + format_byte_rate(link_speed) + ")");
    }
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(ratio + 1e-9)), 1, 16);
}

std::int64_t radix(const FabricSpec& f, ByteRate link_speed, const std::string& field) {
    return f.switch_ports * breakout(f, link_speed, field);
}

std::int64_t capacity(const FabricSpec& f, std::int64_t k, int tiers) {
    auto leaf = split_ports(k, f.leaf_oversubscription);
    auto spine = split_ports(k, f.spine_oversubscription);
    if (tiers <= 1) return k;
    if (tiers == 2) return k * leaf.down;
    return k * spine.down * leaf.down;
}
}  // namespace

std::int64_t FabricCounts::switches() const {
    std::int64_t n = 0;
    for (const auto& t : tiers) n += t.switches;
    return n;
}
std::int64_t FabricCounts::links() const {
    std::int64_t n = 0;
    for (const auto& t : tiers) n += t.links;
    return n;
}
std::int64_t FabricCounts::transceivers() const {
    std::int64_t n = 0;
    for (const auto& t : tiers) n += t.transceivers;
    return n;
}

std::int64_t fat_tree_capacity(const FabricSpec& f, ByteRate link_speed, int tiers) {
    return capacity(f, radix(f, link_speed, "fabric"), tiers);
}

FatTreeShape fat_tree_shape(const FabricSpec& f, ByteRate link_speed, std::int64_t gpus, const std::string& field) {
    FatTreeShape shape;
    shape.planes = std::max<std::int64_t>(1, f.planes);
    shape.radix = radix(f, link_speed, "cluster.fabric");
    const std::int64_t k = shape.radix;
    const std::int64_t e = ceil_div(gpus, shape.planes);  // plane i joins NIC i of every node
    shape.endpoints_per_plane = e;
    int tiers = 1;
    while (tiers < f.max_tiers && capacity(f, k, tiers) < e) ++tiers;
    if (capacity(f, k, tiers) < e) {
        throw InputError(field, std::to_string(gpus),
                         "at most " + std::to_string(capacity(f, k, f.max_tiers) * shape.planes) + " GPUs on a " +
                             std::to_string(f.max_tiers) + "-tier fat tree of " + std::to_string(k) + "-port " +
                             f.switch_model + " switches (" + std::to_string(shape.planes) +
                             " plane(s)); for more, describe a bigger fabric in a cluster file (fabric: planes, "
                             "switch_ports, or a rail-optimized design; `colossim show cluster` prints this one's)");
    }
    shape.tiers = tiers;
    const auto leaf = split_ports(k, f.leaf_oversubscription);
    const auto spine = split_ports(k, f.spine_oversubscription);
    shape.leaf_down = leaf.down;
    shape.leaf_up = leaf.up;
    shape.spine_down = spine.down;
    shape.spine_up = spine.up;
    return shape;
}

LeafLayout leaf_layout(const FatTreeShape& shape, bool rail_optimized, std::int64_t gpus_per_node, std::int64_t nodes) {
    LeafLayout l;
    gpus_per_node = std::max<std::int64_t>(1, gpus_per_node);
    l.planes = std::min(shape.planes, gpus_per_node);
    l.nics_per_plane = ceil_div(gpus_per_node, l.planes);
    const std::int64_t down = std::max<std::int64_t>(1, shape.leaf_down);
    if (shape.tiers == 1) l.leaves_per_plane = 1;
    else if (rail_optimized) l.leaves_per_plane = ceil_div(nodes, down) * l.nics_per_plane;
    else l.leaves_per_plane = ceil_div(nodes * l.nics_per_plane, down);
    // A pod holds whole leaf groups (every rail of its nodes), as a SuperPOD's scalable
    // units do: spine_down leaves, rounded down to whole groups on a rail-optimised plane.
    const std::int64_t group_leaves = rail_optimized ? l.nics_per_plane : 1;
    l.leaves_per_pod = shape.tiers == 3
                           ? std::max(group_leaves, std::max<std::int64_t>(1, shape.spine_down) / group_leaves * group_leaves)
                           : l.leaves_per_plane;
    l.pods_per_plane = ceil_div(l.leaves_per_plane, l.leaves_per_pod);
    if (shape.tiers == 1) {
        l.nodes_per_group = nodes;
        l.groups_per_pod = 1;
        return l;
    }
    // A group's leaves: one a NIC of its nodes (rails), or the one leaf its nodes fill.
    const std::int64_t leaves_a_group = group_leaves;
    l.nodes_per_group = std::min(nodes, rail_optimized ? down : std::max<std::int64_t>(1, down / l.nics_per_plane));
    const std::int64_t groups = ceil_div(nodes, l.nodes_per_group);
    l.groups_per_pod = shape.tiers == 3 ? std::max<std::int64_t>(1, l.leaves_per_pod / leaves_a_group) : groups;
    return l;
}

FabricCounts count_fabric(const FabricSpec& f, ByteRate link_speed, std::int64_t gpus, const std::string& field) {
    const FatTreeShape shape = fat_tree_shape(f, link_speed, gpus, field);
    FabricCounts c;
    c.planes = f.planes;
    c.radix = shape.radix;
    const std::int64_t k = c.radix;
    const std::int64_t e = shape.endpoints_per_plane;
    c.endpoints_per_plane = e;
    const int tiers = shape.tiers;
    const PortSplit leaf{shape.leaf_down, shape.leaf_up};
    const PortSplit spine{shape.spine_down, shape.spine_up};
    const std::int64_t nic_ends = f.optical_nic_links ? 2 : 0;  // switch-switch links are always optical

    FabricTier t1{"leaf", "nic_leaf", tiers == 1 ? 1 : ceil_div(e, leaf.down), e, nic_ends * e};
    c.tiers.push_back(t1);
    if (tiers >= 2) {
        std::int64_t l2 = ceil_div(e * leaf.up, leaf.down);
        std::int64_t spines = tiers == 2 ? ceil_div(l2, k) : ceil_div(l2, spine.down);
        c.tiers.push_back({"spine", "leaf_spine", spines, l2, 2 * l2});
        if (tiers == 3) {
            std::int64_t l3 = ceil_div(l2 * spine.up, spine.down);
            c.tiers.push_back({"core", "spine_core", ceil_div(l3, k), l3, 2 * l3});
        }
    }
    for (auto& t : c.tiers) {
        t.switches *= f.planes;
        t.links *= f.planes;
        t.transceivers *= f.planes;
    }
    return c;
}

FabricSpec assumed_fabric(const ClusterSpec& c) {
    FabricSpec f;
    f.switch_model = "generic";
    f.max_tiers = 3;
    f.switch_ports = 64;
    f.port_speed = c.nic_bandwidth;
    f.nodes_per_rack = std::max<std::int64_t>(1, 32 / c.gpus_per_node);
    f.switch_power = Watts(750);
    f.transceiver_power = Watts(9);
    f.sources["switch_ports"] = "assumed: no fabric section in the cluster file; 64 ports as the QM9700 and SN5600";
    return f;
}

FabricSpec fabric_of(const ClusterSpec& c, Diagnostics& diagnostics) {
    if (c.fabric) return *c.fabric;
    diagnostics.warn("cluster " + c.name +
                     " has no fabric: section; assuming a non-blocking fat tree of up to 3 tiers of 64-port "
                     "switches at the NIC speed, 750 W a switch, 9 W a transceiver, " +
                     std::to_string(assumed_fabric(c).nodes_per_rack) + " nodes a rack");
    return assumed_fabric(c);
}

}  // namespace colossim
