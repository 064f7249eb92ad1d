// `collective` as a library call: one collective alone, as nccl-tests measures it, on the
// cluster's flow-level network, beside the closed form `estimate` prices it with. Shared
// by the CLI and the Python module.
#include <fmt/format.h>

#include <initializer_list>

#include "colossim/api.hpp"
#include "colossim/collective_sim.hpp"
#include "colossim/cost.hpp"
#include "colossim/units_parse.hpp"

namespace colossim::api {

std::vector<Bytes> collective_sizes(const std::string& text) {
    auto dots = text.find("..");
    auto one = [](const std::string& t) {
        auto b = parse_bytes(t);
        if (!b || b->value < 1 || b->value > 1e12) {
            throw InputError("--size", t, "a size from 1 B to 1 TB, e.g. 1GiB, or a range 1MiB..8GiB");
        }
        return *b;
    };
    if (dots == std::string::npos) return {one(text)};
    Bytes lo = one(text.substr(0, dots)), hi = one(text.substr(dots + 2));
    if (hi < lo) throw InputError("--size", text, "a range LOW..HIGH with LOW <= HIGH");
    std::vector<Bytes> out;
    for (Bytes b = lo; b <= hi; b = b * 2.0) out.push_back(b);
    return out;
}

namespace {

// One of `choices`, read by the name to_string gives it; anything else is an InputError on
// `field` listing them ("a, b or c").
template <class E>
E parse_choice(const std::string& text, std::initializer_list<E> choices, const char* field) {
    const E* all = choices.begin();
    std::string valid;
    for (std::size_t i = 0; i < choices.size(); ++i) {
        if (text == to_string(all[i])) return all[i];
        valid += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + std::string(to_string(all[i]));
    }
    throw InputError(field, text, valid);
}

CollectiveKind parse_kind(const std::string& k) {
    using K = CollectiveKind;
    return parse_choice(k, {K::all_reduce, K::all_gather, K::reduce_scatter, K::all_to_all}, "kind");
}

CollectiveAlgorithm parse_algorithm(const std::string& a) {
    using A = CollectiveAlgorithm;
    return parse_choice(a, {A::automatic, A::ring, A::hierarchical, A::tree}, "--algorithm");
}

}  // namespace

CollectiveAnswer collective_runs(const Catalog& catalog, const CollectiveRequest& request) {
    const CollectiveKind kind = parse_kind(request.kind);
    const CollectiveAlgorithm algorithm = parse_algorithm(request.algorithm);
    if (request.gpus < 2 || request.gpus > 65536) {
        throw InputError("--gpus", std::to_string(request.gpus), "2 to 65,536 GPUs in the collective");
    }
    Diagnostics d;
    Scenario s;
    s.cluster = catalog.cluster(request.cluster, "--cluster", d);
    s.gpus = request.gpus;
    warn_if_beyond_largest_build(s.cluster, s.gpus, d);
    const Calibration calibration = Calibration::from_catalog(catalog);
    const CostModel cost(s, calibration);
    const GroupPlacement group = place_group(s.gpus, 1, std::max<std::int64_t>(1, s.cluster.nvlink_domain), s.gpus);
    CollectiveAnswer a;
    a.kind = kind;
    a.cluster = s.cluster.name;
    a.gpu = s.cluster.gpu.name;
    a.gpus = s.gpus;
    const auto sizes = collective_sizes(request.size);
    {
        // Every flow of every step is simulated: keep a run to seconds, not hours. Each
        // size runs the algorithm resolve_algorithm gives it (auto: ring or tree by size);
        // --algorithm tree for a kind other than all-reduce is refused here, before any run.
        constexpr std::int64_t kMaxFlows = 5'000'000;  // ~15 s and ~0.4 GB on these machines
        constexpr std::int64_t kMaxTotalFlows = 10'000'000;  // every size together: ~30 s
        Topology probe(s.cluster, s.gpus, calibration);
        std::int64_t total = 0;
        for (Bytes size : sizes) {
            const CollectiveAlgorithm run = resolve_algorithm(probe, kind, size, s.gpus, algorithm);
            const std::int64_t flows = collective_flows(probe, kind, s.gpus, run);
            total += flows;
            if (flows <= kMaxFlows && total > kMaxTotalFlows) {
                throw InputError("--size", request.size,
                                 "fewer sizes (or GPUs): the " + std::to_string(sizes.size()) +
                                     " sizes would start over " + std::to_string(kMaxTotalFlows) +
                                     " flows together on " + std::to_string(s.gpus) + " GPUs (about 30 s); split the range");
            }
            if (flows > kMaxFlows) {
                throw InputError("--gpus", std::to_string(s.gpus),
                                 "fewer GPUs: a flow-level run of this collective (" + std::string(to_string(run)) + ", " +
                                     format_bytes(size) + ") would start " + std::to_string(flows) + " flows (at most " +
                                     std::to_string(kMaxFlows) + "); the closed form is `colossim estimate`'s");
            }
        }
    }
    std::int64_t slow_gpu = -1;
    double fraction = 1.0;
    if (!request.slow_nic.empty()) {
        const std::string valid = "GPU:FRACTION with 0 <= GPU < gpus and 0 < FRACTION <= 1, e.g. 3:0.5";
        const IndexAndNumber v = parse_index_and_number(request.slow_nic, "--slow-nic", valid);
        slow_gpu = v.index;
        fraction = v.number;
        if (slow_gpu < 0 || slow_gpu >= s.gpus || !(fraction > 0.0) || fraction > 1.0) {
            throw InputError("--slow-nic", request.slow_nic, valid);
        }
    }
    for (Bytes size : sizes) {
        Topology topology(s.cluster, s.gpus, calibration);
        if (slow_gpu >= 0) topology.degrade_nic(slow_gpu, fraction);
        const CollectiveResult r = simulate_collective(topology, kind, size, s.gpus, algorithm);
        // The closed form of the algorithm that ran: the formula estimate and plan price it with.
        a.runs.push_back({size, r, cost.collective(kind, size, group, r.algorithm)});
        if (request.progress) request.progress(double(a.runs.size()) / double(sizes.size()));
    }
    a.warnings = std::move(d.warnings);
    return a;
}

std::string collective_json(const CollectiveAnswer& a) {
    std::string out = "[\n";
    for (std::size_t i = 0; i < a.runs.size(); ++i) {
        const auto& [size, r, closed] = a.runs[i];
        out += fmt::format("  {{\"collective\": \"{}\", \"gpus\": {}, \"size_bytes\": {}, \"time_s\": {:.9g}, "
                           "\"algbw_gbps\": {:.6g}, \"busbw_gbps\": {:.6g}, \"algorithm\": \"{}\", \"steps\": {}, "
                           "\"closed_form_s\": {:.9g}}}{}\n",
                           to_string(a.kind), a.gpus, size.value, r.time.value, r.algbw / 1e9, r.busbw / 1e9,
                           to_string(r.algorithm), r.steps, closed.value, i + 1 < a.runs.size() ? "," : "");
    }
    return out + "]";
}

std::string collective_table(const CollectiveAnswer& a) {
    std::string out = fmt::format("{} over {} x {} ({}), nccl-tests definitions\n{:>12} {:>12} {:>12} {:>12} {:>14} {:>12}\n",
                                  to_string(a.kind), a.gpus, a.gpu, a.cluster, "size", "time us", "algbw GB/s",
                                  "busbw GB/s", "algorithm", "closed form us");
    for (const auto& [size, r, closed] : a.runs) {
        out += fmt::format("{:>12} {:>12.1f} {:>12.2f} {:>12.2f} {:>14} {:>12.1f}\n", format_bytes(size), r.time.value * 1e6,
                           r.algbw / 1e9, r.busbw / 1e9, to_string(r.algorithm), closed.value * 1e6);
    }
    return out;
}

Answer collective(const Catalog& catalog, const CollectiveRequest& request) {
    CollectiveAnswer a = collective_runs(catalog, request);
    return {collective_json(a), a.warnings};
}

}  // namespace colossim::api
