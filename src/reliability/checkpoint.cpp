// Checkpoint size and cost, the optimal interval, and the run model of a scenario.
#include <algorithm>
#include <cmath>

#include "colossim/reliability.hpp"
#include "colossim/units_parse.hpp"
#include "colossim/workload.hpp"

namespace colossim {

CheckpointCost checkpoint_cost(double parameters, std::int64_t gpus, std::int64_t gpus_per_node,
                               const FailureProfile& p, CheckpointMode mode) {
    CheckpointCost c;
    c.size = Bytes(parameters * kCheckpointBytesPerParameter);
    c.writers = gpus;
    const double nodes = std::ceil(double(gpus) / double(gpus_per_node));
    // Many writers share the storage system; a small job is held back by its own nodes'
    // links to storage instead.
    c.bandwidth = ByteRate(std::min(p.storage_bandwidth.value, nodes * p.node_storage_bandwidth.value));
    c.write = c.size / c.bandwidth;
    c.restore = c.size / c.bandwidth;
    c.blocking = mode == CheckpointMode::sync ? c.write : (c.size / double(gpus)) / p.host_copy_bandwidth;
    return c;
}

Seconds young_interval(Seconds blocking, Seconds mtbf) { return Seconds(std::sqrt(2 * blocking.value * mtbf.value)); }

Seconds daly_interval(Seconds blocking, Seconds mtbf) {
    const double d = blocking.value, m = mtbf.value;
    if (d >= 2 * m) return mtbf;
    const double x = d / (2 * m);
    return Seconds(std::sqrt(2 * d * m) * (1 + std::sqrt(x) / 3 + x / 9) - d);
}

RunInputs build_run_model(const Scenario& s, Seconds work, Seconds step, const FailureProfile& p,
                          const CheckpointPolicy& policy, Diagnostics& diagnostics) {
    RunInputs in;
    in.components = job_components(s.cluster, s.gpus, diagnostics);
    in.rates = job_failure_rates(p, in.components);
    in.checkpoint = checkpoint_cost(count_parameters(s.model).total, s.gpus, s.cluster.gpus_per_node, p, policy.mode);

    RunModel& m = in.model;
    m.work = work;
    m.step = step;
    m.failure_rate = in.rates.unexpected;
    m.repair_fraction = in.rates.unexpected.value > 0 ? in.rates.needs_repair / in.rates.unexpected : 0;
    m.planned_rate = in.rates.planned;
    m.blocking = in.checkpoint.blocking;
    m.lag = policy.mode == CheckpointMode::async ? in.checkpoint.write : Seconds(0);
    m.write = in.checkpoint.write;
    m.restart = p.detection + p.restart + in.checkpoint.restore;
    m.planned_restart = p.restart + in.checkpoint.restore;
    m.repair = p.repair;
    m.spares = policy.spares ? *policy.spares
                             : static_cast<std::int64_t>(std::ceil(p.spare_fraction * in.components.nodes));

    Seconds tau = policy.interval ? *policy.interval
                  : m.failure_rate.value > 0 ? daly_interval(m.blocking, mean_interval(m.failure_rate))
                                             : work;
    // Checkpoints are taken between steps: a whole number of steps, at least one.
    double steps = std::max(1.0, std::round(tau / step));
    // An asynchronous checkpoint must be durable before the next one starts.
    if (m.lag > step * steps + m.blocking) {
        if (policy.interval) {
            diagnostics.warn("checkpoint interval " + format_duration(tau) +
                             " is shorter than an asynchronous write (" + format_duration(m.lag) +
                             "); raised to the write time");
        }
        steps = std::ceil((m.lag - m.blocking) / step);
    }
    m.interval = step * steps;
    return in;
}

}  // namespace colossim
