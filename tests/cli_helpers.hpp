// Running the colossim binary as a user does, for the CLI tests.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace colossim::test {

struct CliRun {
    int status;
    std::string out;  // stdout and stderr together
};

inline CliRun run_cli(const std::string& args) {
    std::string cmd = std::string(COLOSSIM_BINARY) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf;
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    int st = pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace colossim::test
