// The space of parallel plans, as lists of values per choice.
#include <algorithm>

#include "colossim/plan.hpp"
#include "colossim/spec.hpp"

namespace colossim {

std::int64_t PlanSpace::size() const {
    return std::int64_t(tp.size() * pp.size() * cp.size() * vpp.size() * ep.size() * micro_batch.size() * zero.size() *
                        recompute.size() * sequence_parallel.size());
}

namespace {
std::vector<std::int64_t> powers_of_two_upto(std::int64_t limit) {
    std::vector<std::int64_t> out;
    for (std::int64_t v = 1; v <= limit; v *= 2) out.push_back(v);
    return out;
}

std::vector<std::int64_t> divisors_upto(std::int64_t n, std::int64_t limit) {
    std::vector<std::int64_t> out = divisors(n);
    out.erase(std::upper_bound(out.begin(), out.end(), limit), out.end());
    return out;
}
}  // namespace

PlanSpace default_space(const Scenario& s, const std::set<std::string>& fixed) {
    const auto& m = s.model;
    const auto& p = s.parallelism;
    auto given = [&](const char* key) { return fixed.count(key) > 0; };
    PlanSpace space;
    space.tp = given("parallelism.tp") ? std::vector<std::int64_t>{p.tp} : powers_of_two_upto(std::min<std::int64_t>(64, m.heads));
    space.pp = given("parallelism.pp") ? std::vector<std::int64_t>{p.pp} : divisors_upto(s.gpus, m.layers);
    if (given("parallelism.cp")) {
        space.cp = {p.cp};
    } else {
        space.cp = powers_of_two_upto(std::max<std::int64_t>(1, std::min<std::int64_t>(32, s.training.seq_len / 2048)));
    }
    space.vpp = given("parallelism.vpp") ? std::vector<std::int64_t>{p.vpp} : std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8};
    if (given("parallelism.ep")) space.ep = {p.ep};
    else space.ep = m.moe.enabled() ? divisors_upto(m.moe.experts, m.moe.experts) : std::vector<std::int64_t>{1};
    space.micro_batch = given("training.micro_batch") ? std::vector<std::int64_t>{s.training.micro_batch}
                                                      : powers_of_two_upto(16);
    space.zero = given("parallelism.zero") ? std::vector<int>{p.zero} : std::vector<int>{0, 1, 2, 3};
    // A number of recomputed layers only means something under full recomputation.
    space.recompute = given("parallelism.recompute")          ? std::vector<Recompute>{p.recompute}
                      : given("parallelism.recompute_layers") ? std::vector<Recompute>{Recompute::full}
                                                              : std::vector<Recompute>{Recompute::none, Recompute::selective,
                                                                                       Recompute::full};
    space.sequence_parallel = given("parallelism.sequence_parallel") ? std::vector<int>{p.sequence_parallel ? 1 : 0}
                                                                     : std::vector<int>{-1};
    return space;
}

std::vector<std::int64_t> gpu_count_ladder(std::int64_t lo, std::int64_t hi) {
    std::vector<std::int64_t> out;
    for (std::int64_t p = 1; p <= hi; p *= 2) {
        for (std::int64_t v : {p, p + p / 2}) {
            if (v >= lo && v <= hi && (out.empty() || out.back() != v)) out.push_back(v);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

const char* to_string(PlanObjective o) {
    switch (o) {
        case PlanObjective::throughput: return "throughput";
        case PlanObjective::time_to_train: return "time";
        case PlanObjective::cost: return "cost";
    }
    return "?";
}

}  // namespace colossim
