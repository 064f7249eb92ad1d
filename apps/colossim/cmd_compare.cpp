#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include "colossim/api.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {
// Columns are named by the files' stems (llama-tp8.yaml -> llama-tp8), or by their paths
// where two stems are the same.
std::vector<std::string> column_labels(const std::vector<std::string>& files) {
    std::vector<std::string> labels;
    std::set<std::string> seen;
    bool clash = false;
    for (const auto& f : files) {
        labels.push_back(std::filesystem::path(f).stem().string());
        clash = clash || !seen.insert(labels.back()).second;
    }
    return clash ? files : labels;
}
}  // namespace

Command add_compare(CLI::App& root) {
    auto* cmd = root.add_subcommand("compare", "scenarios side by side: step time, MFU, breakdown, memory, time and cost to train");
    auto files = std::make_shared<std::vector<std::string>>();
    auto options = std::make_shared<ScenarioOptions>();
    auto json = std::make_shared<bool>(false);
    auto csv = std::make_shared<bool>(false);
    cmd->add_option("scenarios", *files, "2 to 16 scenario YAML files (the flags below apply to each)")
        ->required()
        ->expected(2, int(api::kMaxCompared));
    options->add_flags_to(*cmd);
    cmd->add_flag("--json", *json, "print one JSON object");
    cmd->add_flag("--csv", *csv, "print CSV: a row a metric, a column a scenario");
    return {cmd, [files, options, json, csv](const Catalog& catalog) {
                std::vector<api::ScenarioRequest> requests;
                for (const auto& f : *files) requests.push_back({read_text_file(f, "scenario"), f, options->overrides()});
                api::CompareAnswer a = api::compare_scenarios(catalog, requests, column_labels(*files));
                print_warnings(Diagnostics{a.warnings});
                if (*json) std::cout << comparison_json(a.scenarios, a.warnings) << "\n";
                else if (*csv) std::cout << comparison_csv(a.scenarios);
                else std::cout << comparison_table(a.scenarios);
                return 0;
            }};
}

}  // namespace colossim::cli
