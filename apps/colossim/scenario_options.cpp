#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include "colossim/units_parse.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {
// A switch of scenario_flags(), by its name or its Megatron-LM alias, or of a command
// (simulate's --contention).
bool is_switch(const std::string& flag) {
    if (flag == "contention") return true;
    for (const auto& f : scenario_flags()) {
        if (f.is_switch && (flag == f.flag || (f.megatron && flag == f.megatron))) return true;
    }
    return false;
}
bool is_boolean_word(const std::string& v) { return parse_switch(v).has_value(); }
}  // namespace

bool switch_value(const std::string& flag, const std::string& value) {
    if (const auto on = parse_switch(value)) return *on;
    throw InputError(flag, value, "on or off (also true/false, yes/no, 1/0)");
}

std::vector<std::string> with_switch_values(int argc, const char* const* argv) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool bare = a.starts_with("--") && is_switch(a.substr(2));
        if (bare && (i + 1 >= argc || !is_boolean_word(argv[i + 1]))) out.push_back(a + "=on");
        else out.push_back(a);
    }
    return out;
}

void ScenarioOptions::add_to(CLI::App& cmd) {
    cmd.add_option("scenario", file_, "scenario YAML file (flags override it)");
    add_flags_to(cmd);
}

void ScenarioOptions::add_flags_to(CLI::App& cmd) {
    cmd_ = &cmd;
    for (const auto& f : scenario_flags()) {
        // One value each (a later repeat wins), so a flag never swallows the scenario file.
        // Megatron-LM's name of the same setting is an alias (--tensor-model-parallel-size).
        std::string names = std::string("--") + f.flag;
        if (f.megatron) names += std::string(",--") + f.megatron;
        auto* opt = cmd.add_option(names, values_[f.flag], f.help);
        opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        // Switches alone mean on: main() turns a bare "--dropout" into "--dropout=on".
        if (f.is_switch) opt->description(std::string(f.help) + " [flag alone: on]");
    }
}

std::vector<Override> ScenarioOptions::overrides() const {
    std::vector<Override> out;
    for (const auto& f : scenario_flags()) {
        if (cmd_->count(std::string("--") + f.flag) == 0) continue;
        out.push_back({f.key, values_.at(f.flag)});
    }
    return out;
}

std::string ScenarioOptions::text() const { return file_.empty() ? "" : read_text_file(file_, "scenario"); }

Scenario ScenarioOptions::load(const Catalog& catalog, Diagnostics& diagnostics) const {
    Scenario s = load_scenario(text(), source(), overrides(), catalog, diagnostics);
    print_warnings(diagnostics);
    return s;
}

std::string predicted_line(const StepResult& r) {
    char line[160];
    std::snprintf(line, sizeof line, "# colossim predicts: step %.3f s, MFU %.1f%%, %.1f GB a GPU (%s)\n", r.step_time.value,
                  100 * r.mfu, r.memory.total.value / 1e9, r.memory.fits ? "fits" : "does NOT fit");
    return line;
}

void print_warnings(const Diagnostics& diagnostics) {
    // A file with millions of unknown keys must not print millions of lines.
    constexpr std::size_t kShown = 20;
    const auto& all = diagnostics.warnings;
    for (std::size_t i = 0; i < std::min(all.size(), kShown); ++i) std::cerr << "colossim: warning: " << all[i] << "\n";
    if (all.size() > kShown) std::cerr << "colossim: warning: ... and " << all.size() - kShown << " more warnings\n";
}

void write_output_file(const std::string& path, const std::string& flag, const std::string& text) {
    const std::string purpose = "output file (" + flag + ")";
    // Only a regular file (or a new one) is written: opening a FIFO would wait for a reader,
    // a device or a directory is not an output file.
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        throw OutputError(purpose, path, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    }
    // Written beside it under a temporary name and renamed over it once complete, so the
    // name never holds half a file (a full disk leaves the old file, or none).
    const std::string temp = path + ".colossim-" + std::to_string(::getpid()) + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) throw OutputError(purpose, path, std::strerror(errno));
    std::size_t done = 0;
    int error = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = errno;
            break;
        }
        done += std::size_t(n);
    }
    if (!error && ::fsync(fd) != 0) error = errno;
    if (::close(fd) != 0 && !error) error = errno;
    if (!error && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
    if (error) {
        ::unlink(temp.c_str());
        throw OutputError(purpose, path, std::strerror(error));
    }
}

}  // namespace colossim::cli
