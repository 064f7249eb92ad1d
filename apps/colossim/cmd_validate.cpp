#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "colossim/network_step.hpp"
#include "colossim/validation.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {
void print_json(const std::vector<ValidationResult>& results) {
    std::cout << "[\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        std::cout << fmt::format(
            "  {{\"suite\": \"{}\", \"case\": \"{}\", \"metric\": \"{}\", \"published\": {}, \"predicted\": {:.2f}, "
            "\"error\": {:.4f}}}{}\n",
            r.vcase.suite, r.vcase.name, r.vcase.metric, r.vcase.published, r.predicted, r.error,
            i + 1 < results.size() ? "," : "");
    }
    std::cout << "]\n";
}

void print_table(const std::vector<ValidationResult>& results) {
    std::string suite;
    for (const auto& r : results) {
        if (r.vcase.suite != suite) {
            suite = r.vcase.suite;
            std::cout << fmt::format("\n{} — {} ({})\n", suite, r.vcase.source, r.vcase.metric);
            std::cout << fmt::format("  {:<22} {:>10} {:>10} {:>8}\n", "case", "published", "predicted", "error");
        }
        std::cout << fmt::format("  {:<22} {:>10.1f} {:>10.1f} {:>+7.1f}%\n", r.vcase.name, r.vcase.published,
                                 r.predicted, 100 * r.error);
    }
    std::cout << fmt::format("\nmean absolute error over {} cases: {:.1f}%\n", results.size(),
                             100 * mean_absolute_error(results));
}
}  // namespace

Command add_validate(CLI::App& root) {
    auto* cmd = root.add_subcommand("validate", "compare predictions with published measurements");
    auto json = std::make_shared<bool>(false);
    auto engine = std::make_shared<std::string>("analytical");
    cmd->add_flag("--json", *json, "print JSON");
    cmd->add_option("--engine", *engine, "analytical|event: estimate, or the event engine on the network (symmetric mode)")
        ->check(CLI::IsMember({"analytical", "event"}));
    return {cmd, [json, engine](const Catalog& catalog) {
                const Calibration calibration = Calibration::from_catalog(catalog);
                StepEngineFn run = nullptr;
                if (*engine == "event") {
                    run = [&calibration](const Scenario& s) {
                        NetworkStepOptions o;
                        o.mode = SimMode::symmetric;
                        return simulate_network_step(s, calibration, o).result;
                    };
                }
                auto results = run_validation(catalog, calibration, run);
                if (*json) print_json(results);
                else print_table(results);
                return 0;
            }};
}

}  // namespace colossim::cli
