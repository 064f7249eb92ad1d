// Speed of one analytical estimate (target: under 10 us on a 2-core developer machine).
// Run: build/bench/colossim_bench  (README "Performance" has the figures).
#include <benchmark/benchmark.h>

#include "colossim/estimate.hpp"
#include "colossim/spec.hpp"

namespace {
const char* kLlama405b = R"(
model: llama3-405b
cluster: dgx-h100
gpus: 16384
parallelism: {tp: 8, pp: 16, vpp: 4, zero: 2, recompute: none}
training: {seq_len: 8192, global_batch: 2048, micro_batch: 1}
)";
const char* kDeepSeek = R"(
model: deepseek-v3
cluster: hgx-h800
gpus: 2048
parallelism: {tp: 1, pp: 16, ep: 64, zero: 1, recompute: none}
training: {seq_len: 4096, global_batch: 15360, micro_batch: 1}
)";

void estimate_of(benchmark::State& state, const char* yaml) {
    const colossim::Catalog catalog = colossim::Catalog::builtin();
    const colossim::Calibration calibration = colossim::Calibration::from_catalog(catalog);
    colossim::Diagnostics d;
    const colossim::Scenario s = colossim::load_scenario(yaml, "bench", {}, catalog, d);
    for (auto _ : state) benchmark::DoNotOptimize(colossim::estimate(s, calibration));
}

void BM_EstimateLlama405b(benchmark::State& state) { estimate_of(state, kLlama405b); }
void BM_EstimateDeepSeekV3(benchmark::State& state) { estimate_of(state, kDeepSeek); }

void BM_ParseScenario(benchmark::State& state) {
    const colossim::Catalog catalog = colossim::Catalog::builtin();
    for (auto _ : state) {
        colossim::Diagnostics d;
        benchmark::DoNotOptimize(colossim::load_scenario(kLlama405b, "bench", {}, catalog, d));
    }
}
}  // namespace

BENCHMARK(BM_EstimateLlama405b);
BENCHMARK(BM_EstimateDeepSeekV3);
BENCHMARK(BM_ParseScenario);
BENCHMARK_MAIN();
