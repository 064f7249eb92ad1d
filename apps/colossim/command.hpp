// How the colossim command is assembled: each subcommand lives in its own cmd_*.cpp and
// registers itself on the root CLI11 app, returning the function that runs it once the
// command line is parsed. main.cpp maps the exceptions of every run to exit statuses.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "colossim/api.hpp"
#include "colossim/catalog.hpp"
#include "colossim/estimate.hpp"
#include "colossim/scenario.hpp"
#include "colossim/spec.hpp"

namespace colossim::cli {

struct Command {
    CLI::App* app;
    std::function<int(const Catalog&)> run;
};

Command add_estimate(CLI::App& root);
Command add_validate(CLI::App& root);
Command add_list(CLI::App& root);
Command add_show(CLI::App& root);
Command add_plan(CLI::App& root);
Command add_sweep(CLI::App& root);
Command add_collective(CLI::App& root);
Command add_simulate(CLI::App& root);
Command add_goodput(CLI::App& root);
Command add_datacenter(CLI::App& root);
Command add_compare(CLI::App& root);
Command add_serve(CLI::App& root);
Command add_fleet(CLI::App& root);

// A switch's value: on/true/yes/1 or off/false/no/0 (any case); anything else is refused.
bool switch_value(const std::string& flag, const std::string& value);

// A progress bar on standard error (fraction done, 0-1), or nothing when `quiet` (--json)
// or standard error is not a terminal (progress.cpp).
std::function<void(double)> terminal_progress(bool quiet);

// The scenario inputs every scenario command takes: an optional file and the flags of
// scenario_flags(), which override it.
class ScenarioOptions {
public:
    void add_to(CLI::App& cmd);
    // The flags only (compare takes several scenario files of its own; the flags apply to each).
    void add_flags_to(CLI::App& cmd);
    // Loads and validates; warnings are printed to stderr (and kept in `diagnostics`).
    Scenario load(const Catalog& catalog, Diagnostics& diagnostics) const;
    std::vector<Override> overrides() const;
    // The file's text, its name and the flags, as the library's commands take them.
    api::ScenarioRequest request() const { return {text(), source(), overrides()}; }
    // The scenario file's text ("" without one) and the name errors give it.
    std::string text() const;
    std::string source() const { return file_.empty() ? "flags" : file_; }

private:
    CLI::App* cmd_ = nullptr;
    std::string file_;
    std::map<std::string, std::string> values_;
};

void print_warnings(const Diagnostics& diagnostics);

// "# colossim predicts: step ..., MFU ..." above an emitted launch configuration.
std::string predicted_line(const StepResult& r);

// argv without the program name, each bare switch (--sequence-parallel, --dp-overlap,
// --dropout) not followed by on/off/true/false/yes/no/1/0 given "=on", so that a switch
// alone means on and never swallows the scenario file after it.
std::vector<std::string> with_switch_values(int argc, const char* const* argv);

// Writes `text` to the file a flag names, atomically (a temporary file renamed over it);
// one that cannot be written (not a regular file, a full disk, no such directory) is an
// OutputError: exit status 1.
void write_output_file(const std::string& path, const std::string& flag, const std::string& text);

// "INDEX:NUMBER" flag values (--slow-gpu 3:1.2): the api layer's, shared with collective.
using api::IndexAndNumber;
using api::parse_index_and_number;

// A command's own options (goodput, datacenter; the tables are api::goodput_flags() and
// api::datacenter_flags()): each flag sets one key, either of the command's options or,
// when `overrides_data`, of a data file it reads (a failure profile, a prices file). The
// library reads both, so errors name the key.
class KeyFlags {
public:
    void add_to(CLI::App& cmd, std::vector<api::OptionFlag> flags);
    std::vector<Override> options() const;    // the flags given, as {key, value}
    std::vector<Override> overrides() const;  // those with overrides_data

private:
    std::vector<Override> given(bool overrides_data) const;
    CLI::App* cmd_ = nullptr;
    std::vector<api::OptionFlag> flags_;
    std::map<std::string, std::string> values_;
};

}  // namespace colossim::cli
