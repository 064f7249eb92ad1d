// `simulate`: one training step, event by event, with the same inputs and JSON as
// `estimate`. By default on the cluster's flow-level network (network_step.hpp: every
// P2P transfer and data-parallel collective as flows sharing NICs and switch uplinks),
// in full or symmetric mode; `--contention off` runs the schedule alone with the cost
// model's transfer times (step_sim.hpp), which must agree with `estimate`.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "colossim/network_step.hpp"
#include "colossim/report.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {
struct SimulateFlags {
    ScenarioOptions scenario;
    std::string trace, slow_gpu, mode, contention = "on";
    std::vector<std::string> slow_nics, slow_uplinks;
    std::vector<std::int64_t> lost_nics;
    bool json = false;
};

std::string levels_json(const std::vector<LevelUse>& levels) {
    std::string j = "[";
    bool first = true;
    for (const auto& u : levels) {
        if (u.links == 0) continue;
        j += fmt::format("{}\n    {{\"level\": \"{}\", \"links\": {}, \"carried_bytes\": {:.6g}, \"mean_utilization\": {:.4f}, "
                         "\"peak_utilization\": {:.4f}}}",
                         first ? "" : ",", to_string(u.level), u.links, u.carried.value, u.mean_utilization,
                         u.peak_utilization);
        first = false;
    }
    return j + "\n  ]";
}

std::string stages_json(const std::vector<StageUse>& stages) {
    std::string j = "[";
    for (std::size_t i = 0; i < stages.size(); ++i) {
        const auto& u = stages[i];
        j += fmt::format("{}\n    {{\"stage\": {}, \"compute_end_s\": {:.9g}, \"blocked_s\": {:.9g}, \"collectives_end_s\": {:.9g}}}",
                         i ? "," : "", u.stage, u.compute_end.value, u.blocked.value, u.collectives_end.value);
    }
    return j + "\n  ]";
}

std::string levels_table(const std::vector<LevelUse>& levels) {
    std::string t = fmt::format("{:<12} {:>10} {:>14} {:>10} {:>10}\n", "link level", "links", "carried", "mean use", "peak use");
    for (const auto& u : levels) {
        if (u.links == 0) continue;
        t += fmt::format("{:<12} {:>10} {:>11.1f} GB {:>9.1f}% {:>9.1f}%\n", to_string(u.level), u.links, u.carried.value / 1e9,
                         100 * u.mean_utilization, 100 * u.peak_utilization);
    }
    return t;
}

int run_simulate(const SimulateFlags& f, const Catalog& catalog) {
    Diagnostics diagnostics;
    Scenario s = f.scenario.load(catalog, diagnostics);
    StepWhatIf what_if;
    if (!f.slow_gpu.empty()) {
        const std::string valid = "STAGE:FACTOR with 0 <= STAGE < pp = " + std::to_string(s.parallelism.pp) +
                                  " and FACTOR >= 1, e.g. 3:1.2 (stage 3 runs 20% slower)";
        auto v = parse_index_and_number(f.slow_gpu, "--slow-gpu", valid);
        if (v.index < 0 || v.index >= s.parallelism.pp || !(v.number >= 1.0)) throw InputError("--slow-gpu", f.slow_gpu, valid);
        what_if.slow_stage = v.index;
        what_if.slow_factor = v.number;
    }
    const Calibration calibration = Calibration::from_catalog(catalog);
    // The schedule is the scenario's (parallelism.schedule, --schedule), as for estimate.
    const PipelineSchedule* chosen = nullptr;

    if (f.contention == "off") {
        if (!f.mode.empty() || !f.slow_nics.empty() || !f.lost_nics.empty() || !f.slow_uplinks.empty()) {
            throw InputError("--contention", "off", "on, to use --mode or a network fault (the network is not simulated when off)");
        }
        SimulatedStep step = simulate_step(s, calibration, chosen, !f.trace.empty(), what_if);
        if (!f.trace.empty()) write_output_file(f.trace, "--trace", chrome_trace(s, step));
        if (f.json) {
            std::string j = estimate_json(s, step.result, diagnostics.warnings);
            j.insert(j.rfind('}'), fmt::format(",\n  \"engine\": \"event\",\n  \"contention\": false,\n  \"schedule\": \"{}\",\n"
                                               "  \"pipeline_s\": {:.9g},\n  \"events\": {}\n",
                                               to_string(step.schedule), step.pipeline.value, step.events));
            std::cout << j << "\n";
        } else {
            std::cout << estimate_table(s, step.result);
            std::cout << fmt::format("\nevent engine, no contention: {} schedule, {} events; pipeline {:.4f} s{}\n",
                                     to_string(step.schedule), step.events, step.pipeline.value,
                                     f.trace.empty() ? "" : "; trace in " + f.trace);
        }
        return 0;
    }

    NetworkStepOptions o;
    o.mode = f.mode.empty() ? (s.gpus <= kFullModeMaxGpus ? SimMode::full : SimMode::symmetric)
                            : (f.mode == "full" ? SimMode::full : SimMode::symmetric);
    o.schedule = chosen;
    o.keep_trace = !f.trace.empty();
    o.slow = what_if;
    for (const auto& text : f.slow_nics) {
        auto v = parse_index_and_number(text, "--slow-nic", "GPU:FRACTION, e.g. 5:0.5 (GPU 5's NIC at half rate)");
        if (v.index < 0 || v.index >= s.gpus || !(v.number > 0 && v.number <= 1)) {
            throw InputError("--slow-nic", text, "GPU:FRACTION with GPU < " + std::to_string(s.gpus) + " and 0 < FRACTION <= 1");
        }
        o.faults.slow_nics.emplace_back(v.index, v.number);
    }
    for (auto gpu : f.lost_nics) {
        if (gpu < 0 || gpu >= s.gpus) throw InputError("--lost-nic", std::to_string(gpu), "a GPU from 0 to " + std::to_string(s.gpus - 1));
        o.faults.lost_nics.push_back(gpu);
    }
    for (const auto& text : f.slow_uplinks) {
        auto v = parse_index_and_number(text, "--slow-uplink", "LEAF:FRACTION, e.g. 0:0.5 (leaf 0's uplinks at half rate)");
        if (v.index < 0 || !(v.number > 0 && v.number <= 1)) {
            throw InputError("--slow-uplink", text, "LEAF:FRACTION with LEAF >= 0 and 0 < FRACTION <= 1");
        }
        o.faults.slow_uplinks.emplace_back(v.index, v.number);
    }
    // A full-mode trace has a span per task per GPU: 2,048 GPUs of Llama 3 405B make 4 GB,
    // more than Perfetto opens. Symmetric mode traces one GPU group a stage at any size.
    constexpr std::int64_t kFullTraceMaxGpus = 256;
    if (o.keep_trace && o.mode == SimMode::full && s.gpus > kFullTraceMaxGpus) {
        throw InputError("--trace", f.trace, "a full-mode run of at most " + std::to_string(kFullTraceMaxGpus) +
                                                 " GPUs (or --mode symmetric: one GPU group a stage, any size)");
    }
    NetworkStep step = simulate_network_step(s, calibration, o);
    if (!f.trace.empty()) write_output_file(f.trace, "--trace", chrome_trace(s, step));
    if (f.json) {
        std::string j = estimate_json(s, step.result, diagnostics.warnings);
        j.insert(j.rfind('}'),
                 fmt::format(",\n  \"engine\": \"event\",\n  \"contention\": true,\n  \"mode\": \"{}\",\n  \"schedule\": \"{}\",\n"
                             "  \"pipeline_s\": {:.9g},\n  \"simulated_gpus\": {},\n  \"events\": {},\n  \"flows\": {},\n"
                             "  \"collectives\": {},\n  \"links\": {},\n  \"stages\": {}\n",
                             to_string(step.mode), to_string(step.schedule), step.pipeline.value, step.simulated_gpus,
                             step.events, step.flows, step.collectives, levels_json(step.levels), stages_json(step.stages)));
        std::cout << j << "\n";
    } else {
        std::cout << estimate_table(s, step.result);
        std::cout << fmt::format("\nevent engine on the network, {} mode: {} schedule, {} GPUs simulated, {} events, {} flows, "
                                 "{} collectives; pipeline {:.4f} s{}\n\n",
                                 to_string(step.mode), to_string(step.schedule), step.simulated_gpus, step.events, step.flows,
                                 step.collectives, step.pipeline.value, f.trace.empty() ? "" : "; trace in " + f.trace);
        std::cout << levels_table(step.levels);
    }
    return 0;
}
}  // namespace

Command add_simulate(CLI::App& root) {
    auto* cmd = root.add_subcommand("simulate", "one training step simulated event by event on the cluster's network");
    auto f = std::make_shared<SimulateFlags>();
    f->scenario.add_to(*cmd);
    cmd->add_option("--mode", f->mode,
                    "full|symmetric: every GPU, or one GPU group a pipeline stage standing for all replicas (default: full up "
                    "to 1024 GPUs)")
        ->check(CLI::IsMember({"full", "symmetric"}));
    cmd->add_option("--contention", f->contention,
                    "on|off: off runs the schedule without the network, with the cost model's transfer times")
        ->check(CLI::IsMember({"on", "off"}));
    cmd->add_option("--trace", f->trace, "write a Chrome trace (open it in Perfetto)");
    cmd->add_flag("--json", f->json, "print one JSON object (estimate's fields and the engine's)");
    cmd->add_option("--slow-gpu", f->slow_gpu, "what-if: one GPU of pipeline stage STAGE runs FACTOR times slower (STAGE:FACTOR)");
    cmd->add_option("--slow-nic", f->slow_nics, "what-if: GPU's NIC at FRACTION of its rate (GPU:FRACTION; full mode)");
    cmd->add_option("--lost-nic", f->lost_nics, "what-if: GPU's NIC down, its traffic over NVLink to a neighbour's NIC (full mode)");
    cmd->add_option("--slow-uplink", f->slow_uplinks, "what-if: leaf switch LEAF's uplinks at FRACTION (LEAF:FRACTION; full mode)");
    return {cmd, [f](const Catalog& catalog) { return run_simulate(*f, catalog); }};
}

}  // namespace colossim::cli
