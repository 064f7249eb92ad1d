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
#pragma once

#include <cstdint>
#include <string>

#include "colossim/topology.hpp"
#include "colossim/workload.hpp"

namespace colossim {

enum class CollectiveAlgorithm { automatic, ring, hierarchical };

struct CollectiveResult {
    Seconds time;
    CollectiveAlgorithm algorithm = CollectiveAlgorithm::ring;
    double algbw = 0, busbw = 0;  // bytes/s, nccl-tests definitions (PERFORMANCE.md)
    std::int64_t steps = 0, flows = 0;
};

// The collective over GPUs 0..n-1 of the topology; `size` as nccl-tests counts it (the
// all-reduce buffer, the all-gather output, the reduce-scatter input, the all-to-all
// buffer each rank sends).
CollectiveResult simulate_collective(Topology& topology, CollectiveKind kind, Bytes size, std::int64_t n,
                                     CollectiveAlgorithm algorithm);

// Flows the ring algorithm starts for this collective (what its simulation costs).
std::int64_t collective_flows(const Topology& topology, CollectiveKind kind, std::int64_t n);

// nccl-tests' bus-bandwidth factor: 2(n-1)/n for all-reduce, (n-1)/n for the others.
double bus_factor(CollectiveKind kind, std::int64_t n);

const char* to_string(CollectiveKind k);
const char* to_string(CollectiveAlgorithm a);

}  // namespace colossim
