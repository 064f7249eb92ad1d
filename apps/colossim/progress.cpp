// A progress bar on standard error for the commands that can run for seconds: drawn only
// on a terminal and never with --json (scripts and pipes see nothing), cleared when done.
#include <unistd.h>

#include <iostream>
#include <string>

#include "command.hpp"

namespace colossim::cli {

std::function<void(double)> terminal_progress(bool quiet) {
    if (quiet || !isatty(STDERR_FILENO)) return {};
    return [](double f) {
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        const int filled = int(f * 40);
        std::cerr << "\r[" << std::string(std::size_t(filled), '#') << std::string(std::size_t(40 - filled), ' ') << "] "
                  << int(f * 100) << "%" << (f >= 1.0 ? "\r" + std::string(50, ' ') + "\r" : "") << std::flush;
    };
}

}  // namespace colossim::cli
