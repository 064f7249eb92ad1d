#include "colossim/collective_sim.hpp"

#include <algorithm>

namespace colossim {

namespace {

// A set of rings running in lockstep: in step s every member i of every ring sends
// `chunk` bytes to member (i + shift) mod size of its ring.
struct Phase {
    std::vector<std::vector<std::int64_t>> rings;
    std::int64_t steps = 0;
    Bytes chunk;
    bool pairwise = false;  // all-to-all: step s sends to i + s + 1 instead of i + 1
};

struct Clock {
    SimTime now = 0;
    std::int64_t steps = 0, flows = 0;
};

void run_phase(Topology& topo, const Phase& phase, Clock& clock) {
    FlowNetwork& net = topo.network();
    std::vector<std::vector<FlowNetwork::LinkId>> paths;
    std::vector<FlowNetwork::FlowId> done;
    for (std::int64_t s = 0; s < phase.steps; ++s) {
        Seconds latency(0);
        paths.clear();
        for (const auto& ring : phase.rings) {
            const std::int64_t n = std::int64_t(ring.size());
            if (n < 2) continue;
            const std::int64_t shift = phase.pairwise ? s + 1 : 1;
            for (std::int64_t i = 0; i < n; ++i) {
                const std::int64_t a = ring[std::size_t(i)], b = ring[std::size_t((i + shift) % n)];
                paths.emplace_back();
                topo.path(a, b, paths.back());
                latency = max(latency, topo.latency(a, b));
            }
        }
        net.start_flows(paths, phase.chunk, clock.now);  // the step's flows start together
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

// NCCL's rings across domains: one channel per member of a domain; channel c visits each
// domain's members starting from local index c, so it enters every domain on rail c.
std::vector<std::vector<std::int64_t>> channel_rings(const Topology& t, std::int64_t n) {
    const std::int64_t k = std::min(n, t.domain_size());
    std::vector<std::vector<std::int64_t>> rings(static_cast<std::size_t>(k));
    for (std::int64_t c = 0; c < k; ++c) {
        for (std::int64_t start = 0; start < n; start += k) {
            for (std::int64_t i = 0; i < k; ++i) rings[std::size_t(c)].push_back(start + (c + i) % k);
        }
    }
    return rings;
}

std::vector<std::vector<std::int64_t>> rail_rings(const Topology& t, std::int64_t n) {
    const std::int64_t k = std::min(n, t.domain_size());
    std::vector<std::vector<std::int64_t>> rings(static_cast<std::size_t>(k));
    for (std::int64_t g = 0; g < n; ++g) rings[std::size_t(g % t.domain_size())].push_back(g);
    return rings;
}

}  // namespace

double bus_factor(CollectiveKind kind, std::int64_t n) {
    const double f = double(n - 1) / double(n);
    return kind == CollectiveKind::all_reduce ? 2 * f : kind == CollectiveKind::send_recv ? 1.0 : f;
}

std::int64_t collective_flows(const Topology& topo, CollectiveKind kind, std::int64_t n) {
    const std::int64_t k = std::min(n, topo.domain_size());
    const std::int64_t steps = kind == CollectiveKind::all_reduce ? 2 * (n - 1) : n - 1;
    return steps * n * (n > topo.domain_size() ? k : 1);
}

CollectiveResult simulate_collective(Topology& topo, CollectiveKind kind, Bytes size, std::int64_t n,
                                     CollectiveAlgorithm algorithm) {
    CollectiveResult r;
    const bool spans_domains = n > topo.domain_size();
    if (algorithm == CollectiveAlgorithm::automatic) {
        algorithm = CollectiveAlgorithm::ring;  // NCCL's choice for large messages
    }
    r.algorithm = algorithm;
    Clock clock;
    std::vector<std::int64_t> all(static_cast<std::size_t>(n));
    for (std::int64_t g = 0; g < n; ++g) all[std::size_t(g)] = g;
    const double nd = double(n);

    if (kind == CollectiveKind::send_recv) {
        run_phase(topo, Phase{{{0, n - 1}}, 1, size, false}, clock);  // one message, first to last
        // a 2-member ring sends both ways; nccl-tests' sendrecv does too
    } else if (kind == CollectiveKind::all_to_all) {
        run_phase(topo, Phase{{all}, n - 1, size / nd, true}, clock);
    } else if (!spans_domains) {
        const std::int64_t steps = kind == CollectiveKind::all_reduce ? 2 * (n - 1) : n - 1;
        run_phase(topo, Phase{{all}, steps, size / nd, false}, clock);
    } else if (algorithm == CollectiveAlgorithm::ring) {
        const auto rings = channel_rings(topo, n);
        const std::int64_t steps = kind == CollectiveKind::all_reduce ? 2 * (n - 1) : n - 1;
        run_phase(topo, Phase{rings, steps, size / (nd * double(rings.size())), false}, clock);
    } else {
        // Hierarchical: reduce-scatter inside domains, the collective across them on every
        // rail at once with 1/k of the data, all-gather inside domains.
        const double k = double(std::min(n, topo.domain_size()));
        const double domains = nd / k;
        const auto inner = domain_rings(topo, n);
        const auto outer = rail_rings(topo, n);
        const bool reduce = kind != CollectiveKind::all_gather;
        const bool gather = kind != CollectiveKind::reduce_scatter;
        if (reduce) run_phase(topo, Phase{inner, std::int64_t(k) - 1, size / k, false}, clock);
        const std::int64_t outer_steps = std::int64_t(domains) - 1;
        run_phase(topo, Phase{outer, kind == CollectiveKind::all_reduce ? 2 * outer_steps : outer_steps,
                              size / (k * domains), false},
                  clock);
        if (gather) run_phase(topo, Phase{inner, std::int64_t(k) - 1, size / k, false}, clock);
    }
    r.time = to_seconds(clock.now);
    r.steps = clock.steps;
    r.flows = clock.flows;
    r.algbw = size.value / r.time.value;
    r.busbw = r.algbw * bus_factor(kind, n);
    return r;
}

const char* to_string(CollectiveKind k) {
    switch (k) {
        case CollectiveKind::all_reduce: return "all-reduce";
        case CollectiveKind::all_gather: return "all-gather";
        case CollectiveKind::reduce_scatter: return "reduce-scatter";
        case CollectiveKind::all_to_all: return "all-to-all";
        case CollectiveKind::send_recv: return "send-recv";
    }
    return "?";
}

const char* to_string(CollectiveAlgorithm a) {
    switch (a) {
        case CollectiveAlgorithm::automatic: return "auto";
        case CollectiveAlgorithm::ring: return "ring";
        case CollectiveAlgorithm::hierarchical: return "hierarchical";
    }
    return "?";
}

}  // namespace colossim
