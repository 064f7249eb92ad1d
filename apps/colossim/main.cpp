// The colossim command line. Each subcommand is in its own cmd_*.cpp; this file builds
// the app, parses, runs the chosen command and maps errors to exit statuses:
// 0 success, 2 bad input (one message naming field, value and what is valid), 1 internal.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "colossim/errors.hpp"
#include "command.hpp"

int main(int argc, char** argv) {
    using namespace colossim;
    CLI::App app{"colossim: training time, MFU and memory of large models on GPU clusters"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("colossim ") + COLOSSIM_VERSION);
    const std::vector<cli::Command> commands = {cli::add_estimate(app), cli::add_validate(app), cli::add_list(app),
                                                cli::add_show(app),
                                                cli::add_plan(app), cli::add_sweep(app), cli::add_collective(app), cli::add_simulate(app),
                                                cli::add_goodput(app), cli::add_datacenter(app), cli::add_compare(app), cli::add_serve(app),
                                                cli::add_fleet(app)};
    try {
        std::vector<std::string> args = cli::with_switch_values(argc, argv);
        std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // A mistyped subcommand ("estimat") reaches CLI11 as an extra argument: name the
        // closest subcommand rather than only "a subcommand is required".
        std::vector<std::string> names;
        const CLI::App* sub = nullptr;
        for (const auto* c : app.get_subcommands({})) {
            names.push_back(c->get_name());
            if (argc > 1 && c->get_name() == argv[1]) sub = c;
        }
        if (argc > 1 && argv[1][0] != '-' && !sub) {
            const std::string hint = closest_name(argv[1], names);
            std::cerr << "colossim: error: " << argv[1] << " is not a subcommand"
                      << (hint.empty() ? "" : "; did you mean '" + hint + "'?") << " (colossim --help lists them)\n";
            return 2;
        }
        // A mistyped flag ("--tpp 8"): name the closest flag of that subcommand.
        if (sub) {
            std::vector<std::string> flags;
            for (const CLI::Option* o : sub->get_options()) {
                for (const auto& n : o->get_lnames()) flags.push_back("--" + n);
            }
            for (int i = 2; i < argc; ++i) {
                std::string a = argv[i];
                if (!a.starts_with("--")) continue;
                a = a.substr(0, a.find('='));
                if (std::find(flags.begin(), flags.end(), a) != flags.end()) continue;
                const std::string hint = closest_name(a, flags);
                std::cerr << "colossim: error: " << a << " is not a flag of '" << argv[1] << "'"
                          << (hint.empty() ? "" : "; did you mean " + hint + "?") << " (colossim " << argv[1]
                          << " --help lists them)\n";
                return 2;
            }
        }
        std::cerr << "colossim: error: " << e.what() << "\n";
        return 2;
    }
    try {
        const Catalog catalog = Catalog::builtin();
        for (const auto& c : commands) {
            if (!*c.app) continue;
            const int status = c.run(catalog);
            // Success only when the output was written: a full disk or a closed pipe is
            // exit 1, never 0 (nothing lost silently).
            std::cout.flush();
            if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
                std::cerr << "colossim: error: writing standard output failed (disk full, or the reader closed it)\n";
                return 1;
            }
            return status;
        }
    } catch (const InputError& e) {
        std::cerr << "colossim: error: " << e.what() << "\n";
        return 2;
    } catch (const OutputError& e) {
        std::cerr << "colossim: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "colossim: internal error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
