// `colossim serve`: the web page and its JSON API. Every answer comes from the api layer
// (api.hpp), so the page shows the CLI's numbers and the CLI's error messages.
//
// handle_request() is the whole API as a function of (method, path, query, body): the HTTP
// server (run_server) only moves bytes, and the tests and the fuzz target call it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "colossim/catalog.hpp"

namespace colossim::server {

// What one request may ask for: bounds on the work a request can start, so that one
// client cannot hold the server for minutes.
struct Limits {
    std::size_t max_body_bytes = 1 << 20;       // request bodies above are refused (HTTP 413)
    std::int64_t max_plan_gpus = 131072;        // plan: GPU count
    std::size_t max_plan_top = 50;              // plan: plans returned
    std::size_t max_plan_refine = 3;            // plan: plans re-ranked by the event engine
    std::int64_t max_collective_gpus = 4096;    // collective: GPUs on the flow-level network
    std::size_t max_collective_sizes = 12;      // collective: sizes of a range
    std::int64_t max_simulate_gpus = 131072;    // simulate: GPUs (symmetric mode)
    std::int64_t max_simulate_full_gpus = 1024; // simulate: GPUs every one of which is simulated
    std::int64_t max_goodput_samples = 20000;   // goodput: Monte-Carlo runs
    std::int64_t max_datacenter_gpus = 1000000; // datacenter: GPUs sized
};

struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

// The page and the script it draws charts with, read once when the server starts.
struct Assets {
    std::string chart_js;  // Chart.js (Debian's libjs-chart.js); "" when not installed
};

// The API's state: the catalog, the limits, the validation table (computed once, on first
// request: it is the same for every request) and the assets. Thread-safe.
class Api {
public:
    Api(const Catalog& catalog, Limits limits, Assets assets);
    ~Api();
    Api(const Api&) = delete;
    Api& operator=(const Api&) = delete;

    // GET /, /chart.js, /api/version, /api/catalog, /api/validate, /api/show?kind=&name=;
    // POST /api/estimate, /api/explain, /api/plan, /api/compare, /api/goodput,
    // /api/datacenter, /api/collective, /api/simulate. Bodies are JSON (README "Web page" gives each).
    // Bad input: 400 with {"error", "field", "value", "valid"}, the CLI's message.
    Reply handle(const std::string& method, const std::string& path, const std::string& query,
                 const std::string& body) const;

    const Limits& limits() const { return limits_; }

private:
    struct State;
    const Catalog& catalog_;
    Limits limits_;
    Assets assets_;
    std::unique_ptr<State> state_;
};

struct ServeOptions {
    std::string host = "127.0.0.1";  // loopback unless the user says otherwise
    int port = 8080;
    unsigned threads = 8;            // requests served at once
    std::size_t queue = 64;          // accepted connections waiting for a thread; accept blocks beyond
    std::string chart_js_path = "/usr/share/javascript/chart.js/chart.min.js";
};

// Serves until stop() is called (from another thread or a signal handler's thread);
// `on_ready` is told the port actually bound (port 0 picks a free one). Returns false
// when the address cannot be bound.
class Server {
public:
    Server(const Catalog& catalog, const ServeOptions& options, Limits limits = {});
    ~Server();
    bool run(const std::function<void(int port)>& on_ready);
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Chart.js from `path`, or "" when there is no such file (the page then shows tables
// only); a path that is not a regular file of at most 16 MiB is an InputError.
Assets load_assets(const std::string& chart_js_path);

}  // namespace colossim::server
