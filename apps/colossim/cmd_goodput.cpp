// `goodput`: expected goodput and time to train under failures, and a Monte-Carlo run.
#include <iostream>
#include <memory>

#include "colossim/api.hpp"
#include "colossim/goodput_report.hpp"
#include "command.hpp"

namespace colossim::cli {

Command add_goodput(CLI::App& root) {
    auto* cmd = root.add_subcommand("goodput", "goodput and time to train under failures, with checkpoints");
    auto options = std::make_shared<ScenarioOptions>();
    auto flags = std::make_shared<KeyFlags>();
    auto json = std::make_shared<bool>(false), samples = std::make_shared<bool>(false);
    options->add_to(*cmd);
    flags->add_to(*cmd, api::goodput_flags());
    cmd->add_flag("--json", *json, "print one JSON object");
    cmd->add_flag("--samples", *samples, "with --json: each Monte-Carlo trial's wall clock and interruptions (samples)");
    return {cmd, [options, flags, json, samples](const Catalog& catalog) {
                if (*samples && !*json) throw InputError("--samples", "on", "with --json (the samples are a JSON field)");
                api::GoodputRequest r{options->request(), flags->options(), flags->overrides(), terminal_progress(*json), *samples};
                api::GoodputAnswer a = api::goodput_scenario(catalog, r);
                print_warnings(Diagnostics{a.warnings});
                std::cout << (*json ? goodput_json(a.scenario, a.report, a.warnings) + "\n" : goodput_table(a.scenario, a.report));
                return 0;
            }};
}

}  // namespace colossim::cli
