#include "colossim/event_queue.hpp"

#include <cmath>

namespace colossim {

namespace {
// A 4-ary min-heap on (time, sequence): half the depth of a binary heap and four
// siblings in one cache line or two, which is what keeps large queues fast.
constexpr std::size_t kArity = 4;

bool earlier(const Event& a, const Event& b) {
    return a.time != b.time ? a.time < b.time : a.sequence < b.sequence;
}
}  // namespace

SimTime to_sim_time(Seconds s) { return static_cast<SimTime>(std::llround(s.value * double(kPicosecondsPerSecond))); }
Seconds to_seconds(SimTime t) { return Seconds(double(t) / double(kPicosecondsPerSecond)); }

EventQueue::EventQueue(std::size_t expected_events) { heap_.reserve(expected_events); }

void EventQueue::push(SimTime time, std::uint32_t kind, std::uint32_t target) {
    const Event e{time, next_sequence_++, kind, target};
    std::size_t hole = heap_.size();
    heap_.push_back(e);
    while (hole > 0) {  // sift the hole up while the new event is earlier than the parent
        const std::size_t parent = (hole - 1) / kArity;
        if (!earlier(e, heap_[parent])) break;
        heap_[hole] = heap_[parent];
        hole = parent;
    }
    heap_[hole] = e;
}

Event EventQueue::pop() {
    const Event top = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return top;
    std::size_t hole = 0;
    for (;;) {  // sift the hole down to where `last` belongs
        const std::size_t first = hole * kArity + 1;
        if (first >= n) break;
        std::size_t best = first;
        const std::size_t end = first + kArity < n ? first + kArity : n;
        for (std::size_t c = first + 1; c < end; ++c) {
            if (earlier(heap_[c], heap_[best])) best = c;
        }
        if (!earlier(heap_[best], last)) break;
        heap_[hole] = heap_[best];
        hole = best;
    }
    heap_[hole] = last;
    return top;
}

}  // namespace colossim
