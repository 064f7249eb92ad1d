// The flows a training step can start, built once before it runs (network_step.cpp):
// each entity's P2P sends, each stage's data-parallel ring, each group's CP ring and EP
// all-to-all, as paths on the topology (full mode) or as representatives' weighted paths
// on a reduced network (symmetric mode). Private to src/sim.
#pragma once

#include <cstdint>
#include <vector>

#include "colossim/collective_sim.hpp"
#include "colossim/network_step.hpp"

namespace colossim {

// Flows as compressed rows: flow i crosses links[offset[i] .. offset[i+1]) with the
// matching weights (empty weights: one each).
struct FlowSet {
    std::vector<FlowNetwork::LinkId> links;
    std::vector<float> weights;
    std::vector<std::uint32_t> offset{0};
    std::size_t size() const { return offset.size() - 1; }
};

// Where the ranks sit: Megatron-LM's order, TP fastest, then CP, DP, PP.
struct Layout {
    std::int64_t tp, cp, dp, pp;
    std::int64_t gpu(std::int64_t t, std::int64_t c, std::int64_t d, std::int64_t st) const {
        return t + tp * (c + cp * (d + dp * st));
    }
};

// What the step is made of, in entities (groups of TP peers).
struct StepShape {
    SimMode mode = SimMode::full;
    Layout layout{1, 1, 1, 1};
    std::int64_t stages = 1;
    std::int64_t members = 1;    // entities of one stage (CP x DP)
    std::int64_t per_stage = 1;  // of which simulated: all (full) or one (symmetric)
    std::int64_t ep_group = 1, cp_group = 1;  // group sizes in entities; 1: not on the network
    bool trees = false;  // data-parallel all-reduces may run as NCCL's double binary tree
    // Expert layers re-divide a stage's tp*cp*dp ranks (Megatron-Core's folding): expert TP
    // fastest, then EP, then expert DP; the experts' gradients and gathers run over expert DP.
    // expert_tp 0: no experts (no expert-DP rings built).
    std::int64_t expert_tp = 0, expert_parallel = 1;
};

struct StepFlows {
    std::vector<FlowSet> p2p_fwd, p2p_bwd;  // per simulated entity: its TP ranks' sends
    std::vector<FlowSet> ring;              // per stage: the DP ring's flows
    std::vector<FlowSet> expert_ring;       // per stage: the expert-DP rings' flows (empty: no expert DP)
    std::int64_t expert_channels = 1;       // NCCL channels of an expert-DP ring
    std::vector<FlowSet> tree;              // per stage: the DP double binary tree's flows (both ways)
    DoubleTree tree_shape;                  // its channels, depth and chain (no edges)
    std::int64_t dp_per_domain = 1;         // DP members in one NVLink domain
    std::vector<std::vector<FlowSet>> ep, cp;  // per stage, per group
    std::int64_t channels = 1;              // NCCL channels of the DP ring
    FlowNetwork reduced;                    // symmetric mode: the links kept
    std::vector<Topology::LinkId> reduced_topology_id;  // reduced link -> topology link
};

void build_step_flows(const Topology& topo, const StepShape& shape, StepFlows& out);

}  // namespace colossim
