// Exhaustive search over a PlanSpace. The space is one index range, cut into chunks that
// threads take in turn; every chunk's results are kept apart and merged in index order,
// and plans are ranked by a total order, so the output is the same for any thread count.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "colossim/plan.hpp"
#include "colossim/spec.hpp"

namespace colossim {

double objective_value(PlanObjective objective, const Scenario& s, const StepResult& r) {
    const double seconds_per_token = 1.0 / r.tokens_per_s;
    switch (objective) {
        case PlanObjective::throughput: return seconds_per_token;
        case PlanObjective::time_to_train: return s.training.tokens > 0 ? r.time_to_train.value : seconds_per_token;
        case PlanObjective::cost:
            return double(s.gpus) * s.training.price_per_gpu_hour * seconds_per_token *
                   (s.training.tokens > 0 ? s.training.tokens : 1.0);
    }
    return seconds_per_token;
}

namespace {

constexpr std::int64_t kChunk = 512;
constexpr const char* kDoesNotFit = "does not fit in GPU memory";

// The plan at a position of the space: a mixed-radix number, tp the most significant digit.
void decode(const PlanSpace& sp, std::int64_t index, Scenario& s) {
    auto digit = [&](auto& list) {
        std::int64_t n = std::int64_t(list.size());
        auto v = list[std::size_t(index % n)];
        index /= n;
        return v;
    };
    auto& p = s.parallelism;
    int sequence_parallel = digit(sp.sequence_parallel);
    p.recompute = digit(sp.recompute);
    p.zero = digit(sp.zero);
    s.training.micro_batch = digit(sp.micro_batch);
    p.ep = digit(sp.ep);
    p.vpp = digit(sp.vpp);
    p.cp = digit(sp.cp);
    p.pp = digit(sp.pp);
    p.tp = digit(sp.tp);
    p.sequence_parallel = sequence_parallel < 0 ? p.tp > 1 : sequence_parallel == 1;
}

// A short, countable reason: "parallelism.tp: must divide key/value heads" — the error's
// advice up to its first figure-bearing part ("(128)", "= 16 x 1024", "; valid: ...").
std::string reason_of(const InputError& e) {
    const std::string& v = e.valid();
    std::string head = v.substr(0, v.find_first_of("(;:="));
    while (!head.empty() && (head.back() == ' ' || head.back() == ',')) head.pop_back();
    return e.field() + ": " + head;
}

// Best objective first; among equals the plan that needs less memory; then a fixed order
// of the choices, so that the ranking is total and the same on every run.
bool better(const PlanRow& a, const PlanRow& b) {
    if (a.objective != b.objective) return a.objective < b.objective;
    if (a.result.memory.total != b.result.memory.total) return a.result.memory.total < b.result.memory.total;
    const auto& x = a.parallelism;
    const auto& y = b.parallelism;
    auto key = [](const Parallelism& p, std::int64_t mb) {
        return std::tuple(p.tp, p.pp, p.cp, p.vpp, p.ep, mb, p.zero, int(p.recompute), p.sequence_parallel);
    };
    return key(x, a.micro_batch) < key(y, b.micro_batch);
}

struct ChunkResult {
    std::int64_t evaluated = 0;
    std::map<std::string, std::int64_t> rejected;
    std::vector<PlanRow> top, all;
};

void keep_top(std::vector<PlanRow>& rows, std::size_t top) {
    if (rows.size() <= top) return;
    std::nth_element(rows.begin(), rows.begin() + std::ptrdiff_t(top), rows.end(), better);
    rows.resize(top);
}

void run_chunk(const PlanSpace& space, std::int64_t begin, std::int64_t end, const PlanOptions& options,
               const Calibration& calibration, Scenario& s, ChunkResult& out) {
    const std::int64_t gpus = s.gpus;
    for (std::int64_t i = begin; i < end; ++i) {
        decode(space, i, s);
        auto& p = s.parallelism;
        const std::int64_t model_ranks = p.tp * p.pp * p.cp;
        if (gpus % model_ranks != 0) {
            ++out.rejected["gpus: not a multiple of tp*pp*cp"];
            continue;
        }
        p.dp = gpus / model_ranks;
        if (auto problem = scenario_problem(s)) {
            ++out.rejected[reason_of(*problem)];
            continue;
        }
        PlanRow row{p, s.training.micro_batch, estimate(s, calibration), 0.0};
        row.objective = objective_value(options.objective, s, row.result);
        ++out.evaluated;
        if (options.keep_all) out.all.push_back(row);
        if (!row.result.memory.fits) {
            ++out.rejected[kDoesNotFit];
            continue;
        }
        out.top.push_back(row);
        if (out.top.size() > 4 * options.top + 16) keep_top(out.top, options.top);
    }
    keep_top(out.top, options.top);
}

}  // namespace

PlanResult search_plans(const Scenario& base, const PlanSpace& space, const PlanOptions& options,
                        const Calibration& calibration) {
    const auto start = std::chrono::steady_clock::now();
    PlanResult result;
    result.gpus = base.gpus;
    result.candidates = space.size();
    const std::int64_t chunks = (result.candidates + kChunk - 1) / kChunk;
    std::vector<ChunkResult> per_chunk(static_cast<std::size_t>(chunks));
    std::atomic<std::int64_t> next{0}, done{0};

    auto worker = [&] {
        Scenario s = base;  // each thread edits its own copy's parallelism
        for (std::int64_t c; (c = next.fetch_add(1)) < chunks;) {
            std::int64_t begin = c * kChunk, end = std::min(result.candidates, begin + kChunk);
            run_chunk(space, begin, end, options, calibration, s, per_chunk[std::size_t(c)]);
            done.fetch_add(end - begin);
        }
    };
    unsigned threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = unsigned(std::min<std::int64_t>(threads, std::max<std::int64_t>(1, chunks)));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    if (options.progress && threads > 1) {
        while (done.load() < result.candidates) {
            options.progress(double(done.load()) / double(std::max<std::int64_t>(1, result.candidates)));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    } else {
        worker();
    }
    for (auto& t : pool) t.join();
    if (options.progress) options.progress(1.0);

    for (auto& c : per_chunk) {
        result.evaluated += c.evaluated;
        for (const auto& [reason, n] : c.rejected) result.rejected[reason] += n;
        result.best.insert(result.best.end(), c.top.begin(), c.top.end());
        if (options.keep_all) result.all.insert(result.all.end(), c.all.begin(), c.all.end());
    }
    std::sort(result.best.begin(), result.best.end(), better);
    if (result.best.size() > options.top) result.best.resize(options.top);
    result.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

std::vector<GpuCountResult> search_gpu_counts(const Scenario& base, const std::set<std::string>& fixed,
                                              const std::vector<std::int64_t>& gpu_counts, const PlanOptions& options,
                                              const Calibration& calibration) {
    std::vector<GpuCountResult> out;
    for (std::int64_t gpus : gpu_counts) {
        Scenario s = base;
        s.gpus = gpus;
        PlanSpace space = default_space(s, fixed);
        out.push_back({gpus, search_plans(s, space, options, calibration)});
    }
    return out;
}

std::vector<std::size_t> pareto_front(const std::vector<GpuCountResult>& results) {
    std::vector<std::size_t> front;
    auto time_of = [](const GpuCountResult& r) { return r.plans.best.front().result.time_to_train.value; };
    auto cost_of = [](const GpuCountResult& r) { return r.plans.best.front().result.cost_usd; };
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i].plans.best.empty()) continue;
        bool dominated = false;
        for (std::size_t j = 0; j < results.size() && !dominated; ++j) {
            if (j == i || results[j].plans.best.empty()) continue;
            bool no_worse = time_of(results[j]) <= time_of(results[i]) && cost_of(results[j]) <= cost_of(results[i]);
            bool better_somewhere = time_of(results[j]) < time_of(results[i]) || cost_of(results[j]) < cost_of(results[i]);
            dominated = no_worse && better_somewhere;
        }
        if (!dominated) front.push_back(i);
    }
    return front;
}

}  // namespace colossim
