// Speed and memory of one training step in the event engine on the network
// (network_step.hpp). Targets (issue 3): Llama 3 405B on 16,384 H100 in full mode under
// 30 s and 4 GB; on 1,048,576 GPUs in symmetric mode under 5 s and 2 GB. Run each alone so
// peak_rss is its own:
//   build/bench/colossim_bench --benchmark_filter=SimulateFull16k
//   build/bench/colossim_bench --benchmark_filter=SimulateSymmetric1M
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <fstream>
#include <sstream>

#include "colossim/network_step.hpp"
#include "colossim/spec.hpp"

namespace {

colossim::Scenario example(const std::string& name) {
    std::ifstream in(std::string(COLOSSIM_SOURCE_DIR) + "/examples/" + name);
    std::stringstream text;
    text << in.rdbuf();
    colossim::Diagnostics d;
    static const colossim::Catalog catalog = colossim::Catalog::builtin();
    return colossim::load_scenario(text.str(), name, {}, catalog, d);
}

void simulate(benchmark::State& state, const std::string& file, colossim::SimMode mode) {
    const colossim::Scenario s = example(file);
    const auto calibration = colossim::Calibration::from_catalog(colossim::Catalog::builtin());
    colossim::NetworkStepOptions o;
    o.mode = mode;
    colossim::NetworkStep step;
    for (auto _ : state) step = colossim::simulate_network_step(s, calibration, o);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    state.counters["peak_rss_MB"] = double(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
    state.counters["gpus"] = double(s.gpus);
    state.counters["flows"] = double(step.flows);
    state.counters["events"] = double(step.events);
    state.counters["step_s"] = step.result.step_time.value;
}

void BM_SimulateFull16k(benchmark::State& state) { simulate(state, "llama3-405b.yaml", colossim::SimMode::full); }
void BM_SimulateSymmetric1M(benchmark::State& state) {
    simulate(state, "llama3-405b-1m-gpus.yaml", colossim::SimMode::symmetric);
}

}  // namespace

BENCHMARK(BM_SimulateFull16k)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_SimulateSymmetric1M)->Unit(benchmark::kSecond)->Iterations(1);
