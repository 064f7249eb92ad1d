#include <iostream>
#include <memory>

#include "colossim/estimate.hpp"
#include "colossim/goodput_report.hpp"
#include "colossim/reliability.hpp"
#include "colossim/report.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {
// With tokens to train, the expected time including failures: the default failure
// profile, synchronous checkpoints at the Young/Daly interval (as `colossim goodput`).
FailureOverhead failure_overhead(const Catalog& catalog, const Scenario& s, const StepResult& r,
                                 Diagnostics& diagnostics) {
    FailureProfile p = load_failure_profile(catalog, GoodputOptions{}.failures, {}, diagnostics);
    RunInputs in = build_run_model(s, r.time_to_train, r.step_time, p, {}, diagnostics);
    GoodputResult g = expected_goodput(in.model);
    return {p.name, g.goodput, g.wall_clock, g.interruptions_expected};
}
}  // namespace

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
                std::optional<FailureOverhead> failures;
                if (s.training.tokens > 0) {
                    Diagnostics more;
                    // The estimate stands without it: a cluster whose fabric cannot hold
                    // the GPUs gets a warning and no failure overhead, not an error.
                    try {
                        failures = failure_overhead(catalog, s, r, more);
                    } catch (const InputError& e) {
                        more.warn(std::string("no failure overhead: ") + e.what());
                    }
                    print_warnings(more);
                    for (auto& w : more.warnings) diagnostics.warn(w);
                }
                if (*json) {
                    std::cout << estimate_with_failures_json(s, r, failures, diagnostics.warnings) << "\n";
                } else {
                    std::cout << estimate_table(s, r) << (failures ? failure_overhead_table(*failures) : "");
                }
                return 0;
            }};
}

}  // namespace colossim::cli
