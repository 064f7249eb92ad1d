// The discrete-event core: a priority queue of events in integer simulated time.
// Integer picoseconds keep the order of events exact and the same on every machine
// (ns-3's Time does the same); ties are broken by insertion order, so a simulation is
// deterministic. The queue reserves its storage up front: no allocation in the hot loop.
#pragma once

#include <cstdint>
#include <vector>

#include "colossim/units.hpp"

namespace colossim {

// Simulated time in picoseconds: int64 covers 106 days, far beyond one training step.
using SimTime = std::int64_t;
constexpr SimTime kPicosecondsPerSecond = 1'000'000'000'000;
SimTime to_sim_time(Seconds s);  // rounded to the nearest picosecond
Seconds to_seconds(SimTime t);

struct Event {
    SimTime time = 0;
    std::uint64_t sequence = 0;  // insertion order: the tie-breaker
    std::uint32_t kind = 0;      // what happens (the model's own codes)
    std::uint32_t target = 0;    // to what (a task, a flow, a rank)
};

class EventQueue {
public:
    explicit EventQueue(std::size_t expected_events = 1024);

    void push(SimTime time, std::uint32_t kind, std::uint32_t target);
    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    const Event& top() const { return heap_.front(); }
    Event pop();
    std::uint64_t pushed() const { return next_sequence_; }

private:
    std::vector<Event> heap_;  // 4-ary min-heap on (time, sequence)
    std::uint64_t next_sequence_ = 0;
};

}  // namespace colossim
