#include "colossim/event_queue.hpp"

#include <algorithm>
#include <cmath>

namespace colossim {

namespace {
// std::push_heap makes a max-heap: "later" compares as "less".
bool later(const Event& a, const Event& b) {
    return a.time != b.time ? a.time > b.time : a.sequence > b.sequence;
}
}  // namespace

SimTime to_sim_time(Seconds s) { return static_cast<SimTime>(std::llround(s.value * double(kPicosecondsPerSecond))); }
Seconds to_seconds(SimTime t) { return Seconds(double(t) / double(kPicosecondsPerSecond)); }

EventQueue::EventQueue(std::size_t expected_events) { heap_.reserve(expected_events); }

void EventQueue::push(SimTime time, std::uint32_t kind, std::uint32_t target) {
    heap_.push_back(Event{time, next_sequence_++, kind, target});
    std::push_heap(heap_.begin(), heap_.end(), later);
}

Event EventQueue::pop() {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    Event e = heap_.back();
    heap_.pop_back();
    return e;
}

}  // namespace colossim
