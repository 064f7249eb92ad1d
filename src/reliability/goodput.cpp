// Expected goodput and time to train in closed form.
//
// Failures arrive at rate 1/M while the job runs. The work W is done in segments of τ
// useful seconds, each closed by a checkpoint that blocks δ; a segment runs L = τ + δ.
// A failure loses the segment so far and costs a downtime of mean D. Each attempt at a
// segment fails with probability 1 − e^{−L/M}, so a segment takes e^{L/M} − 1 failures and
// (M + D)(e^{L/M} − 1) wall seconds on average (Daly 2006, FGCS 22(3): the expected time of
// a compute segment with restart cost, failures during restart excluded).
//
// Asynchronous checkpoints: the checkpoint that opens a segment becomes durable `lag`
// seconds into it; a failure before then rolls back one segment more. With T0 the time
// from a durable start and T from a fresh, not yet durable one:
//   T = ∫₀^lag (x + D + T0 + T) dF(x) + ∫_lag^L (x + D + T0) dF(x) + L·e^{−L/M}
// whose solution is T = T0·e^{lag/M} (use (1 − e^{−L/M})(M + D) = e^{−L/M}·T0). Failures
// and running time scale by the same factor.
//
// Waiting for a repaired node: a repair-needing failure takes a node out for `repair`;
// the job restarts at once on a hot spare if one is free. Nodes in repair when a failure
// arrives are Poisson with mean μ = λ_repair · repair · (fraction of time running); with n
// of them and S spares the job waits for the (n − S + 1)-th earliest of n repairs, whose
// remaining times are uniform on [0, repair]: repair · (n − S + 1)/(n + 1) on average.
// This is exact with no spares (every such failure waits the whole repair) and with
// plenty; in between it overstates the wait, because failures come only while the job
// runs and repairs go on while it waits (Llama 3 with 5-15 spares: wall clock 10-16%
// above the Monte-Carlo simulation, which runs the queue of repairs exactly).
#include <cmath>
#include <limits>

#include "colossim/reliability.hpp"

namespace colossim {

namespace {
struct SegmentCost {
    double wall = 0, failures = 0, running = 0;
};

SegmentCost segment(double length, double m, double downtime, double lag) {
    if (!std::isfinite(m)) return {length, 0, length};
    const double grow = std::expm1(length / m) * std::exp(lag / m);
    return {(m + downtime) * grow, grow, m * grow};
}

// E[wait] for a repaired node, and the chance that any wait at all is needed.
std::pair<double, double> repair_wait(double mu, std::int64_t spares, double repair) {
    if (mu <= 0) return {spares == 0 ? repair : 0, spares == 0 ? 1 : 0};
    if (mu > 1e7) {  // Poisson this wide is its mean to within 0.1%: skip the sum
        double n = mu;
        return {n >= double(spares) ? repair * (n - double(spares) + 1) / (n + 1) : 0, n >= double(spares) ? 1 : 0};
    }
    // Terms more than 40 standard deviations from the mean are below 1e-300: skip them.
    const double spread = 40 * std::sqrt(mu + 1) + 50;
    const double lo = std::max(double(spares), std::floor(mu - spread)), hi = std::max(lo, mu) + spread;
    double wait = 0, shortfall = 0;
    for (double n = lo; n <= hi; n += 1) {
        double pn = std::exp(-mu + n * std::log(mu) - std::lgamma(n + 1));
        wait += pn * repair * (n - double(spares) + 1) / (n + 1);
        shortfall += pn;
    }
    return {wait, shortfall};
}
}  // namespace

GoodputResult expected_goodput(const RunModel& m) {
    GoodputResult g;
    const double lambda = m.failure_rate.value;
    const double mtbf = lambda > 0 ? 1 / lambda : std::numeric_limits<double>::infinity();
    g.job_mtbf = Seconds(mtbf);
    const double w = m.work.value, tau = m.interval.value, delta = m.blocking.value;
    const double full = std::floor(w / tau * (1 + 1e-12));
    const double rest = std::max(0.0, w - full * tau);
    const double planned_cost = (m.write + m.planned_restart).value;

    // The state of the run for a given fraction of wall time spent running (which sets how
    // many nodes are in repair when a failure comes).
    struct Totals {
        double wall = 0, failures = 0, running = 0, downtime = 0, shortfall = 0;
    };
    auto totals = [&](double running_fraction) {
        Totals t;
        double mu = m.failure_rate.value * m.repair_fraction * m.repair.value * running_fraction;
        auto [wait, shortfall] = repair_wait(mu, m.spares, m.repair.value);
        t.shortfall = m.repair_fraction > 0 ? shortfall : 0;
        t.downtime = m.restart.value + m.repair_fraction * wait;
        SegmentCost a = segment(tau + delta, mtbf, t.downtime, m.lag.value);
        SegmentCost b = rest > 0 ? segment(rest + delta, mtbf, t.downtime, m.lag.value) : SegmentCost{};
        t.wall = full * a.wall + b.wall;
        t.failures = full * a.failures + b.failures;
        t.running = full * a.running + b.running;
        t.wall += m.planned_rate.value * t.running * planned_cost;
        return t;
    };
    // The running fraction f is a fixed point: f = running(f) / wall(f). More running
    // means more nodes in repair, longer waits and less running, so running/wall − f falls
    // as f grows and bisection finds the one root.
    double lo = 0, hi = 1;
    for (int i = 0; i < 60; ++i) {
        double mid = (lo + hi) / 2;
        Totals t = totals(mid);
        (t.running / t.wall > mid ? lo : hi) = mid;
    }
    Totals t = totals((lo + hi) / 2);
    const double wall = t.wall, failures = t.failures, running = t.running, downtime = t.downtime;
    g.spare_shortfall = t.shortfall;
    g.mean_downtime = Seconds(downtime);
    g.interruptions_expected = failures;
    g.planned_expected = m.planned_rate.value * running;
    g.wall_clock = Seconds(wall);
    g.goodput = w / wall;
    g.goodput_first_order = 1 - delta / tau - (tau / 2 + downtime) * lambda - m.planned_rate.value * planned_cost;
    return g;
}

}  // namespace colossim
