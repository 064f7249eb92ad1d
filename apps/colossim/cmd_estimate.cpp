#include <iostream>
#include <memory>

#include "colossim/api.hpp"
#include "colossim/goodput_report.hpp"
#include "colossim/launch_config.hpp"
#include "colossim/report.hpp"
#include "command.hpp"

namespace colossim::cli {

Command add_estimate(CLI::App& root) {
    auto* cmd = root.add_subcommand("estimate", "analytical step time, MFU, memory and cost of a scenario");
    auto options = std::make_shared<ScenarioOptions>();
    auto json = std::make_shared<bool>(false);
    auto emit = std::make_shared<std::string>();
    auto explain = std::make_shared<bool>(false);
    auto ops = std::make_shared<bool>(false);
    options->add_to(*cmd);
    cmd->add_flag("--ops", *ops, "also print where one layer's time goes: each op of its passes, priced as the estimate prices it");
    cmd->add_flag("--explain", *explain, "why the plan is refused or does not fit, and what single change would fix it");
    auto* json_flag = cmd->add_flag("--json", *json, "print one JSON object");
    cmd->add_option("--emit", *emit, "megatron|nemo|torchtitan: print the scenario as that framework's launch arguments")
        ->excludes(json_flag);
    return {cmd, [options, json, emit, explain, ops](const Catalog& catalog) {
                if (*explain) {
                    api::ExplainAnswer x = api::explain_scenario(catalog, options->request());
                    print_warnings(Diagnostics{x.warnings});
                    std::cout << api::explain_text(x);
                    return 0;
                }
                const bool emitting = !emit->empty();  // refused before the estimate when unknown
                const LaunchFramework framework = emitting ? parse_launch_framework(*emit) : LaunchFramework{};
                api::EstimateAnswer a = api::estimate_scenario(catalog, options->request());
                print_warnings(Diagnostics{a.warnings});
                if (emitting) {
                    std::cout << predicted_line(a.result) << launch_config(a.scenario, framework).text;
                } else if (*json) {
                    std::string j = estimate_with_failures_json(a.scenario, a.result, a.failures, a.warnings);
                    if (*ops) j = with_layer_ops_json(j, layer_ops(a.scenario, Calibration::from_catalog(catalog)));
                    std::cout << j << "\n";
                } else {
                    std::cout << estimate_table(a.scenario, a.result)
                              << (a.failures ? failure_overhead_table(*a.failures) : "");
                    if (*ops) std::cout << "\n" << layer_ops_table(layer_ops(a.scenario, Calibration::from_catalog(catalog)));
                }
                return 0;
            }};
}

}  // namespace colossim::cli
