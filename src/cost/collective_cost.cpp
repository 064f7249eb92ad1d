// The closed form of one collective (cost.hpp), shared by the analytical engine, the
// event engine's latencies and `colossim collective`'s closed-form column; NCCL's tuner
// (src/graph/tuning.cc) prices its algorithms the same way: a latency per step and a bus
// bandwidth.
#include <algorithm>
#include <cmath>

#include "colossim/cost.hpp"

namespace colossim {

namespace {
struct Shape {
    double n, k, r;  // members, members a domain, domains
    double sparse;   // the fewest members in one domain (GroupPlacement::sparsest), else k
};
Shape shape_of(GroupPlacement where) {
    const double n = double(where.size), k = double(std::max<std::int64_t>(1, where.per_domain));
    const double sparse = where.sparsest > 0 ? std::min(k, double(where.sparsest)) : k;
    return {n, k, double(where.domains()), sparse};
}

// One ring pass of (n-1)/n of the buffer: NCCL's channels keep every rail's NIC and every
// NVLink busy at once, so the slower volume sets the time. Each GPU sends its channel's
// (n-1)/n S/k over its own NIC and forwards (n-1)/n S over NVLink (the other channels'
// share and the hop to the rail's NIC, PXN). On 2 DGX A100 this is NIC-bound at 192 GB/s
// bus bandwidth, as nccl-tests measures (NVIDIA/nccl issue 812). Every channel enters and
// leaves every domain, so a domain with fewer members (g.sparse) loads their NICs more.
Seconds ring_pass(Bytes b, const Shape& g, const CommLinks& l) {
    const double f = (g.n - 1) / g.n;
    if (g.r <= 1) return Bytes(b.value * f) / l.nvlink;
    const Seconds network = Bytes(b.value * f / g.sparse) / l.network;
    const Seconds nvlink = g.k > 1 ? Bytes(b.value * f) / l.nvlink : Seconds(0);
    return max(network, nvlink);
}
// A ring step's latency: the mean hop of a ring that crosses r domains.
Seconds ring_hop(const Shape& g, const CommLinks& l) {
    if (g.r <= 1) return l.nvlink_latency;
    return (l.network_latency * g.r + l.nvlink_latency * (g.n - g.r)) / g.n;
}
// NCCL's tuner rates ring and tree with one bus bandwidth (the tree at 92% of it).
ByteRate tuner_bus(const Shape& g, const CommLinks& l) {
    if (g.r <= 1) return l.nvlink;
    return g.k > 1 ? ByteRate(std::min(l.network.value * g.k, l.nvlink.value)) : l.network;
}
// What the double binary tree moves (collective_sim.hpp): each channel's chain carries
// 2 (k-1)/k of the buffer over every GPU's NVLink; a leader sends its tree's half of the
// channel's S/k once on each tree edge it has, in both trees: 2 edges with two domains,
// at most 3 with three, 4 from four on (interior in one tree, a leaf in the other). All
// at 92% of the rates.
Seconds tree_transfer(Bytes b, const Shape& g, const CommLinks& l) {
    const Seconds nvlink = g.k > 1 ? Bytes(2 * b.value * (g.k - 1) / g.k) / l.nvlink : Seconds(0);
    Seconds network(0);
    if (g.r > 1) {
        const double edges = g.r <= 2 ? 2.0 : g.r <= 3 ? 3.0 : 4.0;
        network = Bytes(edges * b.value / (2 * g.k)) / l.network;
    }
    return max(nvlink, network) / kTreeEfficiency;
}
double passes(CollectiveKind kind) { return kind == CollectiveKind::all_reduce ? 2.0 : 1.0; }
}  // namespace

std::int64_t tree_depth(std::int64_t ranks) {
    std::int64_t d = 0;
    while ((std::int64_t(1) << d) < ranks) ++d;
    return d;
}

Seconds collective_latency(CollectiveKind kind, GroupPlacement where, const CommLinks& l,
                           CollectiveAlgorithm algorithm) {
    if (where.size <= 1) return Seconds(0);
    const Shape g = shape_of(where);
    switch (kind) {
        case CollectiveKind::all_to_all: return g.r > 1 || where.straddle_fewest > 0 ? l.network_latency : l.nvlink_latency;
        case CollectiveKind::send_recv: return g.r > 1 ? l.network_latency : l.nvlink_latency;
        default: break;
    }
    if (algorithm == CollectiveAlgorithm::automatic) algorithm = CollectiveAlgorithm::ring;
    if (algorithm == CollectiveAlgorithm::tree && kind == CollectiveKind::all_reduce) {
        return l.network_latency * (2.0 * double(tree_depth(std::int64_t(g.r)))) +
               l.nvlink_latency * (2.0 * (g.k - 1));
    }
    if (algorithm == CollectiveAlgorithm::hierarchical && g.r > 1) {
        const double inner = kind == CollectiveKind::all_reduce ? 2.0 : 1.0;
        return l.nvlink_latency * (inner * (g.k - 1)) + l.network_latency * (passes(kind) * (g.r - 1));
    }
    return ring_hop(g, l) * (passes(kind) * (g.n - 1));
}

Seconds collective_time(CollectiveKind kind, Bytes bytes, GroupPlacement where, const CommLinks& l,
                        CollectiveAlgorithm algorithm) {
    if (where.size <= 1 || bytes.value <= 0) return Seconds(0);
    const Shape g = shape_of(where);
    algorithm = resolve_closed_form(kind, bytes, where, l, algorithm);
    Seconds transfer(0);
    switch (kind) {
        case CollectiveKind::all_to_all: {
            // Each rank keeps 1/n, sends (k-1)/n over NVLink and (n-k)/n over its NIC at once;
            // a last, partly filled domain's members send the most over their NICs.
            double fewest = std::min(g.sparse, std::fmod(g.n, g.k) > 0 ? std::fmod(g.n, g.k) : g.k);
            if (where.straddle_fewest > 0) fewest = std::min(fewest, double(where.straddle_fewest));
            const bool crosses = g.r > 1 || where.straddle_fewest > 0;
            const Seconds intra = Bytes(bytes.value * (g.k - 1) / g.n) / l.nvlink;
            const Seconds inter = crosses ? Bytes(bytes.value * (g.n - fewest) / g.n) / l.network : Seconds(0);
            transfer = max(intra, inter);
            break;
        }
        case CollectiveKind::send_recv: transfer = g.r > 1 ? bytes / l.network : bytes / l.nvlink; break;
        default:
            if (algorithm == CollectiveAlgorithm::tree && kind == CollectiveKind::all_reduce) {
                transfer = tree_transfer(bytes, g, l);
            } else if (algorithm == CollectiveAlgorithm::hierarchical && g.r > 1) {
                // Inside each domain a ring over NVLink (reduce-scatter and/or all-gather),
                // across the domains one ring a rail with 1/k of the buffer.
                const double inner = kind == CollectiveKind::all_reduce ? 2.0 : 1.0;
                transfer = Bytes(bytes.value * inner * (g.k - 1) / g.k) / l.nvlink +
                           Bytes(bytes.value * passes(kind) * (g.r - 1) / g.r / g.k) / l.network;
            } else {
                transfer = ring_pass(bytes, g, l) * passes(kind);
            }
    }
    return transfer + collective_latency(kind, where, l, algorithm);
}

CollectiveAlgorithm resolve_closed_form(CollectiveKind kind, Bytes bytes, GroupPlacement where, const CommLinks& l,
                                        CollectiveAlgorithm algorithm) {
    if (algorithm != CollectiveAlgorithm::automatic) return algorithm;
    if (kind != CollectiveKind::all_reduce) return CollectiveAlgorithm::ring;
    // NCCL's tuner, not the accurate times: one bus bandwidth for both, so over two
    // domains large messages stay on the ring even where the tree would move less.
    const Shape g = shape_of(where);
    const Seconds ring = collective_time(kind, bytes, where, l, CollectiveAlgorithm::ring);
    const Seconds tree = Bytes(2 * bytes.value) / (tuner_bus(g, l) * kTreeEfficiency) +
                         collective_latency(kind, where, l, CollectiveAlgorithm::tree);
    return tree < ring ? CollectiveAlgorithm::tree : CollectiveAlgorithm::ring;
}

}  // namespace colossim
