// `simulate`: one training step, event by event, with the same inputs and JSON as
// `estimate`. By default on the cluster's flow-level network (network_step.hpp: every
// P2P transfer and data-parallel collective as flows sharing NICs and switch uplinks),
// in full or symmetric mode; `--contention off` runs the schedule alone with the cost
// model's transfer times (step_sim.hpp), which must agree with `estimate`.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "colossim/api.hpp"
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

int run_simulate(const SimulateFlags& f, const Catalog& catalog) {
    api::SimulateRequest r;
    r.scenario = f.scenario.request();
    r.mode = f.mode;
    r.contention = switch_value("--contention", f.contention);
    r.trace = !f.trace.empty();
    r.trace_name = f.trace;
    r.slow_gpu = f.slow_gpu;
    r.slow_nics = f.slow_nics;
    r.slow_uplinks = f.slow_uplinks;
    r.lost_nics = f.lost_nics;
    r.progress = terminal_progress(f.json);
    const api::SimulateAnswer a = api::simulate_scenario(catalog, r);
    print_warnings(Diagnostics{a.warnings});
    if (!f.trace.empty()) write_output_file(f.trace, "--trace", a.trace);
    std::cout << (f.json ? api::simulate_json(a) + "\n" : api::simulate_text(a, f.trace));
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
                    "on|off: off runs the schedule without the network, with the cost model's transfer times [flag alone: on]");
    cmd->add_option("--trace", f->trace, "write a Chrome trace (open it in Perfetto)");
    cmd->add_flag("--json", f->json, "print one JSON object (estimate's fields and the engine's)");
    cmd->add_option("--slow-gpu", f->slow_gpu, "what-if: one GPU of pipeline stage STAGE runs FACTOR times slower (STAGE:FACTOR)");
    cmd->add_option("--slow-nic", f->slow_nics, "what-if: GPU's NIC at FRACTION of its rate (GPU:FRACTION; full mode)");
    cmd->add_option("--lost-nic", f->lost_nics, "what-if: GPU's NIC down, its traffic over NVLink to a neighbour's NIC (full mode)");
    cmd->add_option("--slow-uplink", f->slow_uplinks, "what-if: leaf switch LEAF's uplinks at FRACTION (LEAF:FRACTION; full mode)");
    return {cmd, [f](const Catalog& catalog) { return run_simulate(*f, catalog); }};
}

}  // namespace colossim::cli
