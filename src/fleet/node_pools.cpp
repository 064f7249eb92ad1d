// Free-node bookkeeping of the fleet (node_pools.hpp).
#include "node_pools.hpp"

namespace colossim::fleet_detail {

NodePools::NodePools(const FleetLayout& layout)
    : layout_(layout),
      free_all_(1, std::size_t(layout.nodes)),
      free_by_group_(std::size_t(layout.groups()), std::size_t(layout.nodes)),
      shared_(std::size_t(layout.gpus_per_node), std::size_t(layout.nodes)),
      free_in_pod_(std::size_t(layout.pods()), 0),
      free_in_domain_(std::size_t((layout.nodes + layout.nodes_per_domain - 1) / layout.nodes_per_domain), 0) {}

void NodePools::take_out(std::int32_t node) {
    if (free_all_.list_of(node) == 0) {
        free_all_.erase(node);
        free_by_group_.erase(node);
        --free_in_pod_[pod_of(node)];
        --free_in_domain_[domain_of(node)];
    }
    shared_.erase(node);
}

void NodePools::set_out(std::int32_t node) { take_out(node); }

void NodePools::set_free(std::int32_t node) {
    take_out(node);
    free_all_.insert(0, node);
    free_by_group_.insert(std::int32_t(group_of(node)), node);
    ++free_in_pod_[pod_of(node)];
    ++free_in_domain_[domain_of(node)];
}

void NodePools::set_shared(std::int32_t node, std::int64_t free_gpus) {
    take_out(node);
    if (free_gpus > 0 && free_gpus < layout_.gpus_per_node) shared_.insert(std::int32_t(free_gpus), node);
}

}  // namespace colossim::fleet_detail
