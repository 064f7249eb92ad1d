// Speed of the planner: the whole space of Llama 3 405B on 16,384 H100 (target: under
// 1 s, at least 1,000,000 plans a second on 2 cores). Plans/s counts every candidate of
// the space (checked, and estimated when valid).
#include <benchmark/benchmark.h>

#include "colossim/plan.hpp"
#include "colossim/spec.hpp"

namespace {
void BM_PlanLlama405b(benchmark::State& state) {
    const char* yaml = R"(
model: llama3-405b
cluster: dgx-h100
gpus: 16384
training: {seq_len: 8192, global_batch: 2048, tokens: 15.6T}
)";
    const colossim::Catalog catalog = colossim::Catalog::builtin();
    const colossim::Calibration calibration = colossim::Calibration::from_catalog(catalog);
    colossim::Diagnostics d;
    const colossim::Scenario base =
        colossim::load_scenario(yaml, "bench", {}, catalog, d, colossim::ScenarioCheck::fields_only);
    const colossim::PlanSpace space = colossim::default_space(base, colossim::scenario_keys_given(yaml, "bench", {}));
    colossim::PlanOptions options;
    options.threads = unsigned(state.range(0));
    std::int64_t estimated = 0;
    for (auto _ : state) {
        auto r = colossim::search_plans(base, space, options, calibration);
        estimated = r.evaluated;
        benchmark::DoNotOptimize(r);
    }
    state.counters["plans/s"] = benchmark::Counter(double(space.size()), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["estimated/s"] = benchmark::Counter(double(estimated), benchmark::Counter::kIsIterationInvariantRate);
}
}  // namespace

BENCHMARK(BM_PlanLlama405b)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
