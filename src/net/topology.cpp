#include "colossim/topology.hpp"

#include <algorithm>

#include "colossim/datacenter.hpp"
#include "colossim/errors.hpp"

namespace colossim {

namespace {
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
}  // namespace

const char* to_string(LinkLevel l) {
    switch (l) {
        case LinkLevel::nvlink: return "nvlink";
        case LinkLevel::nic: return "nic";
        case LinkLevel::leaf_spine: return "leaf-spine";
        case LinkLevel::spine_core: return "spine-core";
    }
    return "?";
}

Topology::Topology(const ClusterSpec& c, std::int64_t gpus, const Calibration& cal, bool build_network,
                   const std::string& field)
    : gpus_(gpus),
      domain_(std::max<std::int64_t>(1, c.nvlink_domain)),
      gpus_per_node_(std::max<std::int64_t>(1, c.gpus_per_node)),
      rail_optimized_(c.fabric && c.fabric->rail_optimized),
      nvlink_rate_(nvlink_ring_rate(c.gpu, cal)),
      nic_rate_(c.nic_bandwidth * cal.network_efficiency),
      nvlink_latency_(c.nvlink_latency),
      network_latency_(c.network_latency),
      switch_latency_(c.fabric ? c.fabric->switch_latency : Seconds(0)) {
    // Without a fabric section: the datacenter layer's assumed non-blocking fat tree.
    const FabricSpec fabric = c.fabric ? *c.fabric : assumed_fabric(c);
    const FatTreeShape shape = fat_tree_shape(fabric, c.nic_bandwidth, gpus, field);
    tiers_ = shape.tiers;
    leaf_down_ports_ = shape.leaf_down;
    const LeafLayout leaves = leaf_layout(shape, rail_optimized_, gpus_per_node_, ceil_div(gpus, gpus_per_node_));
    planes_ = leaves.planes;
    nics_per_plane_ = leaves.nics_per_plane;
    pxn_ = rail_optimized_ || planes_ > 1;
    leaves_per_plane_ = leaves.leaves_per_plane;
    leaves_ = leaves_per_plane_ * planes_;
    leaves_per_pod_ = leaves.leaves_per_pod;
    pods_per_plane_ = leaves.pods_per_plane;
    leaf_uplink_rate_ = nic_rate_ * double(shape.leaf_up);
    pod_uplink_rate_ = nic_rate_ * (double(leaves_per_pod_ * shape.leaf_up) * double(shape.spine_up) / double(shape.spine_down));

    leaf_base_ = LinkId(4 * gpus);
    pod_base_ = LinkId(leaf_base_ + 2 * leaves_);
    link_count_ = LinkId(pod_base_ + (tiers_ == 3 ? 2 * pods_per_plane_ * planes_ : 0));
    if (build_network) {
        built_ = true;
        for (LinkId l = 0; l < link_count_; ++l) net_.add_link(capacity(l));
    }
}

LinkLevel Topology::level(LinkId l) const {
    if (l < leaf_base_) return l % 4 < 2 ? LinkLevel::nvlink : LinkLevel::nic;
    return l < pod_base_ ? LinkLevel::leaf_spine : LinkLevel::spine_core;
}

ByteRate Topology::capacity(LinkId l) const {
    for (const auto& [id, c] : overrides_) {
        if (id == l) return ByteRate(c);
    }
    switch (level(l)) {
        case LinkLevel::nvlink: return nvlink_rate_;
        case LinkLevel::nic: return nic_rate_;
        case LinkLevel::leaf_spine: return leaf_uplink_rate_;
        case LinkLevel::spine_core: return pod_uplink_rate_;
    }
    return nic_rate_;
}

std::int64_t Topology::leaf_of(std::int64_t gpu) const {
    const std::int64_t node = gpu / gpus_per_node_, local = gpu % gpus_per_node_;
    const std::int64_t plane = local % planes_, nic = local / planes_;
    std::int64_t in_plane = 0;
    if (tiers_ == 1) in_plane = 0;
    else if (rail_optimized_) in_plane = (node / leaf_down_ports_) * nics_per_plane_ + nic;
    else in_plane = (node * nics_per_plane_ + nic) / leaf_down_ports_;
    return plane * leaves_per_plane_ + in_plane;
}

std::int64_t Topology::pod_of_leaf(std::int64_t leaf) const {
    return (leaf / leaves_per_plane_) * pods_per_plane_ + (leaf % leaves_per_plane_) / leaves_per_pod_;
}

bool Topology::nic_alive(std::int64_t gpu) const {
    return lost_nics_.empty() || std::find(lost_nics_.begin(), lost_nics_.end(), gpu) == lost_nics_.end();
}

std::int64_t Topology::nic_for(std::int64_t gpu, std::int64_t plane) const {
    if (nic_alive(gpu) && (plane < 0 || plane_of(gpu) == plane)) return gpu;
    const std::int64_t base = gpu - gpu % gpus_per_node_;
    const std::int64_t end = std::min(gpus_, base + gpus_per_node_);
    for (int pass = 0; pass < 2; ++pass) {  // first a live NIC on the plane, then any live NIC
        for (std::int64_t g = base; g < end; ++g) {
            if (nic_alive(g) && (pass == 1 || plane < 0 || plane_of(g) == plane)) return g;
        }
    }
    throw InputError("--lost-nic", std::to_string(gpu), "a NIC whose node keeps at least one live NIC");
}

std::pair<std::int64_t, std::int64_t> Topology::nics(std::int64_t a, std::int64_t b) const {
    // On a rail-optimized or multi-plane fabric NCCL sends through the NIC of the GPU in
    // a's node that sits on b's rail, reached over NVLink (PXN), so the message stays on
    // one rail (and one plane).
    std::int64_t sender = a;
    if (pxn_) {
        const std::int64_t same_rail = a - a % gpus_per_node_ + b % gpus_per_node_;
        sender = same_rail < gpus_ && nic_alive(same_rail) ? same_rail : nic_for(a, plane_of(b));
    } else {
        sender = nic_for(a, -1);
    }
    return {sender, nic_for(b, plane_of(sender))};
}

void Topology::path(std::int64_t a, std::int64_t b, std::vector<LinkId>& out) const {
    if (same_domain(a, b)) {
        out.push_back(nvlink_up(a));
        out.push_back(nvlink_down(b));
        return;
    }
    const auto [sender, receiver] = nics(a, b);
    if (sender != a) {
        out.push_back(nvlink_up(a));
        out.push_back(nvlink_down(sender));
    }
    out.push_back(nic_up(sender));
    const std::int64_t la = leaf_of(sender), lb = leaf_of(receiver);
    if (la != lb) {
        out.push_back(leaf_up(la));
        const std::int64_t pa = pod_of_leaf(la), pb = pod_of_leaf(lb);
        if (tiers_ == 3 && pa != pb) {
            out.push_back(pod_up(pa));
            out.push_back(pod_down(pb));
        }
        out.push_back(leaf_down(lb));
    }
    out.push_back(nic_down(receiver));
    if (receiver != b) {
        out.push_back(nvlink_up(receiver));
        out.push_back(nvlink_down(b));
    }
}

void Topology::set_capacity(LinkId l, ByteRate c) {
    bool found = false;
    for (auto& [id, cap] : overrides_) {
        if (id == l) {
            cap = c.value;
            found = true;
        }
    }
    if (!found) overrides_.emplace_back(l, c.value);
    if (built_) net_.set_capacity(l, c);
}

void Topology::check_gpu(std::int64_t gpu, const char* field) const {
    if (gpu < 0 || gpu >= gpus_) throw InputError(field, std::to_string(gpu), "a GPU from 0 to " + std::to_string(gpus_ - 1));
}

void Topology::degrade_nic(std::int64_t gpu, double fraction) {
    check_gpu(gpu, "--slow-nic");
    set_capacity(nic_up(gpu), nic_rate_ * fraction);
    set_capacity(nic_down(gpu), nic_rate_ * fraction);
}

void Topology::lose_nic(std::int64_t gpu) {
    check_gpu(gpu, "--lost-nic");
    if (nic_alive(gpu)) lost_nics_.push_back(gpu);
    nic_for(gpu, -1);  // refuses a node left without a NIC
}

void Topology::degrade_leaf_uplink(std::int64_t leaf, double fraction) {
    if (leaf < 0 || leaf >= leaves_ || tiers_ == 1) {
        throw InputError("--slow-uplink", std::to_string(leaf),
                         tiers_ == 1 ? "none: these GPUs sit under one switch, which has no uplinks"
                                     : "a leaf from 0 to " + std::to_string(leaves_ - 1) + " on this fabric");
    }
    set_capacity(leaf_up(leaf), leaf_uplink_rate_ * fraction);
    set_capacity(leaf_down(leaf), leaf_uplink_rate_ * fraction);
}

Seconds Topology::latency(std::int64_t a, std::int64_t b) const {
    if (same_domain(a, b)) return nvlink_latency_;
    // The cluster's network latency is one message through one switch; each further
    // switch on the path (spine: 2 more, core: 4 more) adds its port-to-port latency.
    const auto [sender, receiver] = nics(a, b);
    const std::int64_t la = leaf_of(sender), lb = leaf_of(receiver);
    const int switches = la == lb ? 1 : (tiers_ == 3 && pod_of_leaf(la) != pod_of_leaf(lb) ? 5 : 3);
    return network_latency_ + switch_latency_ * double(switches - 1);
}

}  // namespace colossim
