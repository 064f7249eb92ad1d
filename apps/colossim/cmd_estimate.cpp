#include <iostream>
#include <memory>

#include "colossim/estimate.hpp"
#include "colossim/report.hpp"
#include "command.hpp"

namespace colossim::cli {

Command add_estimate(CLI::App& root) {
    auto* cmd = root.add_subcommand("estimate", "analytical step time, MFU, memory and cost of a scenario");
    auto options = std::make_shared<ScenarioOptions>();
    auto json = std::make_shared<bool>(false);
    options->add_to(*cmd);
    cmd->add_flag("--json", *json, "print one JSON object");
    return {cmd, [options, json](const Catalog& catalog) {
                Diagnostics diagnostics;
                Scenario s = options->load(catalog, diagnostics);
                StepResult r = estimate(s, Calibration::from_catalog(catalog));
                std::cout << (*json ? estimate_json(s, r, diagnostics.warnings) + "\n" : estimate_table(s, r));
                return 0;
            }};
}

}  // namespace colossim::cli
