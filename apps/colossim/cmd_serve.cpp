// `serve`: the web page and its JSON API (src/server) on a loopback port by default, until
// Ctrl-C or SIGTERM.
#include <signal.h>

#include <iostream>
#include <memory>
#include <thread>

#include "colossim/server.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {
struct ServeFlags {
    server::ServeOptions options;
};

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

int run_serve(const ServeFlags& f, const Catalog& catalog) {
    if (f.options.port < 0 || f.options.port > 65535) {
        throw InputError("--port", std::to_string(f.options.port), "0 (any free port) to 65535");
    }
    if (f.options.threads < 1 || f.options.threads > 256) {
        throw InputError("--threads", std::to_string(f.options.threads), "1 to 256 request threads");
    }
    if (!loopback(f.options.host)) {
        std::cerr << "colossim: warning: serving on " << f.options.host
                  << ": every machine that reaches this address can use the server (the default is 127.0.0.1)\n";
    }
    // SIGINT and SIGTERM are taken by one thread (sigwait), which stops the server: every
    // other thread, the server's included, starts with them blocked.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    server::Server http(catalog, f.options);
    std::thread watcher([&] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        http.stop();
    });
    const bool served = http.run([&](int port) {
        std::cout << "colossim: serving http://" << f.options.host << ":" << port << "/ (Ctrl-C stops)" << std::endl;
    });
    if (!served) kill(getpid(), SIGTERM);  // wakes the watcher
    watcher.join();
    if (!served) {
        throw InputError("--host/--port", f.options.host + ":" + std::to_string(f.options.port),
                         "an address of this machine and a port free on it (this one cannot be bound; --port 0 picks a free one)");
    }
    return 0;
}
}  // namespace

Command add_serve(CLI::App& root) {
    auto f = std::make_shared<ServeFlags>();
    auto* cmd = root.add_subcommand("serve", "the web page and its JSON API (/api/), on 127.0.0.1 by default");
    cmd->add_option("--host", f->options.host, "address to listen on (default 127.0.0.1: this machine only)");
    cmd->add_option("--port", f->options.port, "port (default 8080; 0 picks a free one and prints it)");
    cmd->add_option("--threads", f->options.threads, "requests served at once (default 8)");
    cmd->add_option("--chart-js", f->options.chart_js_path, "Chart.js file (default Debian's libjs-chart.js)");
    return {cmd, [f](const Catalog& catalog) { return run_serve(*f, catalog); }};
}

}  // namespace colossim::cli
