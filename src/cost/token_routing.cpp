// How many NVLink domains a MoE token's copies reach: what a deduplicating dispatcher
// (DeepEP, HybridEP) sends across the scale-out network, once a destination domain.
#include <algorithm>

#include "colossim/cost.hpp"

namespace colossim {

namespace {

// The chance that `k` distinct experts drawn uniformly from `pool` all miss the `held` of
// them one domain holds: C(pool - held, k) / C(pool, k).
double misses_all(double pool, double held, std::int64_t k) {
    double p = 1.0;
    for (std::int64_t i = 0; i < k; ++i) {
        const double left = pool - held - double(i);
        if (left <= 0) return 0.0;
        p *= left / (pool - double(i));
    }
    return p;
}

// C(n, r) as a double (small arguments: groups of experts).
double choose(std::int64_t n, std::int64_t r) {
    if (r < 0 || r > n) return 0.0;
    double c = 1.0;
    for (std::int64_t i = 1; i <= r; ++i) c = c * double(n - r + i) / double(i);
    return c;
}

}  // namespace

double expected_domains_reached(const TokenRouting& r, std::int64_t domains) {
    if (domains <= 1 || r.top_k <= 0 || r.experts <= 0) return 1.0;
    const double n = double(domains), experts = double(r.experts), per_domain = experts / n;
    double untouched = misses_all(experts, per_domain, r.top_k);
    // Group-limited routing with whole groups in each domain: the token's group_top_k groups
    // fall on a domain hypergeometrically; its top_k experts are then drawn from the chosen
    // groups' experts. Groups spread over several domains are taken as unlimited routing.
    const bool limited = r.groups > 0 && r.group_top_k > 0 && r.group_top_k < r.groups && r.groups % domains == 0;
    if (limited) {
        const std::int64_t g = r.groups, chosen = r.group_top_k, here = g / domains;
        const double per_group = experts / double(g), pool = double(chosen) * per_group;
        untouched = 0;
        for (std::int64_t c = 0; c <= std::min(here, chosen); ++c) {
            const double p = choose(here, c) * choose(g - here, chosen - c) / choose(g, chosen);
            untouched += p * misses_all(pool, double(c) * per_group, r.top_k);
        }
    }
    return std::clamp(n * (1.0 - untouched), 1.0, std::min(n, double(r.top_k)));
}

}  // namespace colossim
