// `collective`: one collective alone, as nccl-tests measures it, simulated on the
// cluster's flow-level network; prints time, algorithm bandwidth and bus bandwidth
// (nccl-tests' definitions) per size, beside the analytical cost model's time.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "colossim/collective_sim.hpp"
#include "colossim/units_parse.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {

struct CollectiveFlags {
    std::string kind, size = "1GiB", cluster, algorithm = "auto", slow_nic;
    std::int64_t gpus = 8;
    bool json = false;
};

std::vector<Bytes> sizes_of(const std::string& text) {
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

int run_collective(const CollectiveFlags& f, const Catalog& catalog) {
    const CollectiveKind kind = f.kind == "all-reduce"       ? CollectiveKind::all_reduce
                                : f.kind == "all-gather"     ? CollectiveKind::all_gather
                                : f.kind == "reduce-scatter" ? CollectiveKind::reduce_scatter
                                                             : CollectiveKind::all_to_all;
    const CollectiveAlgorithm algorithm = f.algorithm == "ring"           ? CollectiveAlgorithm::ring
                                          : f.algorithm == "hierarchical" ? CollectiveAlgorithm::hierarchical
                                          : f.algorithm == "tree"         ? CollectiveAlgorithm::tree
                                                                          : CollectiveAlgorithm::automatic;
    Diagnostics d;
    Scenario s;
    s.cluster = catalog.cluster(f.cluster, "--cluster", d);
    s.gpus = f.gpus;
    print_warnings(d);
    if (s.cluster.max_gpus > 0 && f.gpus > s.cluster.max_gpus) {
        throw InputError("--gpus", std::to_string(f.gpus), "at most " + std::to_string(s.cluster.max_gpus) + " on " + s.cluster.name);
    }
    const Calibration calibration = Calibration::from_catalog(catalog);
    const CostModel cost(s, calibration);
    const GroupPlacement group{f.gpus, std::min(f.gpus, std::max<std::int64_t>(1, s.cluster.nvlink_domain))};

    std::string out = f.json ? "[\n" : fmt::format("{} over {} x {} ({}), nccl-tests definitions\n{:>12} {:>12} {:>12} {:>12} {:>14} {:>12}\n",
                                                   to_string(kind), f.gpus, s.cluster.gpu.name, s.cluster.name, "size",
                                                   "time us", "algbw GB/s", "busbw GB/s", "algorithm", "closed form us");
    const auto sizes = sizes_of(f.size);
    {
        // Every flow of every step is simulated: keep a run to seconds, not hours. Each
        // size runs the algorithm resolve_algorithm gives it (auto: ring or tree by size);
        // --algorithm tree for a kind other than all-reduce is refused here, before any run.
        constexpr std::int64_t kMaxFlows = 5'000'000;  // ~15 s and ~0.4 GB here
        Topology probe(s.cluster, f.gpus, calibration);
        for (Bytes size : sizes) {
            const CollectiveAlgorithm run = resolve_algorithm(probe, kind, size, f.gpus, algorithm);
            const std::int64_t flows = collective_flows(probe, kind, f.gpus, run);
            if (flows > kMaxFlows) {
                throw InputError("--gpus", std::to_string(f.gpus),
                                 "fewer GPUs: a flow-level run of this collective (" + std::string(to_string(run)) +
                                     ", " + format_bytes(size) + ") would start " + std::to_string(flows) +
                                     " flows (at most " + std::to_string(kMaxFlows) +
                                     "); the closed form is `colossim estimate`'s");
            }
        }
    }
    std::int64_t slow_gpu = -1;
    double fraction = 1.0;
    if (!f.slow_nic.empty()) {
        const std::string valid = "GPU:FRACTION with 0 <= GPU < gpus and 0 < FRACTION <= 1, e.g. 3:0.5";
        auto v = parse_index_and_number(f.slow_nic, "--slow-nic", valid);
        slow_gpu = v.index;
        fraction = v.number;
        if (slow_gpu < 0 || slow_gpu >= f.gpus || !(fraction > 0.0) || fraction > 1.0) {
            throw InputError("--slow-nic", f.slow_nic, valid);
        }
    }
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        Topology topology(s.cluster, f.gpus, calibration);
        if (slow_gpu >= 0) topology.degrade_nic(slow_gpu, fraction);
        CollectiveResult r = simulate_collective(topology, kind, sizes[i], f.gpus, algorithm);
        // The closed form of the algorithm that ran (auto resolved per size): the formula
        // `estimate` and `plan` price the same collective with.
        const double closed = cost.collective(kind, sizes[i], group, r.algorithm).value;
        if (f.json) {
            out += fmt::format("  {{\"collective\": \"{}\", \"gpus\": {}, \"size_bytes\": {}, \"time_s\": {:.9g}, "
                               "\"algbw_gbps\": {:.6g}, \"busbw_gbps\": {:.6g}, \"algorithm\": \"{}\", \"steps\": {}, "
                               "\"closed_form_s\": {:.9g}}}{}\n",
                               to_string(kind), f.gpus, sizes[i].value, r.time.value, r.algbw / 1e9, r.busbw / 1e9,
                               to_string(r.algorithm), r.steps, closed, i + 1 < sizes.size() ? "," : "");
        } else {
            out += fmt::format("{:>12} {:>12.1f} {:>12.2f} {:>12.2f} {:>14} {:>12.1f}\n", format_bytes(sizes[i]),
                               r.time.value * 1e6, r.algbw / 1e9, r.busbw / 1e9, to_string(r.algorithm), closed * 1e6);
        }
    }
    std::cout << out << (f.json ? "]\n" : "");
    return 0;
}

}  // namespace

Command add_collective(CLI::App& root) {
    auto* cmd = root.add_subcommand("collective", "one collective on the cluster's flow-level network (as nccl-tests)");
    auto f = std::make_shared<CollectiveFlags>();
    cmd->add_option("kind", f->kind, "all-reduce|all-gather|reduce-scatter|all-to-all")
        ->required()
        ->check(CLI::IsMember({"all-reduce", "all-gather", "reduce-scatter", "all-to-all"}));
    cmd->add_option("--size", f->size, "bytes, e.g. 1GiB, or a range 1MiB..8GiB (doubling)");
    cmd->add_option("--cluster", f->cluster, "catalog name or file")->required();
    cmd->add_option("--gpus", f->gpus, "GPUs in the collective")->check(CLI::Range(2, 65536));
    cmd->add_option("--algorithm", f->algorithm,
                    "auto|ring|hierarchical|tree (tree: all-reduce only; auto: ring or tree by size, as NCCL)")
        ->check(CLI::IsMember({"auto", "ring", "hierarchical", "tree"}));
    cmd->add_flag("--json", f->json, "print JSON");
    cmd->add_option("--slow-nic", f->slow_nic, "what-if: GPU's NIC at FRACTION of its rate (GPU:FRACTION)");
    return {cmd, [f](const Catalog& catalog) { return run_collective(*f, catalog); }};
}

}  // namespace colossim::cli
