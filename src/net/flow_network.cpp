#include "colossim/flow_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace colossim {

FlowNetwork::LinkId FlowNetwork::add_link(ByteRate capacity) {
    links_.push_back(Link{capacity.value, 0.0, {}});
    return LinkId(links_.size() - 1);
}

FlowNetwork::FlowId FlowNetwork::start_flow(std::span<const LinkId> path, Bytes size, SimTime now) {
    const FlowId id = FlowId(flows_.size());
    Flow f;
    f.path.assign(path.begin(), path.end());
    f.remaining = size.value;
    f.updated = now;
    f.active = true;
    flows_.push_back(std::move(f));
    for (LinkId l : path) links_[l].flows.push_back(id);
    ++active_count_;
    rerate(std::vector<LinkId>(path.begin(), path.end()), now);
    return id;
}

void FlowNetwork::start_flows(std::span<const std::vector<LinkId>> paths, Bytes size_each, SimTime now) {
    if (paths.empty()) return;
    std::vector<LinkId> seeds;
    for (const auto& path : paths) {
        const FlowId id = FlowId(flows_.size());
        Flow f;
        f.path = path;
        f.remaining = size_each.value;
        f.updated = now;
        f.active = true;
        flows_.push_back(std::move(f));
        for (LinkId l : path) {
            links_[l].flows.push_back(id);
            seeds.push_back(l);
        }
        ++active_count_;
    }
    rerate(seeds, now);
}

void FlowNetwork::settle(Flow& f, SimTime now) {
    const double moved = std::min(f.remaining, f.rate * double(now - f.updated) / double(kPicosecondsPerSecond));
    f.remaining -= moved;
    for (LinkId l : f.path) links_[l].carried += moved;
    f.updated = now;
}

SimTime FlowNetwork::next_completion() const {
    SimTime best = -1;
    for (const auto& f : flows_) {
        if (!f.active) continue;
        SimTime end = f.rate > 0 ? f.updated + SimTime(std::ceil(f.remaining / f.rate * double(kPicosecondsPerSecond)))
                                 : (f.remaining <= 0 ? f.updated : std::numeric_limits<SimTime>::max());
        if (best < 0 || end < best) best = end;
    }
    return best;
}

void FlowNetwork::advance_to(SimTime now, std::vector<FlowId>& finished) {
    std::vector<LinkId> seeds;
    for (FlowId id = 0; id < flows_.size(); ++id) {
        Flow& f = flows_[id];
        if (!f.active) continue;
        const double can_move = f.rate * double(now - f.updated) / double(kPicosecondsPerSecond);
        // A flow within a picosecond's worth of bytes of its end has ended (time is integer).
        if (can_move + f.rate * 1e-12 < f.remaining) continue;
        settle(f, now);
        f.remaining = 0;
        f.active = false;
        --active_count_;
        for (LinkId l : f.path) {
            auto& on = links_[l].flows;
            on.erase(std::find(on.begin(), on.end(), id));
            seeds.push_back(l);
        }
        std::vector<LinkId>().swap(f.path);  // a finished flow keeps its id, not its path
        finished.push_back(id);
    }
    if (!seeds.empty()) rerate(seeds, now);
}

void FlowNetwork::rerate(const std::vector<LinkId>& seeds, SimTime now) {
    link_seen_.resize(links_.size(), 0);
    flow_seen_.resize(flows_.size(), 0);
    frozen_.resize(flows_.size(), 0);
    spare_.resize(links_.size(), 0.0);
    unfrozen_.resize(links_.size(), 0);
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
    for (FlowId f : component_flows_) {
        settle(flows_[f], now);
        frozen_[f] = 0;
    }
    for (LinkId l : component_links_) {
        spare_[l] = links_[l].capacity;
        unfrozen_[l] = std::uint32_t(links_[l].flows.size());
    }
    // Progressive filling: the link with the smallest fair share fixes the rate of all
    // its unfrozen flows; their rate is taken from every link they cross; repeat.
    for (;;) {
        LinkId bottleneck = 0;
        double share = std::numeric_limits<double>::infinity();
        for (LinkId l : component_links_) {
            if (unfrozen_[l] == 0) continue;
            double s = std::max(0.0, spare_[l]) / double(unfrozen_[l]);
            if (s < share) {
                share = s;
                bottleneck = l;
            }
        }
        if (share == std::numeric_limits<double>::infinity()) break;
        for (FlowId f : links_[bottleneck].flows) {
            if (frozen_[f]) continue;
            frozen_[f] = 1;
            flows_[f].rate = share;
            for (LinkId k : flows_[f].path) {
                spare_[k] -= share;
                --unfrozen_[k];
            }
        }
    }
    for (LinkId l : component_links_) link_seen_[l] = 0;
    for (FlowId f : component_flows_) flow_seen_[f] = 0;
    rerated_ += component_flows_.size();
}

}  // namespace colossim
