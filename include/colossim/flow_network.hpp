// The flow-level network: flows cross links; concurrent flows share each link's
// capacity max-min fairly (progressive filling, Bertsekas & Gallager, "Data Networks",
// sec. 6.5.2). When a flow starts or ends only the flows connected to it through shared
// links are re-rated — the rest of the network keeps its rates. Every rate change first
// settles the bytes each affected flow moved at its old rate, so bytes are conserved.
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

    // The earliest time an active flow finishes at today's rates; -1 when none is active.
    SimTime next_completion() const;
    // Moves the network to `now` (no later than next_completion()), ends the flows that
    // have finished, re-rates their neighbours and appends their ids to `finished`.
    void advance_to(SimTime now, std::vector<FlowId>& finished);

    ByteRate rate(FlowId f) const { return ByteRate(flows_[f].rate); }
    Bytes remaining(FlowId f) const { return Bytes(flows_[f].remaining); }
    bool active(FlowId f) const { return flows_[f].active; }
    std::size_t active_flows() const { return active_count_; }
    // Bytes that crossed each link so far (for utilisation and conservation checks).
    Bytes carried(LinkId l) const { return Bytes(links_[l].carried); }
    std::uint64_t rerated_flows() const { return rerated_; }  // work done by incremental updates

private:
    struct Link {
        double capacity;  // B/s
        double carried = 0;
        std::vector<FlowId> flows;  // active flows crossing this link
    };
    struct Flow {
        std::vector<LinkId> path;
        double remaining = 0;  // bytes
        double rate = 0;       // B/s
        SimTime updated = 0;   // when `remaining` was last settled
        bool active = false;
    };

    void settle(Flow& f, SimTime now);
    // Re-rates the connected component of flows around `seeds` (links), at `now`.
    void rerate(const std::vector<LinkId>& seeds, SimTime now);

    std::vector<Link> links_;
    std::vector<Flow> flows_;
    std::size_t active_count_ = 0;
    std::uint64_t rerated_ = 0;
    // scratch space reused by rerate() (no allocation once warmed up)
    std::vector<LinkId> component_links_;
    std::vector<FlowId> component_flows_;
    std::vector<char> link_seen_, flow_seen_, frozen_;
    std::vector<double> spare_;
    std::vector<std::uint32_t> unfrozen_;
};

}  // namespace colossim
