#include "colossim/collective_sim.hpp"

#include <algorithm>
#include <span>

#include "colossim/errors.hpp"

namespace colossim {

namespace {

// A set of rings running in lockstep: in step s every member i of every ring sends
// `chunk` bytes to member (i + shift) mod size of its ring.
struct Phase {
    std::vector<std::vector<std::int64_t>> rings;
    std::int64_t steps = 0;
    Bytes chunk;
};

struct Clock {
    SimTime now = 0;
    std::int64_t steps = 0, flows = 0;
};

// One lockstep step: the flows start together; the step ends when the last has arrived,
// plus `latency`.
void run_step(Topology& topo, std::span<const std::vector<FlowNetwork::LinkId>> paths, Bytes each, Seconds latency,
              Clock& clock) {
    FlowNetwork& net = topo.network();
    std::vector<FlowNetwork::FlowId> done;
    net.start_flows(paths, each, clock.now);  // the step's flows start together
    clock.flows += std::int64_t(paths.size());
    SimTime end = clock.now;
    for (SimTime t; (t = net.next_completion()) >= 0;) {
        done.clear();
        net.advance_to(t, done);
        end = t;
    }
    clock.now = end + to_sim_time(latency);
    ++clock.steps;
}

void run_phase(Topology& topo, const Phase& phase, Clock& clock) {
    std::vector<std::vector<FlowNetwork::LinkId>> paths;
    for (std::int64_t s = 0; s < phase.steps; ++s) {
        // NCCL pipelines chunks round the ring: a chunk's trip pays every hop's latency
        // once, so each step costs the ring's mean hop (the slowest ring's).
        Seconds latency(0);
        paths.clear();
        for (const auto& ring : phase.rings) {
            const std::int64_t n = std::int64_t(ring.size());
            if (n < 2) continue;
            Seconds hops(0);
            for (std::int64_t i = 0; i < n; ++i) {
                const std::int64_t a = ring[std::size_t(i)], b = ring[std::size_t((i + 1) % n)];
                paths.emplace_back();
                topo.path(a, b, paths.back());
                hops += topo.latency(a, b);
            }
            latency = max(latency, hops / double(n));
        }
        run_step(topo, paths, phase.chunk, latency, clock);
    }
}

// Members of the group [0, n) that share domain d, and those with local index j.
std::vector<std::vector<std::int64_t>> domain_rings(const Topology& t, std::int64_t n) {
    std::vector<std::vector<std::int64_t>> rings;
    for (std::int64_t g = 0; g < n; ++g) {
        if (g % t.domain_size() == 0) rings.emplace_back();
        rings.back().push_back(g);
    }
    return rings;
}

std::vector<std::vector<std::int64_t>> rail_rings(const Topology& t, std::int64_t n) {
    const std::int64_t k = std::min(n, t.domain_size());
    std::vector<std::vector<std::int64_t>> rings(static_cast<std::size_t>(k));
    for (std::int64_t g = 0; g < n; ++g) rings[std::size_t(g % t.domain_size())].push_back(g);
    return rings;
}

// NCCL's binary tree over ranks 0..m-1 (src/graph/trees.cc, ncclGetBtree): 0 is the
// root; a rank's parent clears its lowest set bit and sets the next one up, or only
// clears it when that is out of range. Interior ranks are even, leaves odd.
std::int64_t btree_parent(std::int64_t r, std::int64_t m) {
    if (r == 0) return -1;
    const std::int64_t bit = r & -r;
    const std::int64_t up = (r ^ bit) | (bit << 1);
    return up < m ? up : r ^ bit;
}

// Tree t of NCCL's double binary tree (ncclGetDtree): tree 0 the btree; tree 1 its mirror
// r -> m-1-r when m is even (interior ranks odd), else the btree shifted by one rank.
std::int64_t dtree_parent(int t, std::int64_t r, std::int64_t m) {
    if (t == 0) return btree_parent(r, m);
    if (m % 2 == 0) {
        const std::int64_t u = btree_parent(m - 1 - r, m);
        return u < 0 ? -1 : m - 1 - u;
    }
    const std::int64_t u = btree_parent((r - 1 + m) % m, m);
    return u < 0 ? -1 : (u + 1) % m;
}

// The tree all-reduce as one phase of concurrent flows (collective_sim.hpp): every edge
// of double_tree() carries its tree's half of the channel's share once up (reduce) and
// once down (broadcast).
void run_tree(Topology& topo, Bytes size, std::int64_t n, Clock& clock) {
    std::vector<std::int64_t> all(static_cast<std::size_t>(n));
    for (std::int64_t g = 0; g < n; ++g) all[std::size_t(g)] = g;
    const DoubleTree tree = double_tree(topo, all);
    std::vector<std::vector<FlowNetwork::LinkId>> paths;
    for (const auto& [child, parent] : tree.edges) {
        paths.emplace_back();
        topo.path(child, parent, paths.back());  // toward the root (reduce)
        paths.emplace_back();
        topo.path(parent, child, paths.back());  // back (broadcast)
    }
    run_step(topo, paths, tree_flow_bytes(size, tree), tree_latency(topo, tree), clock);
    clock.steps += 2 * tree.depth + 2 * (tree.chain - 1) - 1;  // report the latency's message hops
}

std::int64_t ring_flows(const std::vector<std::vector<std::int64_t>>& rings) {
    std::int64_t f = 0;
    for (const auto& r : rings) f += r.size() >= 2 ? std::int64_t(r.size()) : 0;
    return f;
}

}  // namespace

std::vector<std::vector<std::int64_t>> ring_channels(const Topology& t, const std::vector<std::int64_t>& members) {
    // The members' NVLink domains as runs (members come in rank order). A group at a
    // stride need not fill its domains evenly (9 at stride 16 over 72-GPU racks: 5 and 4,
    // or 4, 4 and a lone one): each channel rotates inside every run, so a run's
    // crossings spread over all of its members' NICs, and a run of m members carries
    // k/m channels on each.
    std::vector<std::vector<std::int64_t>> runs;
    for (std::int64_t g : members) {
        if (runs.empty() || !t.same_domain(runs.back().front(), g)) runs.emplace_back();
        runs.back().push_back(g);
    }
    if (runs.size() == 1) return {members};
    std::size_t k = 0;
    for (const auto& r : runs) k = std::max(k, r.size());
    std::vector<std::vector<std::int64_t>> rings(k);
    for (std::size_t c = 0; c < k; ++c) {
        for (const auto& r : runs) {
            for (std::size_t i = 0; i < r.size(); ++i) rings[c].push_back(r[(c + i) % r.size()]);
        }
    }
    return rings;
}

DoubleTree double_tree(const Topology& t, const std::vector<std::int64_t>& members) {
    // The members' NVLink domains, in order; consecutive members of one domain chain.
    std::vector<std::vector<std::int64_t>> domains;
    for (std::int64_t g : members) {
        if (domains.empty() || !t.same_domain(domains.back().front(), g)) domains.emplace_back();
        domains.back().push_back(g);
    }
    DoubleTree tree;
    const std::int64_t D = std::int64_t(domains.size());
    tree.channels = std::int64_t(domains.front().size());
    for (const auto& d : domains) tree.chain = std::max(tree.chain, std::int64_t(d.size()));
    tree.depth = double_tree_depth(D);
    auto member = [&](std::int64_t d, std::int64_t c, std::int64_t i) {  // i-th of channel c's chain in d
        const auto& m = domains[std::size_t(d)];
        return m[std::size_t((c + i) % std::int64_t(m.size()))];
    };
    for (std::int64_t c = 0; c < tree.channels; ++c) {
        for (int k = 0; k < 2; ++k) {
            for (std::int64_t d = 0; d < D; ++d) {
                const std::int64_t chain = std::int64_t(domains[std::size_t(d)].size());
                for (std::int64_t i = 1; i < chain; ++i) tree.edges.emplace_back(member(d, c, i), member(d, c, i - 1));
                const std::int64_t p = dtree_parent(k, d, D);
                if (p >= 0) tree.edges.emplace_back(member(d, c, 0), member(p, c, 0));
            }
        }
    }
    return tree;
}

Bytes tree_flow_bytes(Bytes size, const DoubleTree& tree) {
    // Pipelined: the link-rate efficiency as bytes (every flow of the phase scaled alike,
    // so max-min sharing gives the times of links at kTreeEfficiency of their rate).
    return size / (2.0 * double(tree.channels) * kTreeEfficiency);
}

Seconds tree_latency(const Topology& t, const DoubleTree& tree) {
    return t.latency(0, t.domain_size()) * (2.0 * double(tree.depth)) + t.latency(0, 0) * (2.0 * double(tree.chain - 1));
}

double bus_factor(CollectiveKind kind, std::int64_t n) {
    const double f = double(n - 1) / double(n);
    return kind == CollectiveKind::all_reduce ? 2 * f : kind == CollectiveKind::send_recv ? 1.0 : f;
}

std::int64_t double_tree_depth(std::int64_t ranks) {
    std::int64_t depth = 0;
    for (int t = 0; t < 2; ++t) {
        for (std::int64_t r = 0; r < ranks; ++r) {
            std::int64_t h = 0;
            for (std::int64_t u = r; (u = dtree_parent(t, u, ranks)) >= 0;) ++h;
            depth = std::max(depth, h);
        }
    }
    return depth;
}

std::int64_t collective_flows(const Topology& topo, CollectiveKind kind, std::int64_t n,
                              CollectiveAlgorithm algorithm) {
    const std::int64_t k = std::min(n, topo.domain_size());
    const bool spans = n > topo.domain_size();
    const bool ar = kind == CollectiveKind::all_reduce;
    // tree: 2 trees x 2 ways x k channels x (n-1) edges (chains and tree)
    if (algorithm == CollectiveAlgorithm::tree && ar) return 4 * k * (n - 1);
    if (algorithm == CollectiveAlgorithm::hierarchical && spans &&
        (ar || kind == CollectiveKind::all_gather || kind == CollectiveKind::reduce_scatter)) {
        const std::int64_t inner = ring_flows(domain_rings(topo, n)) * (k - 1) * (ar ? 2 : 1);
        const std::int64_t outer = ring_flows(rail_rings(topo, n)) * (n / k - 1) * (ar ? 2 : 1);
        return inner + outer;
    }
    if (kind == CollectiveKind::all_to_all) return n * (n - 1);  // every pair at once
    const std::int64_t steps = ar ? 2 * (n - 1) : n - 1;
    return steps * n * (spans ? k : 1);
}

Seconds all_reduce_estimate(const Topology& topo, Bytes size, std::int64_t n, CollectiveAlgorithm algorithm) {
    return all_reduce_estimate(topo, size, n, std::min(n, topo.domain_size()), algorithm);
}

Seconds all_reduce_estimate(const Topology& topo, Bytes size, std::int64_t n, std::int64_t per_domain,
                            CollectiveAlgorithm algorithm) {
    return collective_time(CollectiveKind::all_reduce, size, {n, std::max<std::int64_t>(1, per_domain)},
                           comm_links(topo), algorithm);
}

CommLinks comm_links(const Topology& topo) {
    return {topo.nvlink_rate(), topo.nic_rate(), topo.latency(0, 0), topo.latency(0, topo.domain_size())};
}

// NCCL picks its algorithm per call from a closed form, not from a measurement: its
// tuner (src/graph/tuning.cc) gives every algorithm a latency and a bus bandwidth and
// takes the lowest latency + size/bandwidth. The ring's latency grows with the GPUs
// (2(n-1) steps), the tree's with log2 of the nodes, while the tree's bandwidth is 92%
// of the ring's: small messages across many domains go to the tree, large ones to the
// ring. The same bus bandwidth for both (as NCCL's tuner) keeps the ring for large
// messages over 2 domains, where the simulated tree moves less over the NICs.
CollectiveAlgorithm choose_algorithm(const Topology& topo, CollectiveKind kind, Bytes size, std::int64_t n) {
    return choose_algorithm(topo, kind, size, n, std::min(n, topo.domain_size()));
}

CollectiveAlgorithm choose_algorithm(const Topology& topo, CollectiveKind kind, Bytes size, std::int64_t n,
                                     std::int64_t per_domain) {
    return resolve_closed_form(kind, size, {n, std::max<std::int64_t>(1, per_domain)}, comm_links(topo),
                               CollectiveAlgorithm::automatic);
}

CollectiveAlgorithm resolve_algorithm(const Topology& topo, CollectiveKind kind, Bytes size, std::int64_t n,
                                      CollectiveAlgorithm requested) {
    if (requested == CollectiveAlgorithm::tree && kind != CollectiveKind::all_reduce) {
        throw InputError("--algorithm", "tree",
                         std::string("auto, ring or hierarchical for ") + to_string(kind) +
                             " (tree is for all-reduce only, as in NCCL)");
    }
    return requested == CollectiveAlgorithm::automatic ? choose_algorithm(topo, kind, size, n) : requested;
}

CollectiveResult simulate_collective(Topology& topo, CollectiveKind kind, Bytes size, std::int64_t n,
                                     CollectiveAlgorithm algorithm) {
    CollectiveResult r;
    const bool spans_domains = n > topo.domain_size();
    algorithm = resolve_algorithm(topo, kind, size, n, algorithm);
    r.algorithm = algorithm;
    Clock clock;
    std::vector<std::int64_t> all(static_cast<std::size_t>(n));
    for (std::int64_t g = 0; g < n; ++g) all[std::size_t(g)] = g;
    const double nd = double(n);

    if (kind == CollectiveKind::send_recv) {
        run_phase(topo, Phase{{{0, n - 1}}, 1, size}, clock);  // one message, first to last
        // a 2-member ring sends both ways; nccl-tests' sendrecv does too
    } else if (kind == CollectiveKind::all_to_all) {
        // NCCL's all-to-all is grouped send/recv: every pair's message is in flight at once.
        std::vector<std::vector<FlowNetwork::LinkId>> paths;
        Seconds latency(0);
        for (std::int64_t a = 0; a < n; ++a) {
            for (std::int64_t b = 0; b < n; ++b) {
                if (a == b) continue;
                paths.emplace_back();
                topo.path(a, b, paths.back());
                latency = max(latency, topo.latency(a, b));
            }
        }
        run_step(topo, paths, size / nd, latency, clock);
    } else if (algorithm == CollectiveAlgorithm::tree) {
        run_tree(topo, size, n, clock);
    } else if (!spans_domains) {
        const std::int64_t steps = kind == CollectiveKind::all_reduce ? 2 * (n - 1) : n - 1;
        run_phase(topo, Phase{{all}, steps, size / nd}, clock);
    } else if (algorithm == CollectiveAlgorithm::ring) {
        const auto rings = ring_channels(topo, all);
        const std::int64_t steps = kind == CollectiveKind::all_reduce ? 2 * (n - 1) : n - 1;
        run_phase(topo, Phase{rings, steps, size / (nd * double(rings.size()))}, clock);
    } else {
        // Hierarchical: reduce-scatter inside domains, the collective across them on every
        // rail at once with 1/k of the data, all-gather inside domains.
        const double k = double(std::min(n, topo.domain_size()));
        const double domains = nd / k;
        const auto inner = domain_rings(topo, n);
        const auto outer = rail_rings(topo, n);
        const bool reduce = kind != CollectiveKind::all_gather;
        const bool gather = kind != CollectiveKind::reduce_scatter;
        if (reduce) run_phase(topo, Phase{inner, std::int64_t(k) - 1, size / k}, clock);
        const std::int64_t outer_steps = std::int64_t(domains) - 1;
        run_phase(topo, Phase{outer, kind == CollectiveKind::all_reduce ? 2 * outer_steps : outer_steps,
                              size / (k * domains)},
                  clock);
        if (gather) run_phase(topo, Phase{inner, std::int64_t(k) - 1, size / k}, clock);
    }
    r.time = to_seconds(clock.now);
    r.steps = clock.steps;
    r.flows = clock.flows;
    r.algbw = size.value / r.time.value;
    r.busbw = r.algbw * bus_factor(kind, n);
    return r;
}

const char* to_string(CollectiveAlgorithm a) {
    switch (a) {
        case CollectiveAlgorithm::automatic: return "auto";
        case CollectiveAlgorithm::ring: return "ring";
        case CollectiveAlgorithm::hierarchical: return "hierarchical";
        case CollectiveAlgorithm::tree: return "tree";
    }
    return "?";
}

}  // namespace colossim
