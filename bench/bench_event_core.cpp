// Speed of the event core (target: at least 10 million events a second on one core):
// a queue holding `range(0)` pending events; each step pops the earliest and schedules
// a successor a pseudo-random time later (the hold model of priority-queue benchmarks).
#include <benchmark/benchmark.h>

#include "colossim/event_queue.hpp"

namespace {
void BM_EventQueueHold(benchmark::State& state) {
    const auto pending = std::size_t(state.range(0));
    colossim::EventQueue q(pending + 1);
    std::uint64_t x = 88172645463325252ull;  // xorshift64: deterministic delays
    auto next_delay = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return colossim::SimTime(x % 1'000'000);
    };
    for (std::size_t i = 0; i < pending; ++i) q.push(next_delay(), 0, std::uint32_t(i));
    for (auto _ : state) {
        colossim::Event e = q.pop();
        q.push(e.time + next_delay(), e.kind, e.target);
    }
    state.SetItemsProcessed(state.iterations());  // one event handled per iteration
}
}  // namespace

BENCHMARK(BM_EventQueueHold)->Arg(1000)->Arg(100000)->Arg(1000000);
