// `simulate` as a library call: one training step, event by event, by default on the
// cluster's flow-level network (network_step.hpp), or with `contention` off on the cost
// model's transfer times alone (step_sim.hpp), which must agree with `estimate`. The CLI,
// the Python module and the web server share it, so each shows the same step.
#include <fmt/format.h>

#include "colossim/api.hpp"
#include "colossim/network_step.hpp"
#include "colossim/report.hpp"
#include "colossim/step_sim.hpp"

namespace colossim::api {

namespace {
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

StepWhatIf slow_gpu(const std::string& text, const Scenario& s) {
    StepWhatIf what_if;
    if (text.empty()) return what_if;
    const std::string valid = "STAGE:FACTOR with 0 <= STAGE < pp = " + std::to_string(s.parallelism.pp) +
                              " and FACTOR >= 1, e.g. 3:1.2 (stage 3 runs 20% slower)";
    auto v = parse_index_and_number(text, "--slow-gpu", valid);
    if (v.index < 0 || v.index >= s.parallelism.pp || !(v.number >= 1.0)) throw InputError("--slow-gpu", text, valid);
    what_if.slow_stage = v.index;
    what_if.slow_factor = v.number;
    return what_if;
}

NetworkFaults network_faults(const SimulateRequest& r, const Scenario& s) {
    NetworkFaults faults;
    for (const auto& text : r.slow_nics) {
        auto v = parse_index_and_number(text, "--slow-nic", "GPU:FRACTION, e.g. 5:0.5 (GPU 5's NIC at half rate)");
        if (v.index < 0 || v.index >= s.gpus || !(v.number > 0 && v.number <= 1)) {
            throw InputError("--slow-nic", text, "GPU:FRACTION with GPU < " + std::to_string(s.gpus) + " and 0 < FRACTION <= 1");
        }
        faults.slow_nics.emplace_back(v.index, v.number);
    }
    for (auto gpu : r.lost_nics) {
        if (gpu < 0 || gpu >= s.gpus) throw InputError("--lost-nic", std::to_string(gpu), "a GPU from 0 to " + std::to_string(s.gpus - 1));
        faults.lost_nics.push_back(gpu);
    }
    for (const auto& text : r.slow_uplinks) {
        auto v = parse_index_and_number(text, "--slow-uplink", "LEAF:FRACTION, e.g. 0:0.5 (leaf 0's uplinks at half rate)");
        if (v.index < 0 || !(v.number > 0 && v.number <= 1)) {
            throw InputError("--slow-uplink", text, "LEAF:FRACTION with LEAF >= 0 and 0 < FRACTION <= 1");
        }
        faults.slow_uplinks.emplace_back(v.index, v.number);
    }
    return faults;
}

// A full-mode trace has a span per task per GPU: 2,048 GPUs of Llama 3 405B make 4 GB,
// more than Perfetto opens. Symmetric mode traces one GPU group a stage at any size.
constexpr std::int64_t kFullTraceMaxGpus = 256;
}  // namespace

SimulateAnswer simulate_scenario(const Catalog& catalog, const SimulateRequest& r) {
    Diagnostics diagnostics;
    SimulateAnswer a;
    a.scenario = load_scenario(r.scenario.text, r.scenario.source, r.scenario.overrides, catalog, diagnostics);
    const Scenario& s = a.scenario;
    if (r.mode != "" && r.mode != "full" && r.mode != "symmetric") throw InputError("--mode", r.mode, "full|symmetric");
    if (s.gpus > r.max_gpus) {
        throw InputError("gpus", std::to_string(s.gpus), "at most " + std::to_string(r.max_gpus) + " GPUs for simulate here");
    }
    const StepWhatIf what_if = slow_gpu(r.slow_gpu, s);
    const Calibration calibration = Calibration::from_catalog(catalog);
    a.contention = r.contention;
    if (!r.contention) {
        if (!r.mode.empty() || !r.slow_nics.empty() || !r.lost_nics.empty() || !r.slow_uplinks.empty()) {
            throw InputError("--contention", "off", "on, to use --mode or a network fault (the network is not simulated when off)");
        }
        SimulatedStep step = simulate_step(s, calibration, nullptr, r.trace, what_if);
        if (r.trace) a.trace = chrome_trace(s, step);
        a.result = step.result;
        a.schedule = step.schedule;
        a.pipeline = step.pipeline;
        a.events = step.events;
    } else {
        NetworkStepOptions o;
        o.mode = r.mode.empty() ? (s.gpus <= kFullModeMaxGpus ? SimMode::full : SimMode::symmetric)
                                : (r.mode == "full" ? SimMode::full : SimMode::symmetric);
        o.keep_trace = r.trace;
        o.slow = what_if;
        o.faults = network_faults(r, s);
        o.progress = r.progress;
        if (o.keep_trace && o.mode == SimMode::full && s.gpus > kFullTraceMaxGpus) {
            throw InputError("--trace", r.trace_name, "a full-mode run of at most " + std::to_string(kFullTraceMaxGpus) +
                                                          " GPUs (or --mode symmetric: one GPU group a stage, any size)");
        }
        NetworkStep step = simulate_network_step(s, calibration, o);
        if (r.trace) a.trace = chrome_trace(s, step);
        a.result = step.result;
        a.schedule = step.schedule;
        a.pipeline = step.pipeline;
        a.events = step.events;
        a.network = std::move(step);
        a.network->trace.clear();
    }
    a.warnings = std::move(diagnostics.warnings);
    return a;
}

std::string simulate_json(const SimulateAnswer& a) {
    std::string j = estimate_json(a.scenario, a.result, a.warnings);
    if (!a.network) {
        j.insert(j.rfind('}'), fmt::format(",\n  \"engine\": \"event\",\n  \"contention\": false,\n  \"schedule\": \"{}\",\n"
                                           "  \"pipeline_s\": {:.9g},\n  \"events\": {}\n",
                                           to_string(a.schedule), a.pipeline.value, a.events));
        return j;
    }
    const NetworkStep& n = *a.network;
    j.insert(j.rfind('}'),
             fmt::format(",\n  \"engine\": \"event\",\n  \"contention\": true,\n  \"mode\": \"{}\",\n  \"schedule\": \"{}\",\n"
                         "  \"pipeline_s\": {:.9g},\n  \"simulated_gpus\": {},\n  \"events\": {},\n  \"flows\": {},\n"
                         "  \"collectives\": {},\n  \"links\": {},\n  \"stages\": {}\n",
                         to_string(n.mode), to_string(n.schedule), n.pipeline.value, n.simulated_gpus, n.events, n.flows,
                         n.collectives, levels_json(n.levels), stages_json(n.stages)));
    return j;
}

std::string simulate_text(const SimulateAnswer& a, const std::string& trace_file) {
    std::string t = estimate_table(a.scenario, a.result);
    const std::string traced = trace_file.empty() ? "" : "; trace in " + trace_file;
    if (!a.network) {
        return t + fmt::format("\nevent engine, no contention: {} schedule, {} events; pipeline {:.4f} s{}\n",
                               to_string(a.schedule), a.events, a.pipeline.value, traced);
    }
    const NetworkStep& n = *a.network;
    t += fmt::format("\nevent engine on the network, {} mode: {} schedule, {} GPUs simulated, {} events, {} flows, "
                     "{} collectives; pipeline {:.4f} s{}\n\n",
                     to_string(n.mode), to_string(n.schedule), n.simulated_gpus, n.events, n.flows, n.collectives,
                     n.pipeline.value, traced);
    return t + levels_table(n.levels);
}

Answer simulate(const Catalog& catalog, const SimulateRequest& request) {
    SimulateAnswer a = simulate_scenario(catalog, request);
    return {simulate_json(a), a.warnings};
}

}  // namespace colossim::api
