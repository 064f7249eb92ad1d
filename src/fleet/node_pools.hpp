// The fleet's nodes and which of them are free, at O(1) a change: whole free nodes (all
// of them, by leaf group, with counts by pod and NVLink domain) and nodes that sub-node
// jobs share, by free GPUs. Private to src/fleet.
#pragma once

#include <cstdint>
#include <vector>

#include "colossim/fleet.hpp"

namespace colossim::fleet_detail {

// Members of one of several lists, each item in at most one list, O(1) insert and erase.
class Buckets {
public:
    Buckets(std::size_t lists, std::size_t universe) : items_(lists), list_(universe, -1), pos_(universe, -1) {}
    void insert(std::int32_t list, std::int32_t item) {
        list_[item] = list;
        pos_[item] = std::int32_t(items_[list].size());
        items_[list].push_back(item);
    }
    void erase(std::int32_t item) {
        const std::int32_t l = list_[item];
        if (l < 0) return;
        auto& v = items_[l];
        const std::int32_t last = v.back();
        v[pos_[item]] = last;
        pos_[last] = pos_[item];
        v.pop_back();
        list_[item] = pos_[item] = -1;
    }
    std::int32_t list_of(std::int32_t item) const { return list_[item]; }
    const std::vector<std::int32_t>& items(std::size_t list) const { return items_[list]; }
    std::size_t lists() const { return items_.size(); }

private:
    std::vector<std::vector<std::int32_t>> items_;
    std::vector<std::int32_t> list_, pos_;
};

class NodePools {
public:
    explicit NodePools(const FleetLayout& layout);

    std::int64_t group_of(std::int64_t node) const { return node / layout_.nodes_per_group; }
    std::int64_t pod_of(std::int64_t node) const { return group_of(node) / layout_.groups_per_pod; }
    std::int64_t domain_of(std::int64_t node) const { return node / layout_.nodes_per_domain; }
    const FleetLayout& layout() const { return layout_; }

    // A node's place: out (down, spare or full), whole and free, or shared with `free` GPUs left.
    void set_out(std::int32_t node);
    void set_free(std::int32_t node);
    void set_shared(std::int32_t node, std::int64_t free_gpus);

    std::int64_t free_nodes() const { return free_all_.items(0).size(); }
    std::int64_t free_in_group(std::int64_t g) const { return std::int64_t(free_by_group_.items(g).size()); }
    std::int64_t free_in_pod(std::int64_t p) const { return free_in_pod_[p]; }
    std::int64_t free_in_domain(std::int64_t d) const { return free_in_domain_[d]; }
    const std::vector<std::int32_t>& free_list() const { return free_all_.items(0); }
    const std::vector<std::int32_t>& free_list_of_group(std::int64_t g) const { return free_by_group_.items(g); }
    // Shared nodes with exactly `free` GPUs left (1 .. gpus_per_node - 1).
    const std::vector<std::int32_t>& shared_with(std::int64_t free) const { return shared_.items(free); }
    bool is_free(std::int32_t node) const { return free_all_.list_of(node) == 0; }

private:
    void take_out(std::int32_t node);

    FleetLayout layout_;
    Buckets free_all_, free_by_group_, shared_;
    std::vector<std::int64_t> free_in_pod_, free_in_domain_;
};

}  // namespace colossim::fleet_detail
