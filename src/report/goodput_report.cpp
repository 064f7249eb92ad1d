// `colossim goodput` as a table and as JSON; the failure overhead of `estimate --tokens`.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "colossim/goodput_report.hpp"
#include "colossim/units_parse.hpp"
#include "json_object.hpp"

namespace colossim {

namespace {
nlohmann::ordered_json distribution_json(const Distribution& d) {
    return {{"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99},
            {"histogram", {{"edges", d.edges}, {"counts", d.counts}}}};
}

const char* mode_name(CheckpointMode m) { return m == CheckpointMode::async ? "async" : "sync"; }

double per_day(Frequency f) { return f.value * kSecondsPerDay; }

std::string days(double seconds) { return fmt::format("{:.1f} d", seconds / kSecondsPerDay); }
}  // namespace

std::string goodput_json(const Scenario& s, const GoodputReport& g, const std::vector<std::string>& warnings) {
    const RunModel& m = g.inputs.model;
    const CheckpointCost& c = g.inputs.checkpoint;
    const ComponentCounts& n = g.inputs.components;
    nlohmann::ordered_json j;
    j["model"] = s.model.name;
    j["cluster"] = s.cluster.name;
    j["gpus"] = s.gpus;
    j["failure_profile"] = g.profile;
    j["work_s"] = m.work.value;
    j["step_time_s"] = m.step.value;
    j["components"] = {{"gpus", n.gpus}, {"nodes", n.nodes}, {"nics", n.nics}, {"links", n.links},
                       {"switches", n.switches}};
    j["failures_per_day"] = per_day(m.failure_rate);
    j["planned_per_day"] = per_day(m.planned_rate);
    j["interruptions_expected"] = g.expected.interruptions_expected;
    j["planned_interruptions_expected"] = g.expected.planned_expected;
    j["job_mtbf_s"] = g.expected.job_mtbf.value;
    j["checkpoint"] = {{"mode", mode_name(g.mode)},
                       {"size_bytes", c.size.value},
                       {"writers", c.writers},
                       {"bandwidth_bytes_per_s", c.bandwidth.value},
                       {"blocking_s", c.blocking.value},
                       {"restore_s", c.restore.value}};
    j["checkpoint_interval_s"] = m.interval.value;
    j["checkpoint_interval_steps"] = std::llround(m.interval / m.step);
    j["checkpoint_interval_auto"] = g.interval_auto;
    j["checkpoint_write_s"] = c.write.value;
    j["restart_s"] = m.restart.value;
    j["mean_downtime_s"] = g.expected.mean_downtime.value;
    j["spares"] = m.spares;
    j["spare_shortfall"] = g.expected.spare_shortfall;
    j["goodput"] = g.expected.goodput;
    j["goodput_first_order"] = g.expected.goodput_first_order;
    j["wall_clock_expected_s"] = g.expected.wall_clock.value;
    if (g.simulated.trials > 0) {
        j["wall_clock_s"] = distribution_json(g.simulated.wall_clock_s);
        j["interruptions"] = distribution_json(g.simulated.interruptions);
        j["monte_carlo"] = {{"trials", g.simulated.trials}, {"seed", g.simulated.seed}, {"goodput", g.simulated.goodput}};
        if (!g.simulated.wall_clock_samples.empty()) {
            j["samples"] = {{"wall_clock_s", g.simulated.wall_clock_samples},
                            {"interruptions", g.simulated.interruption_samples}};
        }
    } else {
        j["wall_clock_s"] = {{"mean", g.expected.wall_clock.value}, {"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr},
                             {"histogram", nullptr}};
        j["interruptions"] = nullptr;
        j["monte_carlo"] = nullptr;
    }
    auto causes = nlohmann::ordered_json::array();
    for (const auto& [name, rate] : g.inputs.rates.by_cause) causes.push_back({{"cause", name}, {"per_day", per_day(rate)}});
    j["causes"] = causes;
    j["warnings"] = warnings;
    return j.dump(2);
}

std::string goodput_table(const Scenario& s, const GoodputReport& g) {
    const RunModel& m = g.inputs.model;
    const CheckpointCost& c = g.inputs.checkpoint;
    const ComponentCounts& n = g.inputs.components;
    const GoodputResult& e = g.expected;
    std::string out;
    out += fmt::format("{} on {} x {} ({}), failure profile {}\n", s.model.name, s.gpus, s.cluster.gpu.name,
                       s.cluster.name, g.profile);
    out += fmt::format("  work         {} of training without failures (step {:.3f} s)\n", days(m.work.value),
                       m.step.value);
    out += fmt::format("  components   {:.0f} GPUs, {:.0f} nodes, {:.0f} NICs, {:.0f} links, {:.0f} switches\n\n",
                       n.gpus, n.nodes, n.nics, n.links, n.switches);
    out += fmt::format("failures       {:.2f} a day unexpected (job MTBF {}), {:.2f} a day planned\n",
                       per_day(m.failure_rate), format_duration(e.job_mtbf), per_day(m.planned_rate));
    out += fmt::format("  expected     {:.0f} unexpected and {:.0f} planned interruptions\n\n", e.interruptions_expected,
                       e.planned_expected);
    out += fmt::format("checkpoint     {} ({}), {} GPUs writing at {:.0f} GB/s\n", format_bytes(c.size),
                       mode_name(g.mode), c.writers, c.bandwidth.value / 1e9);
    out += fmt::format("  write        {}, blocking {}, restore {}\n", format_duration(c.write),
                       format_duration(c.blocking), format_duration(c.restore));
    const long long steps = std::llround(m.interval / m.step);
    out += fmt::format("  interval     {} ({} step{}{})\n", format_duration(m.interval), steps, steps == 1 ? "" : "s",
                       g.interval_auto ? ", Young/Daly optimum" : "");
    out += fmt::format("restart        {} a failure (detection + restart + restore); {} on average with waits\n",
                       format_duration(m.restart), format_duration(e.mean_downtime));
    out += fmt::format("spares         {} nodes (a repair-needing failure finds none free {:.2f}% of the time)\n\n",
                       m.spares, 100 * e.spare_shortfall);
    out += fmt::format("goodput        {:.1f}% expected (first order {:.1f}%)\n", 100 * e.goodput,
                       100 * e.goodput_first_order);
    out += fmt::format("wall clock     {} expected\n", days(e.wall_clock.value));
    if (g.simulated.trials > 0) {
        const auto& w = g.simulated.wall_clock_s;
        const auto& i = g.simulated.interruptions;
        out += fmt::format("\nMonte-Carlo, {} trials (seed {})\n", g.simulated.trials, g.simulated.seed);
        out += fmt::format("  {:<14} {:>9} {:>9} {:>9} {:>9}\n", "", "mean", "P50", "P90", "P99");
        out += fmt::format("  {:<14} {:>9} {:>9} {:>9} {:>9}\n", "wall clock", days(w.mean), days(w.p50), days(w.p90),
                           days(w.p99));
        out += fmt::format("  {:<14} {:>9.0f} {:>9.0f} {:>9.0f} {:>9.0f}\n", "interruptions", i.mean, i.p50, i.p90,
                           i.p99);
        out += fmt::format("  goodput        {:.1f}%\n", 100 * g.simulated.goodput);
    }
    return out;
}

std::string estimate_with_failures_json(const Scenario& s, const StepResult& r,
                                        const std::optional<FailureOverhead>& failures,
                                        const std::vector<std::string>& warnings) {
    nlohmann::ordered_json j = result_object(s, s.parallelism, s.training.micro_batch, r);
    if (failures) {
        j["time_to_train_with_failures_s"] = failures->time_to_train.value;
        j["goodput"] = failures->goodput;
        j["failure_profile"] = failures->profile;
    } else {
        j["time_to_train_with_failures_s"] = nullptr;
        j["goodput"] = nullptr;
        j["failure_profile"] = nullptr;
    }
    j["warnings"] = warnings;
    return j.dump(2);
}

std::string failure_overhead_table(const FailureOverhead& f) {
    return fmt::format("  with failures {} (goodput {:.1f}%, {:.0f} interruptions, profile {})\n",
                       format_duration(f.time_to_train), 100 * f.goodput, f.interruptions, f.profile);
}

}  // namespace colossim
