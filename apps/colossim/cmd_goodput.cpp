// `goodput`: expected goodput and time to train under failures, and a Monte-Carlo run.
#include <iostream>
#include <memory>

#include "colossim/estimate.hpp"
#include "colossim/goodput_report.hpp"
#include "colossim/reliability.hpp"
#include "command.hpp"

namespace colossim::cli {

Command add_goodput(CLI::App& root) {
    auto* cmd = root.add_subcommand("goodput", "goodput and time to train under failures, with checkpoints");
    auto options = std::make_shared<ScenarioOptions>();
    auto flags = std::make_shared<KeyFlags>();
    auto json = std::make_shared<bool>(false);
    options->add_to(*cmd);
    flags->add_to(*cmd, {
        {"duration", "duration", false, "training time without failures, e.g. 54d (default: from --tokens)"},
        {"checkpoint-interval", "checkpoint_interval", false, "auto (Young/Daly) or a duration, e.g. 30min"},
        {"checkpoint", "checkpoint", false, "sync|async checkpoints"},
        {"spares", "spares", false, "hot-spare nodes (default: the profile's spare_fraction)"},
        {"trials", "trials", false, "Monte-Carlo trials (0: closed form only; default 10000)"},
        {"seed", "seed", false, "Monte-Carlo seed (default 1)"},
        {"failures", "failures", false, "failure profile: a data/reliability name or a file (default llama3)"},
        {"storage-bw", "storage_bandwidth", true, "aggregate checkpoint storage bandwidth, e.g. \"2 TB/s\""},
        {"restart-time", "restart", true, "time to relaunch the job after a failure, e.g. 10min"},
        {"detection-time", "detection", true, "time to notice a failure, e.g. 3min"},
        {"repair-time", "repair", true, "time a failed node is out for repair, e.g. 2d"},
    });
    cmd->add_flag("--json", *json, "print one JSON object");
    return {cmd, [options, flags, json](const Catalog& catalog) {
                Diagnostics diagnostics;
                Scenario s = options->load(catalog, diagnostics);
                Diagnostics more;
                GoodputOptions o = read_goodput_options(flags->options(), more);
                FailureProfile p = load_failure_profile(catalog, o.failures, flags->overrides(), more);
                StepResult r = estimate(s, Calibration::from_catalog(catalog));
                if (!o.duration && s.training.tokens <= 0) {
                    throw InputError("duration", "", "required: the training time without failures (--duration 54d) "
                                                     "or the tokens to train (--tokens 15.6T)");
                }
                GoodputReport g;
                g.profile = p.name;
                g.mode = o.policy.mode;
                g.interval_auto = !o.policy.interval;
                g.inputs = build_run_model(s, o.duration ? *o.duration : r.time_to_train, r.step_time, p, o.policy, more);
                g.expected = expected_goodput(g.inputs.model);
                check_simulation_size(g.expected, o.trials);
                g.simulated = simulate_runs(g.inputs.model, o.trials, o.seed);
                print_warnings(more);
                for (auto& w : more.warnings) diagnostics.warn(w);
                std::cout << (*json ? goodput_json(s, g, diagnostics.warnings) + "\n" : goodput_table(s, g));
                return 0;
            }};
}

}  // namespace colossim::cli
