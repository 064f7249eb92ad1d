// The flow-level network: flows cross links; concurrent flows share each link's
// capacity max-min fairly (progressive filling, Bertsekas & Gallager, "Data Networks",
// sec. 6.5.2). When a flow starts or ends only the flows connected to it through shared
// links are re-rated — the rest of the network keeps its rates. Every rate change first
// settles the bytes each affected flow moved at its old rate, so bytes are conserved.
// Links whose fair shares tie are saturated in one round (exact: freezing a flow at the
// shared rate leaves a tied link's share unchanged), so a symmetric step's thousands of
// identical flows are rated in a few rounds, not one round each.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "colossim/event_queue.hpp"
#include "colossim/units.hpp"

namespace colossim {

class FlowNetwork {
public:
    using LinkId = std::uint32_t;
    using FlowId = std::uint32_t;

    LinkId add_link(ByteRate capacity);
    std::size_t links() const { return links_.size(); }
    // Changes a link's capacity (a degraded link); takes effect for flows started later.
    void set_capacity(LinkId l, ByteRate capacity) { links_[l].capacity = capacity.value; }
    ByteRate capacity(LinkId l) const { return ByteRate(links_[l].capacity); }

    // A flow of `size` bytes over `path` (links in order), starting at `now`.
    FlowId start_flow(std::span<const LinkId> path, Bytes size, SimTime now);
    // Many flows starting at once: add them all, then re-rate their components once
    // (instead of once per flow).
    void start_flows(std::span<const std::vector<LinkId>> paths, Bytes size_each, SimTime now);
    // A flow that stands for `weights[i]` identical flows on link `path[i]` (the symmetric
    // mode's representative): on each link it counts as that many flows, each moving at
    // the flow's rate (weighted max-min). Starts with the next start_pending().
    FlowId add_weighted_flow(std::span<const LinkId> path, std::span<const float> weights, Bytes size, SimTime now);
    // Re-rates the components of the flows added since the last call, once.
    void start_pending(SimTime now);

    // The earliest time an active flow finishes at today's rates; -1 when none is active.
    // (A heap of completion times: stale entries are dropped as they surface.)
    SimTime next_completion();
    // Moves the network to `now` (no later than next_completion()), ends the flows that
    // have finished, re-rates their neighbours and appends their ids to `finished`. A
    // finished flow's id is reused by a later flow.
    void advance_to(SimTime now, std::vector<FlowId>& finished);

    ByteRate rate(FlowId f) const { return ByteRate(flows_[f].rate); }
    Bytes remaining(FlowId f) const { return Bytes(flows_[f].remaining); }
    bool active(FlowId f) const { return flows_[f].active; }
    std::size_t active_flows() const { return active_count_; }
    // Bytes that crossed each link so far (for utilisation and conservation checks).
    Bytes carried(LinkId l) const { return Bytes(links_[l].carried); }
    std::uint64_t rerated_flows() const { return rerated_; }  // work done by incremental updates
    std::uint64_t started_flows() const { return started_; }

private:
    struct Link {
        double capacity;  // B/s
        double carried = 0;
        std::vector<FlowId> flows;  // active flows crossing this link
    };
    struct Flow {
        std::vector<LinkId> path;
        std::vector<float> weight;       // per link; empty: 1 on every link
        std::vector<std::uint32_t> slot;  // its index in each path link's `flows`
        double remaining = 0;  // bytes
        double rate = 0;       // B/s
        SimTime updated = 0;   // when `remaining` was last settled
        std::uint32_t version = 0;  // completion-heap entries of older versions are stale
        bool active = false;
        bool scheduled = false;  // has a live completion-heap entry
        double w(std::size_t i) const { return weight.empty() ? 1.0 : double(weight[i]); }
    };
    struct Completion {
        SimTime time;
        FlowId flow;
        std::uint32_t version;
        bool operator>(const Completion& o) const { return time != o.time ? time > o.time : flow > o.flow; }
    };

    FlowId add_flow(std::span<const LinkId> path, std::span<const float> weights, Bytes size, SimTime now);
    void settle(Flow& f, SimTime now);
    void schedule_completion(FlowId id);
    // Re-rates the connected component of flows around `seeds` (links), at `now`.
    void rerate(const std::vector<LinkId>& seeds, SimTime now);

    std::vector<Link> links_;
    std::vector<Flow> flows_;
    std::vector<FlowId> free_ids_;
    std::vector<Completion> heap_;  // min-heap on time
    std::vector<LinkId> pending_seeds_;
    std::size_t active_count_ = 0;
    std::uint64_t rerated_ = 0, started_ = 0;
    // scratch space reused by rerate() (no allocation once warmed up)
    std::vector<LinkId> component_links_;
    std::vector<FlowId> component_flows_;
    std::vector<char> link_seen_, flow_seen_, frozen_;
    std::vector<double> spare_, unfrozen_;
};

}  // namespace colossim
