#include "colossim/topology.hpp"

#include <algorithm>

namespace colossim {

Topology::Topology(const ClusterSpec& c, std::int64_t gpus, const Calibration& cal)
    : gpus_(gpus),
      domain_(std::max<std::int64_t>(1, c.nvlink_domain)),
      gpus_per_node_(std::max<std::int64_t>(1, c.gpus_per_node)),
      rail_optimized_(c.fabric && c.fabric->rail_optimized),
      nvlink_rate_(c.gpu.nvlink_per_direction() * cal.nvlink_efficiency),
      nic_rate_(c.nic_bandwidth * cal.network_efficiency),
      nvlink_latency_(c.nvlink_latency),
      network_latency_(c.network_latency) {
    // A leaf switch serves ports*o/(1+o) NIC links (o = down:up oversubscription);
    // without a fabric description, one leaf per 32 NICs at full bisection.
    const double o = c.fabric ? std::max(1.0, c.fabric->leaf_oversubscription) : 1.0;
    const std::int64_t ports = c.fabric ? c.fabric->switch_ports : 64;
    const std::int64_t down = std::max<std::int64_t>(1, std::int64_t(double(ports) * o / (1.0 + o)));
    // Rail-optimized: a leaf serves one rail of `down` nodes; otherwise `down` NICs.
    gpus_per_leaf_group_ = rail_optimized_ ? down * gpus_per_node_ : down;
    for (std::int64_t g = 0; g < gpus; ++g) {
        nvlink_up_.push_back(net_.add_link(nvlink_rate_));
        nvlink_down_.push_back(net_.add_link(nvlink_rate_));
        nic_up_.push_back(net_.add_link(nic_rate_));
        nic_down_.push_back(net_.add_link(nic_rate_));
    }
    const std::int64_t leaves = leaf_of(gpus - 1) + 1;
    const ByteRate uplink = nic_rate_ * (double(down) / o);
    for (std::int64_t l = 0; l < leaves; ++l) {
        leaf_up_.push_back(net_.add_link(uplink));
        leaf_down_.push_back(net_.add_link(uplink));
    }
}

std::int64_t Topology::leaf_of(std::int64_t gpu) const {
    if (!rail_optimized_) return gpu / gpus_per_leaf_group_;
    const std::int64_t group = gpu / gpus_per_leaf_group_, rail = gpu % gpus_per_node_;
    return group * gpus_per_node_ + rail;
}

void Topology::path(std::int64_t a, std::int64_t b, std::vector<LinkId>& out) const {
    if (same_domain(a, b)) {
        out.push_back(nvlink_up_[std::size_t(a)]);
        out.push_back(nvlink_down_[std::size_t(b)]);
        return;
    }
    // On a rail-optimized fabric NCCL sends through the NIC of the GPU in a's node that
    // sits on b's rail, reached over NVLink (PXN), so the message stays on one rail leaf.
    std::int64_t sender = a;
    if (rail_optimized_) {
        sender = a - a % gpus_per_node_ + b % gpus_per_node_;
        if (sender != a) {
            out.push_back(nvlink_up_[std::size_t(a)]);
            out.push_back(nvlink_down_[std::size_t(sender)]);
        }
    }
    out.push_back(nic_up_[std::size_t(sender)]);
    const std::int64_t la = leaf_of(sender), lb = leaf_of(b);
    if (la != lb) {
        out.push_back(leaf_up_[std::size_t(la)]);
        out.push_back(leaf_down_[std::size_t(lb)]);
    }
    out.push_back(nic_down_[std::size_t(b)]);
}

void Topology::degrade_nic(std::int64_t gpu, double fraction) {
    net_.set_capacity(nic_up_[std::size_t(gpu)], nic_rate_ * fraction);
    net_.set_capacity(nic_down_[std::size_t(gpu)], nic_rate_ * fraction);
}

Seconds Topology::latency(std::int64_t a, std::int64_t b) const {
    return same_domain(a, b) ? nvlink_latency_ : network_latency_;
}

}  // namespace colossim
