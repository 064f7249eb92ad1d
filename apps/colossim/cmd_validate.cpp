#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "colossim/api.hpp"
#include "colossim/validation.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {
void print_summaries(const std::vector<ErrorSummary>& rows, const char* title) {
    std::cout << fmt::format("\n{:<28} {:>5} {:>9} {:>8} {:>8}  worst case\n", title, "cases", "mean|e|", "bias",
                             "worst");
    for (const auto& s : rows) {
        std::cout << fmt::format("{:<28} {:>5} {:>8.1f}% {:>+7.1f}% {:>+7.1f}%  {}\n", s.group, s.cases,
                                 100 * s.mean_abs, 100 * s.bias, 100 * s.worst, s.worst_case);
    }
}

void print_table(const std::vector<ValidationResult>& results) {
    std::string suite, suite_metric;
    for (const auto& r : results) {
        if (r.vcase.suite != suite) {
            suite = r.vcase.suite;
            suite_metric = r.vcase.metric;
            std::cout << fmt::format("\n{} — {} ({})\n", suite, r.vcase.source, suite_metric);
            std::cout << fmt::format("  {:<30} {:>10} {:>10} {:>8}\n", "case", "published", "predicted", "error");
        }
        // Ratios print as percentages, small figures (seconds) with 3 decimals.
        const bool ratio = r.vcase.metric == "mfu" || r.vcase.metric == "mfu_bf16";
        const double scale = ratio ? 100.0 : 1.0;
        const int digits = !ratio && r.vcase.published < 10 ? 3 : 1;
        const std::string note = r.vcase.metric != suite_metric ? "  (" + r.vcase.metric + ")" : "";
        std::cout << fmt::format("  {:<30} {:>10.{}f} {:>10.{}f} {:>+7.1f}%{}\n", r.vcase.name, r.vcase.published * scale,
                                 digits, r.predicted * scale, digits, 100 * r.error, note);
    }
    print_summaries(summarize(results, GroupBy::origin), "by source");
    print_summaries(summarize(results, GroupBy::generation), "by GPU generation");
    const ErrorSummary all = summarize_all(results);
    std::cout << fmt::format("\nmean absolute error over {} cases: {:.1f}% (bias {:+.1f}%, worst {:+.1f}% {})\n",
                             all.cases, 100 * all.mean_abs, 100 * all.bias, 100 * all.worst, all.worst_case);
    std::cout << "error = (predicted - published) / published; + means colossim predicts a faster step\n";
}

void print_cross_validation(const CrossValidation& cv) {
    std::cout << "\nleave one source out: fit on the others, predict the held-out source\n";
    if (cv.fitted_names.empty()) {
        std::cout << "constants fitted to training throughputs: none (every constant comes from a kernel or network\n"
                     "measurement or a datasheet), so each held-out error is the in-sample error\n";
    } else {
        std::cout << "fitted:";
        for (const auto& n : cv.fitted_names) std::cout << " " << n;
        std::cout << "\n";
    }
    std::cout << fmt::format("{:<28} {:>5} {:>9} {:>8} {:>8}\n", "held-out source", "cases", "mean|e|", "bias", "worst");
    for (const auto& f : cv.folds) {
        std::cout << fmt::format("{:<28} {:>5} {:>8.1f}% {:>+7.1f}% {:>+7.1f}%", f.summary.group, f.summary.cases,
                                 100 * f.summary.mean_abs, 100 * f.summary.bias, 100 * f.summary.worst);
        for (double v : f.fitted) std::cout << fmt::format("  {:.4g}", v);
        std::cout << "\n";
    }
    std::cout << fmt::format("held-out mean absolute error: {:.1f}%\n", 100 * cv.mean_abs);
}
}  // namespace

Command add_validate(CLI::App& root) {
    auto* cmd = root.add_subcommand("validate", "compare predictions with published measurements");
    auto json = std::make_shared<bool>(false);
    auto cross = std::make_shared<bool>(false);
    auto engine = std::make_shared<std::string>("analytical");
    auto suites = std::make_shared<std::vector<std::string>>();
    cmd->add_flag("--json", *json, "print JSON");
    cmd->add_flag("--cross-validate", *cross, "leave one source out: refit on the others, report the held-out error");
    cmd->add_option("--suite", *suites, "also run the cases of this suite file (data/validation format); repeatable");
    cmd->add_option("--engine", *engine, "analytical|event: estimate, or the event engine on the network (symmetric mode)")
        ->check(CLI::IsMember({"analytical", "event"}));
    return {cmd, [json, cross, engine, suites](const Catalog& catalog) {
                const Calibration calibration = Calibration::from_catalog(catalog);
                auto engine_for = [engine](const Calibration& cal) -> StepEngineFn {
                    return *engine == "event" ? api::event_engine(cal) : nullptr;
                };
                const auto cases = load_validation_cases(catalog, *suites);
                StepEngineFn engine_fn = engine_for(calibration);
                if (engine_fn) {  // the event engine takes seconds: a bar over the cases
                    const auto bar = terminal_progress(*json);
                    if (bar) {
                        auto done = std::make_shared<std::size_t>(0);
                        engine_fn = [inner = engine_fn, bar, done, total = cases.size()](const Scenario& s) {
                            StepResult r = inner(s);
                            bar(double(++*done) / double(std::max<std::size_t>(1, total)));
                            return r;
                        };
                    }
                }
                auto results = run_validation(cases, calibration, engine_fn);
                if (*json) std::cout << api::validation_json(results) << "\n";
                else print_table(results);
                if (*cross) print_cross_validation(cross_validate(cases, calibration, engine_for));
                return 0;
            }};
}

}  // namespace colossim::cli
