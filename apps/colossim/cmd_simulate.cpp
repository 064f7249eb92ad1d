// `simulate`: one training step, event by event (the pipeline schedule task by task),
// with the same inputs and JSON as `estimate`; `--trace FILE` writes a Chrome trace.
#include <iostream>
#include <memory>

#include "colossim/report.hpp"
#include "colossim/step_sim.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {
struct SimulateFlags {
    ScenarioOptions scenario;
    std::string schedule, trace, slow_gpu;
    bool json = false;
};

int run_simulate(const SimulateFlags& f, const Catalog& catalog) {
    Diagnostics diagnostics;
    Scenario s = f.scenario.load(catalog, diagnostics);
    PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
    if (f.schedule == "gpipe") schedule = PipelineSchedule::gpipe;
    if (f.schedule == "interleaved") {
        if (s.parallelism.vpp < 2) throw InputError("--schedule", f.schedule, "gpipe or 1f1b: interleaving needs vpp > 1");
        schedule = PipelineSchedule::interleaved;
    }
    StepWhatIf what_if;
    if (!f.slow_gpu.empty()) {
        auto v = parse_index_and_number(f.slow_gpu, "--slow-gpu", "STAGE:FACTOR, e.g. 3:1.2 (stage 3 runs 20% slower)");
        what_if.slow_stage = v.index;
        what_if.slow_factor = v.number;
    }
    SimulatedStep step = simulate_step(s, Calibration::from_catalog(catalog), f.schedule.empty() ? nullptr : &schedule,
                                       !f.trace.empty(), what_if);
    if (!f.trace.empty()) write_output_file(f.trace, "--trace", chrome_trace(s, step));
    if (f.json) {
        std::string j = estimate_json(s, step.result, diagnostics.warnings);
        // The event engine's own figures, appended to estimate's object.
        j.insert(j.rfind('}'), ",\n  \"engine\": \"event\",\n  \"schedule\": \"" + std::string(to_string(step.schedule)) +
                                   "\",\n  \"pipeline_s\": " + std::to_string(step.pipeline.value) +
                                   ",\n  \"events\": " + std::to_string(step.events) + "\n");
        std::cout << j << "\n";
    } else {
        std::cout << estimate_table(s, step.result);
        std::cout << "\nevent engine: " << to_string(step.schedule) << " schedule, " << step.events
                  << " events; pipeline " << step.pipeline.value << " s" << (f.trace.empty() ? "" : "; trace in " + f.trace)
                  << "\n";
    }
    return 0;
}
}  // namespace

Command add_simulate(CLI::App& root) {
    auto* cmd = root.add_subcommand("simulate", "one training step simulated event by event (pipeline schedule)");
    auto f = std::make_shared<SimulateFlags>();
    f->scenario.add_to(*cmd);
    cmd->add_option("--schedule", f->schedule, "gpipe|1f1b|interleaved (default: interleaved when vpp > 1, else 1f1b)")
        ->check(CLI::IsMember({"gpipe", "1f1b", "interleaved"}));
    cmd->add_option("--trace", f->trace, "write a Chrome trace (open it in Perfetto)");
    cmd->add_flag("--json", f->json, "print one JSON object (estimate's fields and the engine's)");
    cmd->add_option("--slow-gpu", f->slow_gpu, "what-if: one GPU of pipeline stage STAGE runs FACTOR times slower (STAGE:FACTOR)");
    return {cmd, [f](const Catalog& catalog) { return run_simulate(*f, catalog); }};
}

}  // namespace colossim::cli
