// Speed of the Monte-Carlo run simulation: 10,000 trials of a 90-day run on 200,000 GPUs
// (target: under 10 s). Llama 3 405B on a Colossus-class cluster with the llama3 failure
// profile: about 10^4 failures a trial, 10^8 in all. The argument is the thread count.
#include <benchmark/benchmark.h>

#include "colossim/estimate.hpp"
#include "colossim/reliability.hpp"
#include "colossim/spec.hpp"

namespace {
void BM_MonteCarlo200kGpus90Days(benchmark::State& state) {
    const char* yaml = R"(
model: llama3-405b
cluster: colossus
gpus: 200000
parallelism: {tp: 8, pp: 1}
training: {seq_len: 8192, global_batch: 25000}
)";
    const colossim::Catalog catalog = colossim::Catalog::builtin();
    colossim::Diagnostics d;
    const colossim::Scenario s = colossim::load_scenario(yaml, "bench", {}, catalog, d);
    const colossim::StepResult r = colossim::estimate(s, colossim::Calibration::from_catalog(catalog));
    const colossim::FailureProfile p = colossim::load_failure_profile(catalog, "llama3", {}, d);
    const colossim::RunModel m =
        colossim::build_run_model(s, colossim::Seconds(90 * colossim::kSecondsPerDay), r.step_time, p, {}, d).model;
    double failures = 0;
    for (auto _ : state) {
        auto mc = colossim::simulate_runs(m, 10000, 1, int(state.range(0)));
        failures = mc.interruptions.mean * double(mc.trials);
        benchmark::DoNotOptimize(mc);
    }
    state.counters["failures"] = failures;
}
}  // namespace

BENCHMARK(BM_MonteCarlo200kGpus90Days)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1);
