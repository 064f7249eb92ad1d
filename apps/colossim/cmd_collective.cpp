// `collective`: one collective alone, as nccl-tests measures it, simulated on the
// cluster's flow-level network; prints time, algorithm bandwidth and bus bandwidth
// (nccl-tests' definitions) per size, beside the analytical cost model's time.
#include <iostream>
#include <memory>

#include "colossim/api.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {

struct CollectiveFlags {
    api::CollectiveRequest request;
    bool json = false;
};

}  // namespace

Command add_collective(CLI::App& root) {
    auto* cmd = root.add_subcommand("collective", "one collective on the cluster's flow-level network (as nccl-tests)");
    auto f = std::make_shared<CollectiveFlags>();
    cmd->add_option("kind", f->request.kind, "all-reduce|all-gather|reduce-scatter|all-to-all")
        ->required()
        ->check(CLI::IsMember({"all-reduce", "all-gather", "reduce-scatter", "all-to-all"}));
    cmd->add_option("--size", f->request.size, "bytes, e.g. 1GiB, or a range 1MiB..8GiB (doubling)");
    cmd->add_option("--cluster", f->request.cluster, "catalog name or file")->required();
    cmd->add_option("--gpus", f->request.gpus, "GPUs in the collective")->check(CLI::Range(2, 65536));
    cmd->add_option("--algorithm", f->request.algorithm,
                    "auto|ring|hierarchical|tree (tree: all-reduce only; auto: ring or tree by size, as NCCL)")
        ->check(CLI::IsMember({"auto", "ring", "hierarchical", "tree"}));
    cmd->add_flag("--json", f->json, "print JSON");
    cmd->add_option("--slow-nic", f->request.slow_nic, "what-if: GPU's NIC at FRACTION of its rate (GPU:FRACTION)");
    return {cmd, [f](const Catalog& catalog) {
                f->request.progress = terminal_progress(f->json);
                const api::CollectiveAnswer a = api::collective_runs(catalog, f->request);
                print_warnings(Diagnostics{a.warnings});
                std::cout << (f->json ? api::collective_json(a) + "\n" : api::collective_table(a));
                return 0;
            }};
}

}  // namespace colossim::cli
