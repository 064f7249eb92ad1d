// The colossim command line: estimate, validate, list, show. Parses flags with CLI11,
// turns them into scenario overrides, calls the library, prints. Exit status: 0 success,
// 2 bad input (one message naming field, value and what is valid), 1 internal error.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <map>

#include "colossim/catalog.hpp"
#include "colossim/estimate.hpp"
#include "colossim/report.hpp"
#include "colossim/spec.hpp"
#include "colossim/validation.hpp"

namespace {

using namespace colossim;

constexpr int kInputErrorStatus = 2;

struct ScenarioOptions {
    std::string file;
    std::map<std::string, std::vector<std::string>> values;  // flag -> given values
};

void add_scenario_options(CLI::App& cmd, ScenarioOptions& o) {
    cmd.add_option("scenario", o.file, "scenario YAML file (flags override it)");
    for (const auto& f : scenario_flags()) {
        auto* opt = cmd.add_option(std::string("--") + f.flag, o.values[f.flag], f.help);
        std::string flag = f.flag;
        if (flag == "sequence-parallel" || flag == "dp-overlap" || flag == "dropout") opt->expected(0, 1);
        else opt->expected(1);
    }
}

std::vector<Override> overrides_of(const ScenarioOptions& o, const CLI::App& cmd) {
    std::vector<Override> out;
    for (const auto& f : scenario_flags()) {
        if (cmd.count(std::string("--") + f.flag) == 0) continue;
        const auto& v = o.values.at(f.flag);
        out.push_back({f.key, v.empty() ? "on" : v.back()});
    }
    return out;
}

Scenario load(const ScenarioOptions& o, const CLI::App& cmd, const Catalog& catalog, Diagnostics& d) {
    std::string text = o.file.empty() ? "" : read_text_file(o.file, "scenario");
    return load_scenario(text, o.file.empty() ? "flags" : o.file, overrides_of(o, cmd), catalog, d);
}

int run_validate(const Catalog& catalog, const Calibration& cal, bool json) {
    auto results = run_validation(catalog, cal);
    if (json) {
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
        return 0;
    }
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
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"colossim: training time, MFU and memory of large models on GPU clusters"};
    app.require_subcommand(1);

    ScenarioOptions estimate_options;
    bool json = false;
    auto* est = app.add_subcommand("estimate", "analytical step time, MFU, memory and cost of a scenario");
    add_scenario_options(*est, estimate_options);
    est->add_flag("--json", json, "print one JSON object");

    bool validate_json = false;
    auto* val = app.add_subcommand("validate", "compare predictions with published measurements");
    val->add_flag("--json", validate_json, "print JSON");

    std::string list_kind;
    auto* lst = app.add_subcommand("list", "list catalog entries");
    lst->add_option("kind", list_kind, "models|gpus|clusters")->required()->check(CLI::IsMember({"models", "gpus", "clusters"}));

    std::string show_kind, show_name;
    auto* shw = app.add_subcommand("show", "describe a catalog entry or file");
    shw->add_option("kind", show_kind, "model|gpu|cluster")->required()->check(CLI::IsMember({"model", "gpu", "cluster"}));
    shw->add_option("name", show_name, "catalog name or file")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "colossim: error: " << e.what() << "\n";
        return kInputErrorStatus;
    }

    try {
        const Catalog catalog = Catalog::builtin();
        Diagnostics diagnostics;
        if (*est) {
            const Calibration cal = Calibration::from_catalog(catalog);
            Scenario s = load(estimate_options, *est, catalog, diagnostics);
            StepResult r = estimate(s, cal);
            for (const auto& w : diagnostics.warnings) std::cerr << "colossim: warning: " << w << "\n";
            std::cout << (json ? estimate_json(s, r, diagnostics.warnings) + "\n" : estimate_table(s, r));
            return 0;
        }
        if (*val) return run_validate(catalog, Calibration::from_catalog(catalog), validate_json);
        if (*lst) {
            CatalogKind k = list_kind == "models" ? CatalogKind::model
                            : list_kind == "gpus" ? CatalogKind::gpu
                                                  : CatalogKind::cluster;
            for (const auto& n : catalog.names(k)) std::cout << n << "\n";
            return 0;
        }
        if (*shw) {
            if (show_kind == "model") std::cout << describe_model(catalog.model(show_name, "name", diagnostics));
            else if (show_kind == "gpu") std::cout << describe_gpu(catalog.gpu(show_name, "name", diagnostics));
            else std::cout << describe_cluster(catalog.cluster(show_name, "name", diagnostics));
            for (const auto& w : diagnostics.warnings) std::cerr << "colossim: warning: " << w << "\n";
            return 0;
        }
    } catch (const InputError& e) {
        std::cerr << "colossim: error: " << e.what() << "\n";
        return kInputErrorStatus;
    } catch (const std::exception& e) {
        std::cerr << "colossim: internal error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
