// The fleet's hierarchy (nodes, NVLink domains, leaf groups, pods) and what a job's
// placement does to the cluster its step is priced on.
#include <algorithm>

#include "colossim/datacenter.hpp"
#include "colossim/fleet.hpp"

namespace colossim {

const char* to_string(QueuePolicy p) { return p == QueuePolicy::fifo ? "fifo" : "backfill"; }
const char* to_string(PlacementPolicy p) { return p == PlacementPolicy::packed ? "packed" : "scattered"; }

namespace {
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
}  // namespace

FleetLayout fleet_layout(const ClusterSpec& c, std::int64_t gpus, Diagnostics& diagnostics) {
    FleetLayout l;
    l.gpus = gpus;
    l.gpus_per_node = std::max<std::int64_t>(1, c.gpus_per_node);
    l.nodes = ceil_div(gpus, l.gpus_per_node);
    l.nodes_per_domain = std::max<std::int64_t>(1, c.nvlink_domain / l.gpus_per_node);
    const FabricSpec f = fabric_of(c, diagnostics);
    const ByteRate link = std::min(c.nic_bandwidth, f.port_speed);
    const FatTreeShape shape = fat_tree_shape(f, link, gpus, "gpus");
    l.tiers = shape.tiers;
    const LeafLayout leaves = leaf_layout(shape, c.fabric && c.fabric->rail_optimized, l.gpus_per_node, l.nodes);
    l.nodes_per_group = leaves.nodes_per_group;
    l.groups_per_pod = leaves.groups_per_pod;
    if (shape.leaf_up > 0) l.leaf_oversubscription = double(shape.leaf_down) / double(shape.leaf_up);
    if (shape.spine_up > 0) l.spine_oversubscription = double(shape.spine_down) / double(shape.spine_up);
    const FabricCounts counts = count_fabric(f, link, gpus, "gpus");
    for (std::size_t t = 0; t < counts.tiers.size() && t < 3; ++t) {
        l.links[t] = counts.tiers[t].links;
        l.switches[t] = counts.tiers[t].switches;
    }
    return l;
}

ClusterSpec cluster_as_placed(const ClusterSpec& c, const FleetLayout& layout, PlacementShape shape) {
    ClusterSpec placed = c;
    // Worst case on the tiers it crosses: its scale-out bytes share each crossed tier's
    // uplinks at that tier's oversubscription (the closed form has no per-tier traffic).
    double factor = 1;
    if (shape.crossing >= 1) factor *= std::max(1.0, layout.leaf_oversubscription);
    if (shape.crossing >= 2) factor *= std::max(1.0, layout.spine_oversubscription);
    placed.nic_bandwidth = c.nic_bandwidth / factor;
    if (shape.split_domain) placed.nvlink_domain = std::min(c.nvlink_domain, c.gpus_per_node);
    return placed;
}

PlacementShape ideal_shape(const FleetLayout& layout, std::int64_t nodes) {
    PlacementShape s;
    if (layout.tiers >= 2 && nodes > layout.nodes_per_group) s.crossing = 1;
    if (layout.tiers >= 3 && nodes > layout.nodes_per_group * layout.groups_per_pod) s.crossing = 2;
    return s;
}

}  // namespace colossim
