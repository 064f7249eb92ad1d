// A cluster's network as links, for the event-driven simulation.
//   nvlink:      each GPU has a link up to and down from its domain's NVSwitch
//   nic:         each GPU has a NIC link up to and down from its leaf switch
//   leaf-spine:  each leaf has one aggregate uplink and downlink to its spines, of
//                (leaf up ports) x (link speed) — the leaf's oversubscription
//   spine-core:  on a 3-tier fabric each pod (the leaves under one set of spines) has one
//                aggregate uplink and downlink to the cores, cut by the spine's
//                oversubscription
// The tiers, port splits and planes are the datacenter layer's fat tree
// (fat_tree_shape(), the tree count_fabric() counts). Plane i joins NIC i (mod planes)
// of every node. On a rail-optimized fabric a leaf serves one rail of its group of nodes,
// so same-rail traffic between nodes of a group never leaves the leaf. Aggregating a
// tier's parallel links into one is exact under ECMP's even spread (a flow-level model
// of a fat tree with perfect load balance); hash collisions are not modelled.
//
// Link ids are arithmetic (GPU g's links are 4g..4g+3, then leaves, then pods), so a
// topology of 10^6 GPUs costs no memory until links are used; `network()` holds every
// link only when built with `build_network`.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "colossim/cost.hpp"
#include "colossim/flow_network.hpp"
#include "colossim/hardware.hpp"

namespace colossim {

enum class LinkLevel { nvlink, nic, leaf_spine, spine_core };
const char* to_string(LinkLevel l);
inline constexpr int kLinkLevels = 4;

class Topology {
public:
    using LinkId = FlowNetwork::LinkId;

    // InputError naming `field` when the cluster's fabric cannot hold `gpus`.
    Topology(const ClusterSpec& cluster, std::int64_t gpus, const Calibration& calibration, bool build_network = true,
             const std::string& field = "--gpus");

    // Every link as a FlowNetwork link with the same id (only when built with build_network).
    FlowNetwork& network() { return net_; }
    std::int64_t gpus() const { return gpus_; }
    std::int64_t domain_size() const { return domain_; }
    std::int64_t gpus_per_node() const { return gpus_per_node_; }
    int tiers() const { return tiers_; }
    std::int64_t planes() const { return planes_; }
    std::int64_t leaf_of(std::int64_t gpu) const;  // the leaf switch (all planes numbered together)
    std::int64_t pod_of_leaf(std::int64_t leaf) const;
    bool same_domain(std::int64_t a, std::int64_t b) const { return a / domain_ == b / domain_; }
    // The links a flow from GPU a to GPU b crosses, appended to `out`.
    void path(std::int64_t a, std::int64_t b, std::vector<LinkId>& out) const;
    // Latency of one message between a and b (per step of a collective): NVLink's inside
    // a domain; across, the network's plus the fabric's switch latency for each switch
    // beyond the first on the path (latency per tier).
    Seconds latency(std::int64_t a, std::int64_t b) const;

    LinkId link_count() const { return link_count_; }
    ByteRate capacity(LinkId l) const;
    LinkLevel level(LinkId l) const;

    // What-if: GPU `gpu`'s NIC runs at `fraction` of its rate, both directions (a link
    // retrained at a lower speed, a flapping optic).
    void degrade_nic(std::int64_t gpu, double fraction);
    // What-if: GPU `gpu`'s NIC is down; its traffic goes over NVLink to another NIC of
    // its node on the same plane (PXN), or any live NIC of the node if the plane has none.
    void lose_nic(std::int64_t gpu);
    // What-if: leaf `leaf`'s uplinks run at `fraction` of their rate (lost spine ports).
    void degrade_leaf_uplink(std::int64_t leaf, double fraction);
    std::int64_t leaves() const { return leaves_; }

    ByteRate nvlink_rate() const { return nvlink_rate_; }
    ByteRate nic_rate() const { return nic_rate_; }

private:
    LinkId nvlink_up(std::int64_t g) const { return LinkId(4 * g); }
    LinkId nvlink_down(std::int64_t g) const { return LinkId(4 * g + 1); }
    LinkId nic_up(std::int64_t g) const { return LinkId(4 * g + 2); }
    LinkId nic_down(std::int64_t g) const { return LinkId(4 * g + 3); }
    LinkId leaf_up(std::int64_t l) const { return LinkId(leaf_base_ + 2 * l); }
    LinkId leaf_down(std::int64_t l) const { return LinkId(leaf_base_ + 2 * l + 1); }
    LinkId pod_up(std::int64_t p) const { return LinkId(pod_base_ + 2 * p); }
    LinkId pod_down(std::int64_t p) const { return LinkId(pod_base_ + 2 * p + 1); }
    std::int64_t plane_of(std::int64_t gpu) const { return (gpu % gpus_per_node_) % planes_; }
    // The GPUs whose NICs a message from a to b leaves and enters by (PXN, lost NICs).
    std::pair<std::int64_t, std::int64_t> nics(std::int64_t a, std::int64_t b) const;
    bool nic_alive(std::int64_t gpu) const;
    void check_gpu(std::int64_t gpu, const char* field) const;  // InputError when out of range
    // The GPU of `gpu`'s node whose NIC carries its traffic on `plane` (-1: any plane).
    std::int64_t nic_for(std::int64_t gpu, std::int64_t plane) const;
    void set_capacity(LinkId l, ByteRate c);

    FlowNetwork net_;
    bool built_ = false;
    std::int64_t gpus_, domain_, gpus_per_node_, planes_ = 1, nics_per_plane_ = 1;
    std::int64_t leaf_down_ports_ = 1, leaves_per_plane_ = 1, leaves_ = 1, leaves_per_pod_ = 1, pods_per_plane_ = 1;
    int tiers_ = 1;
    bool rail_optimized_, pxn_;
    ByteRate nvlink_rate_, nic_rate_, leaf_uplink_rate_, pod_uplink_rate_;
    Seconds nvlink_latency_, network_latency_, switch_latency_;
    LinkId leaf_base_ = 0, pod_base_ = 0, link_count_ = 0;
    std::vector<std::pair<LinkId, double>> overrides_;  // degraded links: (id, capacity B/s)
    std::vector<std::int64_t> lost_nics_;
};

}  // namespace colossim
