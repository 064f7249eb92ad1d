// One collective on the flow-level network, as nccl-tests measures it: every step of the
// algorithm is a set of concurrent flows on the topology; a step ends when its slowest
// flow has arrived plus one message latency. Contention between the flows of a step
// (shared NICs, leaf uplinks) is the network's max-min sharing.
//   ring:          NCCL's rings: inside one NVLink domain a single ring; across domains
//                  one channel per rail, each a ring over all members that enters every
//                  domain on its rail (2(n-1) steps of S/(n k) for an all-reduce);
//                  every link works at once
//   hierarchical:  ring inside each NVLink domain, rings across domains between members
//                  with the same local index, ring inside again — the legs in sequence
//   tree:          all-reduce only (as in NCCL): NCCL's double binary tree (Sanders,
//                  Speck, Träff 2009; NCCL 2.4). One channel per rail c (k = GPUs per
//                  domain); in channel c each domain's member c is its leader, the
//                  domain's members form a chain from it over NVLink, and the leaders
//                  form two binary trees (NCCL's btree and its mirror — a leader is
//                  interior in at most one — or, for an odd count, its shift by one),
//                  each carrying half of the channel's S/k. Reduce toward the roots and
//                  broadcast back are pipelined in chunks, so both run as one phase of
//                  concurrent flows: every chain and tree edge carries its tree's half
//                  once toward the root and once back. The flows move at 92% of the link
//                  rates (kTreeEfficiency: NCCL's tuner rates its tree at .92 of the bus
//                  bandwidth, src/graph/tuning.cc). Then the latency of the pipeline's
//                  depth: 2·depth·(network latency) + 2(k-1)·(NVLink latency), depth the
//                  trees' height, ceil(log2 domains). With 4 or more domains a leader's
//                  NIC carries 2S/k each way (a ring: 2(n-1)/n·S/k); with 2 domains only
//                  S/k, so there the simulated tree can beat the ring at large sizes.
//   automatic:     choose_algorithm: for an all-reduce the lower of the ring's and the
//                  tree's alpha-beta closed form, per size, as NCCL's tuner picks; the
//                  ring for every other kind.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "colossim/topology.hpp"
#include "colossim/workload.hpp"

namespace colossim {

// CollectiveAlgorithm and kTreeEfficiency live in cost.hpp, beside the closed form that
// every engine shares.

struct CollectiveResult {
    Seconds time;
    CollectiveAlgorithm algorithm = CollectiveAlgorithm::ring;  // the one run (auto resolved)
    double algbw = 0, busbw = 0;  // bytes/s, nccl-tests definitions (PERFORMANCE.md)
    // steps: lockstep steps of flows; for the tree, the message hops of its latency term
    std::int64_t steps = 0, flows = 0;
};

// The links a closed form sees on this topology: its NVLink and NIC rates, and the
// latency of one message inside a domain and to the next domain.
CommLinks comm_links(const Topology& topology);

// The collective over GPUs 0..n-1 of the topology; `size` as nccl-tests counts it (the
// all-reduce buffer, the all-gather output, the reduce-scatter input, the all-to-all
// buffer each rank sends). Throws InputError for the tree with a kind other than
// all-reduce.
CollectiveResult simulate_collective(Topology& topology, CollectiveKind kind, Bytes size, std::int64_t n,
                                     CollectiveAlgorithm algorithm);

// The algorithm simulate_collective runs when asked for `requested`: automatic becomes
// choose_algorithm's pick; tree for a kind other than all-reduce is an InputError
// (field --algorithm).
CollectiveAlgorithm resolve_algorithm(const Topology& topology, CollectiveKind kind, Bytes size, std::int64_t n,
                                      CollectiveAlgorithm requested);

// NCCL-like automatic choice for one size: for an all-reduce, ring or tree, whichever
// closed form (all_reduce_estimate) is lower; ring for every other kind.
CollectiveAlgorithm choose_algorithm(const Topology& topology, CollectiveKind kind, Bytes size, std::int64_t n);
// The same for a group of n with `per_domain` members in each NVLink domain (a step's
// data-parallel group: one a node when TP fills it).
CollectiveAlgorithm choose_algorithm(const Topology& topology, CollectiveKind kind, Bytes size, std::int64_t n,
                                     std::int64_t per_domain);

// The closed form (cost.hpp collective_time) of an all-reduce of `size` over GPUs
// 0..n-1 on this topology's links, by ring or tree.
Seconds all_reduce_estimate(const Topology& topology, Bytes size, std::int64_t n, CollectiveAlgorithm algorithm);
Seconds all_reduce_estimate(const Topology& topology, Bytes size, std::int64_t n, std::int64_t per_domain,
                            CollectiveAlgorithm algorithm);

// NCCL's double binary tree over `members` (GPU ids in rank order; the members of one
// NVLink domain are consecutive and chain inside it): (child, parent) edges over every
// channel (one per member of a domain) and both trees; `depth` the trees' height over
// the domains, `chain` the longest chain.
struct DoubleTree {
    std::vector<std::pair<std::int64_t, std::int64_t>> edges;
    std::int64_t channels = 1, depth = 0, chain = 1;
};
DoubleTree double_tree(const Topology& topology, const std::vector<std::int64_t>& members);
// Bytes of each tree flow (every edge, each way) for an all-reduce of `size`.
Bytes tree_flow_bytes(Bytes size, const DoubleTree& tree);
// 2 depth network latencies + 2 (chain - 1) NVLink latencies.
Seconds tree_latency(const Topology& topology, const DoubleTree& tree);

// Height of NCCL's double binary tree over `ranks` (the larger of its two trees):
// ceil(log2 ranks), 0 for one rank.
std::int64_t double_tree_depth(std::int64_t ranks);

// Flows the algorithm starts for this collective (what its simulation costs); ring
// when not given, and for the kinds the algorithm does not change.
std::int64_t collective_flows(const Topology& topology, CollectiveKind kind, std::int64_t n,
                              CollectiveAlgorithm algorithm = CollectiveAlgorithm::ring);

// NCCL's rings over `members` (GPU ids, in rank order): inside one NVLink domain a single
// ring; across domains one channel per member of the fullest domain, channel c entering
// every domain at its c-th member (modulo the members it holds; so on its rail c). Used
// by `collective` and by a step's data-parallel collectives (network_step.cpp).
std::vector<std::vector<std::int64_t>> ring_channels(const Topology& topology, const std::vector<std::int64_t>& members);

// nccl-tests' bus-bandwidth factor: 2(n-1)/n for all-reduce, (n-1)/n for the others.
double bus_factor(CollectiveKind kind, std::int64_t n);

const char* to_string(CollectiveAlgorithm a);

}  // namespace colossim
