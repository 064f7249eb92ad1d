// A cluster's network as links of a FlowNetwork, for the event-driven simulation.
// Each GPU has an NVLink link up to and down from its domain's NVSwitch, and a NIC link
// up to and down from its leaf switch; each leaf has one aggregate uplink and downlink to
// the spine layer, its capacity cut by the leaf's oversubscription. Above the leaves the
// fabric is taken as non-blocking (a first model: spine and core tiers, planes and their
// oversubscription are not links yet). Rail-optimized fabrics put GPU i of every node of a
// leaf group on rail i's leaf, so same-rail traffic between nodes never leaves the leaf.
#pragma once

#include <cstdint>
#include <vector>

#include "colossim/cost.hpp"
#include "colossim/flow_network.hpp"
#include "colossim/hardware.hpp"

namespace colossim {

class Topology {
public:
    using LinkId = FlowNetwork::LinkId;

    Topology(const ClusterSpec& cluster, std::int64_t gpus, const Calibration& calibration);

    FlowNetwork& network() { return net_; }
    std::int64_t gpus() const { return gpus_; }
    std::int64_t domain_size() const { return domain_; }
    std::int64_t leaf_of(std::int64_t gpu) const;
    bool same_domain(std::int64_t a, std::int64_t b) const { return a / domain_ == b / domain_; }
    // The links a flow from GPU a to GPU b crosses, appended to `out`.
    void path(std::int64_t a, std::int64_t b, std::vector<LinkId>& out) const;
    // Latency of one message between a and b (per step of a collective).
    Seconds latency(std::int64_t a, std::int64_t b) const;

    // What-if: GPU `gpu`'s NIC runs at `fraction` of its rate, both directions (a link
    // retrained at a lower speed, a flapping optic).
    void degrade_nic(std::int64_t gpu, double fraction);

    ByteRate nvlink_rate() const { return nvlink_rate_; }
    ByteRate nic_rate() const { return nic_rate_; }

private:
    FlowNetwork net_;
    std::int64_t gpus_, domain_, gpus_per_node_, gpus_per_leaf_group_;
    bool rail_optimized_;
    ByteRate nvlink_rate_, nic_rate_;
    Seconds nvlink_latency_, network_latency_;
    std::vector<LinkId> nvlink_up_, nvlink_down_, nic_up_, nic_down_, leaf_up_, leaf_down_;
};

}  // namespace colossim
