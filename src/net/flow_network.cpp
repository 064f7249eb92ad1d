#include "colossim/flow_network.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace colossim {

FlowNetwork::LinkId FlowNetwork::add_link(ByteRate capacity) {
    links_.push_back(Link{capacity.value, 0.0, {}});
    return LinkId(links_.size() - 1);
}

FlowNetwork::FlowId FlowNetwork::add_flow(std::span<const LinkId> path, std::span<const float> weights, Bytes size,
                                          SimTime now) {
    FlowId id;
    if (!free_ids_.empty()) {
        id = free_ids_.back();
        free_ids_.pop_back();
    } else {
        id = FlowId(flows_.size());
        flows_.emplace_back();
    }
    Flow& f = flows_[id];
    f.path.assign(path.begin(), path.end());
    f.weight.assign(weights.begin(), weights.end());
    f.slot.resize(path.size());
    f.remaining = size.value;
    f.rate = 0;
    f.updated = now;
    f.active = true;
    f.scheduled = false;
    ++f.version;
    for (std::size_t h = 0; h < path.size(); ++h) {
        auto& on = links_[path[h]].flows;
        f.slot[h] = std::uint32_t(on.size());
        on.push_back(id);
        pending_seeds_.push_back(path[h]);
    }
    ++active_count_;
    ++started_;
    if (path.empty()) {  // nothing to cross: ends where it starts
        f.remaining = 0;
        schedule_completion(id);
    }
    return id;
}

FlowNetwork::FlowId FlowNetwork::start_flow(std::span<const LinkId> path, Bytes size, SimTime now) {
    const FlowId id = add_flow(path, {}, size, now);
    start_pending(now);
    return id;
}

void FlowNetwork::start_flows(std::span<const std::vector<LinkId>> paths, Bytes size_each, SimTime now) {
    for (const auto& path : paths) add_flow(path, {}, size_each, now);
    start_pending(now);
}

FlowNetwork::FlowId FlowNetwork::add_weighted_flow(std::span<const LinkId> path, std::span<const float> weights,
                                                   Bytes size, SimTime now) {
    return add_flow(path, weights, size, now);
}

void FlowNetwork::start_pending(SimTime now) {
    if (pending_seeds_.empty()) return;
    rerate(pending_seeds_, now);
    pending_seeds_.clear();
}

void FlowNetwork::settle(Flow& f, SimTime now) {
    const double moved = std::min(f.remaining, f.rate * double(now - f.updated) / double(kPicosecondsPerSecond));
    f.remaining -= moved;
    for (std::size_t h = 0; h < f.path.size(); ++h) links_[f.path[h]].carried += moved * f.w(h);
    f.updated = now;
}

void FlowNetwork::schedule_completion(FlowId id) {
    Flow& f = flows_[id];
    ++f.version;
    f.scheduled = !(f.rate <= 0 && f.remaining > 0);
    if (!f.scheduled) return;  // stalled: no completion until re-rated
    const SimTime end =
        f.rate > 0 ? f.updated + SimTime(std::ceil(f.remaining / f.rate * double(kPicosecondsPerSecond))) : f.updated;
    heap_.push_back({end, id, f.version});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

SimTime FlowNetwork::next_completion() {
    while (!heap_.empty()) {
        const Completion& top = heap_.front();
        const Flow& f = flows_[top.flow];
        if (f.active && f.version == top.version) return top.time;
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        heap_.pop_back();
    }
    return -1;
}

void FlowNetwork::advance_to(SimTime now, std::vector<FlowId>& finished) {
    std::vector<LinkId>& seeds = pending_seeds_;
    const std::size_t first = finished.size();
    while (next_completion() >= 0 && heap_.front().time <= now) {
        const FlowId id = heap_.front().flow;
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        heap_.pop_back();
        Flow& f = flows_[id];
        settle(f, now);
        f.remaining = 0;
        f.active = false;
        ++f.version;
        --active_count_;
        for (std::size_t h = 0; h < f.path.size(); ++h) {
            const LinkId l = f.path[h];
            auto& on = links_[l].flows;
            const FlowId last = on.back();
            on[f.slot[h]] = last;
            on.pop_back();
            if (last != id) {
                Flow& moved = flows_[last];
                for (std::size_t k = 0; k < moved.path.size(); ++k) {
                    if (moved.path[k] == l) moved.slot[k] = f.slot[h];
                }
            }
            seeds.push_back(l);
        }
        finished.push_back(id);
    }
    // Ids of flows that ended are reused only after the caller has seen them.
    start_pending(now);
    free_ids_.insert(free_ids_.end(), finished.begin() + std::ptrdiff_t(first), finished.end());
    // Drop stale completion entries when they outnumber the live ones.
    if (heap_.size() > 4 * active_count_ + 4096) {
        std::vector<Completion> live;
        for (const auto& c : heap_) {
            if (flows_[c.flow].active && flows_[c.flow].version == c.version) live.push_back(c);
        }
        heap_.swap(live);
        std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
    }
}

void FlowNetwork::rerate(const std::vector<LinkId>& seeds, SimTime now) {
    link_seen_.resize(links_.size(), 0);
    flow_seen_.resize(flows_.size(), 0);
    frozen_.resize(flows_.size(), 0);
    spare_.resize(links_.size(), 0.0);
    unfrozen_.resize(links_.size(), 0.0);
    component_links_.clear();
    component_flows_.clear();

    // The connected component: links reachable from the seeds through shared flows.
    for (LinkId l : seeds) {
        if (!link_seen_[l]) {
            link_seen_[l] = 1;
            component_links_.push_back(l);
        }
    }
    for (std::size_t i = 0; i < component_links_.size(); ++i) {
        for (FlowId f : links_[component_links_[i]].flows) {
            if (flow_seen_[f]) continue;
            flow_seen_[f] = 1;
            component_flows_.push_back(f);
            for (LinkId k : flows_[f].path) {
                if (!link_seen_[k]) {
                    link_seen_[k] = 1;
                    component_links_.push_back(k);
                }
            }
        }
    }
    for (LinkId l : component_links_) {
        spare_[l] = links_[l].capacity;
        unfrozen_[l] = 0;
    }
    for (FlowId id : component_flows_) {
        Flow& f = flows_[id];
        settle(f, now);
        frozen_[id] = 0;
        for (std::size_t h = 0; h < f.path.size(); ++h) unfrozen_[f.path[h]] += f.w(h);
    }
    // Progressive filling: the links with the smallest fair share fix the rate of all
    // their unfrozen flows; that rate (times the flow's weight) is taken from every link
    // they cross; repeat.
    constexpr double kNone = 1e-6;  // weights are >= 1: less than this is none left
    for (;;) {
        double share = std::numeric_limits<double>::infinity();
        for (LinkId l : component_links_) {
            if (unfrozen_[l] > kNone) share = std::min(share, std::max(0.0, spare_[l]) / unfrozen_[l]);
        }
        if (share == std::numeric_limits<double>::infinity()) break;
        const double tie = share * (1 + 1e-9) + 1e-300;
        for (LinkId l : component_links_) {
            if (unfrozen_[l] <= kNone || std::max(0.0, spare_[l]) / unfrozen_[l] > tie) continue;
            for (FlowId id : links_[l].flows) {
                if (frozen_[id]) continue;
                frozen_[id] = 1;
                Flow& f = flows_[id];
                const double old = f.rate;
                f.rate = share;
                for (std::size_t h = 0; h < f.path.size(); ++h) {
                    spare_[f.path[h]] -= share * f.w(h);
                    unfrozen_[f.path[h]] -= f.w(h);
                }
                // A flow whose rate did not change keeps its completion entry.
                if (old != share || !f.scheduled) flow_seen_[id] = 2;
            }
        }
    }
    for (FlowId id : component_flows_) {
        if (flow_seen_[id] == 2) schedule_completion(id);
        flow_seen_[id] = 0;
    }
    for (LinkId l : component_links_) link_seen_[l] = 0;
    rerated_ += component_flows_.size();
}

}  // namespace colossim
