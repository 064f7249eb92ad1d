#include <fstream>
#include <iostream>

#include "command.hpp"

namespace colossim::cli {

void ScenarioOptions::add_to(CLI::App& cmd) {
    cmd_ = &cmd;
    cmd.add_option("scenario", file_, "scenario YAML file (flags override it)");
    for (const auto& f : scenario_flags()) {
        auto* opt = cmd.add_option(std::string("--") + f.flag, values_[f.flag], f.help);
        std::string flag = f.flag;
        // Switches: "--sequence-parallel" alone means on.
        if (flag == "sequence-parallel" || flag == "dp-overlap" || flag == "dropout") opt->expected(0, 1);
        else opt->expected(1);
    }
}

std::vector<Override> ScenarioOptions::overrides() const {
    std::vector<Override> out;
    for (const auto& f : scenario_flags()) {
        if (cmd_->count(std::string("--") + f.flag) == 0) continue;
        const auto& v = values_.at(f.flag);
        out.push_back({f.key, v.empty() ? "on" : v.back()});
    }
    return out;
}

std::string ScenarioOptions::text() const { return file_.empty() ? "" : read_text_file(file_, "scenario"); }

Scenario ScenarioOptions::load(const Catalog& catalog, Diagnostics& diagnostics) const {
    Scenario s = load_scenario(text(), source(), overrides(), catalog, diagnostics);
    print_warnings(diagnostics);
    return s;
}

void print_warnings(const Diagnostics& diagnostics) {
    for (const auto& w : diagnostics.warnings) std::cerr << "colossim: warning: " << w << "\n";
}

void write_output_file(const std::string& path, const std::string& flag, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    if (!out || !(out << text) || !out.flush()) throw InputError(flag, path, "a writable file");
}

IndexAndNumber parse_index_and_number(const std::string& text, const std::string& flag, const std::string& valid) {
    const auto colon = text.find(':');
    try {
        if (colon == std::string::npos) throw std::invalid_argument(text);
        std::size_t used_index = 0, used_number = 0;
        const std::string index = text.substr(0, colon), number = text.substr(colon + 1);
        IndexAndNumber out{std::stoll(index, &used_index), std::stod(number, &used_number)};
        if (used_index != index.size() || used_number != number.size()) throw std::invalid_argument(text);
        return out;
    } catch (const std::exception&) {
        throw InputError(flag, text, valid);
    }
}

}  // namespace colossim::cli
