#include "colossim/layer_ops.hpp"

#include <map>

namespace colossim {

namespace {

const char* kind_name(ComputeKind k) {
    switch (k) {
        case ComputeKind::gemm: return "gemm";
        case ComputeKind::attention: return "attention";
        case ComputeKind::memory: return "memory";
    }
    return "?";
}

// One pass's ops, merged by name in first-seen order (a backward GEMM's dgrad and wgrad
// share their forward GEMM's name).
void add_pass(std::vector<LayerOp>& out, const char* block, const char* pass, const OpList& ops, const CostModel& cost) {
    const auto& p = cost.scenario().parallelism;
    std::map<std::string, std::size_t> at;
    const auto slot = [&](const std::string& name) -> LayerOp& {
        auto [it, added] = at.emplace(name, out.size());
        if (added) {
            out.push_back(LayerOp{});
            out.back().block = block;
            out.back().pass = pass;
            out.back().name = name;
        }
        return out[it->second];
    };
    for (const auto& op : ops.compute) {
        LayerOp& o = slot(op.name);
        o.kind = kind_name(op.kind);
        o.count += 1;
        o.flops += op.flops;
        o.bytes += op.bytes;
        o.time += compute_op_time(op, cost);
        o.host += cost.host_time(op);
    }
    for (const auto& c : ops.comm) {
        LayerOp& o = slot(c.name);
        o.kind = to_string(c.kind);
        o.collective = true;
        o.count += 1;
        o.bytes += c.bytes;
        o.time += cost.collective(c);
        // pass_time's buckets: CP rings beside their attention, EP all-to-alls under
        // ep_overlap, the TP (and expert-TP) collectives TP overlap pipelines.
        o.overlapped = c.overlappable || (p.ep_overlap && c.group == CommGroup::ep) || tp_overlap_pipelines(c, p);
    }
}

}  // namespace

std::vector<LayerOp> layer_ops(const Scenario& s, const Calibration& calibration) {
    const Workload w = build_workload(s);
    const CostModel cost(s, calibration);
    std::vector<LayerOp> out;
    const auto add_block = [&](const char* block, const BlockWork& b) {
        add_pass(out, block, "forward", b.forward, cost);
        if (const OpList* r = recomputed_ops(b, s.parallelism.recompute)) add_pass(out, block, "recompute", *r, cost);
        add_pass(out, block, "backward", b.backward, cost);
    };
    if (s.model.dense_layers() > 0) add_block("dense", w.dense_layer);
    if (s.model.moe.enabled()) add_block("moe", w.moe_layer);
    return out;
}

}  // namespace colossim
