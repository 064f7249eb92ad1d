#include <iostream>
#include <memory>

#include "colossim/api.hpp"
#include "colossim/goodput_report.hpp"
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
                api::EstimateAnswer a = api::estimate_scenario(catalog, options->request());
                print_warnings(Diagnostics{a.warnings});
                if (*json) {
                    std::cout << estimate_with_failures_json(a.scenario, a.result, a.failures, a.warnings) << "\n";
                } else {
                    std::cout << estimate_table(a.scenario, a.result)
                              << (a.failures ? failure_overhead_table(*a.failures) : "");
                }
                return 0;
            }};
}

}  // namespace colossim::cli
