#include "command.hpp"

namespace colossim::cli {

void KeyFlags::add_to(CLI::App& cmd, std::vector<api::OptionFlag> flags) {
    cmd_ = &cmd;
    flags_ = std::move(flags);
    for (const auto& f : flags_) cmd.add_option(std::string("--") + f.flag, values_[f.flag], f.help);
}

std::vector<Override> KeyFlags::given(bool overrides_data) const {
    std::vector<Override> out;
    for (const auto& f : flags_) {
        if (f.overrides_data != overrides_data || cmd_->count(std::string("--") + f.flag) == 0) continue;
        out.push_back({f.key, values_.at(f.flag)});
    }
    return out;
}

std::vector<Override> KeyFlags::options() const { return given(false); }
std::vector<Override> KeyFlags::overrides() const { return given(true); }

}  // namespace colossim::cli
