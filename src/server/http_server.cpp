// The HTTP side of `colossim serve` (cpp-httplib, Debian's libcpp-httplib-dev): sockets,
// a bounded pool of request threads, and every request handed to Api::handle.
#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "colossim/server.hpp"

namespace colossim::server {

namespace {

// cpp-httplib's own ThreadPool queues without bound: a flood of connections would grow it
// (each entry holds an open socket). This one holds at most `capacity` waiting
// connections; beyond that the accepting thread waits, and the kernel's listen backlog
// is what the flood fills.
class BoundedPool : public httplib::TaskQueue {
public:
    BoundedPool(unsigned threads, std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {
        for (unsigned i = 0; i < std::max(1u, threads); ++i) workers_.emplace_back([this] { work(); });
    }
    void enqueue(std::function<void()> fn) override {
        std::unique_lock<std::mutex> lock(mutex_);
        room_.wait(lock, [&] { return jobs_.size() < capacity_ || stopping_; });
        if (stopping_) return;  // httplib is shutting down: the socket closes with the server
        jobs_.push_back(std::move(fn));
        ready_.notify_one();
    }
    void shutdown() override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        room_.notify_all();
        for (auto& t : workers_) t.join();
    }

private:
    void work() {
        for (;;) {
            std::function<void()> fn;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                ready_.wait(lock, [&] { return !jobs_.empty() || stopping_; });
                if (jobs_.empty()) return;  // stopping, nothing left
                fn = std::move(jobs_.front());
                jobs_.pop_front();
            }
            room_.notify_one();
            fn();
        }
    }
    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable ready_, room_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> workers_;
    bool stopping_ = false;
};

// The decoded query parameters as "key=value&..." for Api::handle (values are names:
// they carry no '&').
std::string query_of(const httplib::Request& req) {
    std::string q;
    for (const auto& [key, value] : req.params) q += (q.empty() ? "" : "&") + key + "=" + value;
    return q;
}

}  // namespace

Assets load_assets(const std::string& chart_js_path) {
    // Not there: the page draws tables only. There but not a regular file of at most
    // 16 MiB (a FIFO, /dev/zero, a directory): the bounded reader's InputError.
    std::error_code ec;
    if (!std::filesystem::exists(chart_js_path, ec)) return {};
    return {read_text_file(chart_js_path, "--chart-js")};
}

struct Server::Impl {
    Catalog catalog;
    ServeOptions options;
    Api api;
    httplib::Server http;
    Impl(const Catalog& c, const ServeOptions& o, Limits limits)
        : catalog(c.without_files()), options(o), api(catalog, limits, load_assets(o.chart_js_path)) {}
};

Server::Server(const Catalog& catalog, const ServeOptions& options, Limits limits)
    : impl_(std::make_unique<Impl>(catalog, options, limits)) {
    auto& http = impl_->http;
    const Api& api = impl_->api;
    const unsigned threads = options.threads;
    const std::size_t queue = options.queue;
    http.new_task_queue = [threads, queue] { return new BoundedPool(threads, queue); };
    // A body above the limit is refused by httplib before it is read whole (HTTP 413).
    http.set_payload_max_length(api.limits().max_body_bytes);
    // A reply's headers and body are two writes: without TCP_NODELAY the body waits for
    // the client's delayed ACK (40 ms on Linux) behind Nagle's algorithm.
    http.set_tcp_nodelay(true);
    // A keep-alive connection holds a request thread while it idles: a short idle time and
    // a bounded number of requests per connection let other clients in.
    http.set_keep_alive_timeout(1);
    http.set_keep_alive_max_count(5);
    http.set_read_timeout(10, 0);
    http.set_write_timeout(10, 0);
    auto answer = [&api](const httplib::Request& req, httplib::Response& res) {
        const Reply r = api.handle(req.method, req.path, query_of(req), req.body);
        res.status = r.status;
        res.set_content(r.body, r.content_type.c_str());
        res.set_header("X-Content-Type-Options", "nosniff");
    };
    http.Get(R"(/.*)", answer);
    http.Post(R"(/.*)", answer);
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (res.status == 413) res.set_content("{\"error\": \"request body too large\"}\n", "application/json");
    });
}

Server::~Server() = default;

bool Server::run(const std::function<void(int)>& on_ready) {
    auto& http = impl_->http;
    int port = impl_->options.port;
    if (port == 0) {
        port = http.bind_to_any_port(impl_->options.host);
        if (port < 0) return false;
    } else if (!http.bind_to_port(impl_->options.host, port)) {
        return false;
    }
    if (on_ready) on_ready(port);
    return http.listen_after_bind();
}

void Server::stop() { impl_->http.stop(); }

}  // namespace colossim::server
