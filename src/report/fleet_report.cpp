// `colossim fleet` as text, JSON, CSV and a Chrome trace.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "colossim/fleet_report.hpp"
#include "colossim/units_parse.hpp"

namespace colossim {

namespace {
double hours(double s) { return s / 3600; }
double or_null_hours(double s) { return s < 0 ? -1 : s / 3600; }

nlohmann::ordered_json fleet_object(const FleetSpec& f) {
    nlohmann::ordered_json j;
    j["cluster"] = f.cluster.name;
    j["gpus"] = f.layout.gpus;
    j["nodes"] = f.layout.nodes;
    j["leaf_groups"] = f.layout.groups();
    j["pods"] = f.layout.pods();
    j["nodes_per_leaf_group"] = f.layout.nodes_per_group;
    j["nodes_per_pod"] = f.layout.nodes_per_group * f.layout.groups_per_pod;
    j["fabric_tiers"] = f.layout.tiers;
    j["days"] = f.horizon.value / kSecondsPerDay;
    j["seed"] = f.seed;
    j["replications"] = f.replications;
    j["policy"] = to_string(f.policy);
    j["placement"] = to_string(f.placement);
    j["spare_nodes"] = f.spare_nodes;
    j["failure_profile"] = f.failures ? nlohmann::ordered_json(f.failures->name) : nlohmann::ordered_json(nullptr);
    j["listed_jobs"] = f.jobs.size();
    if (f.generator) {
        j["generator"] = {{"mix", f.generator->mix.name},
                          {"jobs", f.generator->jobs},
                          {"arrivals_per_day", f.generator->arrivals_per_s * kSecondsPerDay},
                          {"mean_gpus", f.generator->mix.mean_gpus()},
                          {"mean_duration_s", f.generator->mix.mean_duration().value}};
    }
    return j;
}

// The listed jobs (not the generated or traced stream): each one's mean over replications.
struct ListedJob {
    std::string name;
    std::int64_t gpus = 0;
    double ettr = 0, wait_h = 0, jct_h = 0, interruptions = 0, preemptions = 0, step_s = 0, finished = 0, started = 0;
    int crossing = 0;
    bool split_domain = false;
    std::string plan;  // priced jobs: the parallel plan (given, or the planner's)
};

std::string plan_text(const Scenario& s) {
    const Parallelism& q = s.parallelism;
    return fmt::format("tp {} pp {} vpp {} cp {} ep {} dp {}, ZeRO-{}, recompute {}, micro-batch {}", q.tp, q.pp, q.vpp, q.cp,
                       q.ep, q.dp, q.zero, to_string(q.recompute), s.training.micro_batch);
}

std::vector<ListedJob> listed_jobs(const FleetSpec& f, const std::vector<FleetReplication>& reps) {
    std::vector<ListedJob> out;
    std::map<std::string, std::size_t> index;
    std::size_t listed = 0;
    for (const auto& j : f.jobs) {
        if (j.priced >= 0 || f.jobs.size() <= 20) ++listed;
    }
    if (listed == 0 || reps.empty()) return out;
    for (const auto& j : f.jobs) {
        if (j.priced >= 0 || f.jobs.size() <= 20) index.emplace(j.name, index.size());
    }
    out.resize(index.size());
    for (const auto& j : f.jobs) {
        auto it = index.find(j.name);
        if (it != index.end() && j.priced >= 0) out[it->second].plan = plan_text(f.priced[std::size_t(j.priced)].scenario);
    }
    const double n = double(reps.size());
    for (const auto& r : reps) {
        for (const auto& o : r.jobs) {
            auto it = index.find(o.name);
            if (it == index.end()) continue;
            ListedJob& l = out[it->second];
            l.name = o.name;
            l.gpus = o.gpus;
            l.ettr += o.ettr() / n;
            l.wait_h += (o.first_start_s >= 0 ? o.first_start_s - o.arrival_s : o.until_s - o.arrival_s) / 3600 / n;
            l.jct_h += (o.end_s >= 0 ? o.end_s - o.arrival_s : 0) / 3600 / n;
            l.interruptions += double(o.interruptions) / n;
            l.preemptions += double(o.preemptions) / n;
            l.step_s += o.step_s / n;
            l.finished += (o.end_s >= 0 ? 1.0 : 0.0) / n;
            l.started += (o.first_start_s >= 0 ? 1.0 : 0.0) / n;
            l.crossing = o.crossing;
            l.split_domain = o.split_domain;
        }
    }
    out.erase(std::remove_if(out.begin(), out.end(), [](const ListedJob& l) { return l.name.empty(); }), out.end());
    return out;
}

const char* crossing_name(int c) { return c == 0 ? "one leaf group" : c == 1 ? "one pod" : "across pods"; }
// Where a listed job ran (its first placement), or that it never started.
const char* placed_name(const ListedJob& l) { return l.started > 0 ? crossing_name(l.crossing) : "never started"; }
}  // namespace

std::string fleet_json(const FleetSpec& f, const FleetSummary& s, const std::vector<FleetReplication>& reps,
                       const std::vector<std::string>& warnings) {
    nlohmann::ordered_json j;
    j["fleet"] = fleet_object(f);
    nlohmann::ordered_json sum;
    sum["jobs"] = s.jobs;
    sum["finished"] = s.finished;
    sum["utilisation"] = s.utilisation;
    sum["down_fraction"] = s.down_fraction;
    nlohmann::ordered_json sizes = nlohmann::ordered_json::array();
    for (const auto& z : s.sizes) {
        sizes.push_back({{"gpus", z.label},
                         {"jobs", z.jobs},
                         {"finished", z.finished},
                         {"wait_h", {{"mean", z.wait_mean_h}, {"p50", z.wait_p50_h}, {"p90", z.wait_p90_h}, {"p99", z.wait_p99_h}}},
                         {"jct_h", {{"p50", z.jct_p50_h}, {"p90", z.jct_p90_h}, {"p99", z.jct_p99_h}}},
                         {"ettr", z.ettr},
                         {"interruptions", z.interruptions},
                         {"mttf_h", z.mttf_h}});
    }
    sum["sizes"] = sizes;
    sum["unlisted_jobs_wait_h"] = {{"jobs", s.unlisted_wait.jobs}, {"mean", s.unlisted_wait.mean_h}, {"p50", s.unlisted_wait.p50_h},
                                   {"p90", s.unlisted_wait.p90_h}, {"p99", s.unlisted_wait.p99_h}};
    sum["failures"] = s.failures;
    sum["interruptions"] = s.interruptions;
    sum["gpu_hours_lost"] = s.gpu_hours_lost;
    sum["checkpoint_gpu_hours"] = s.checkpoint_gpu_hours;
    sum["spares_used"] = s.spares_used;
    sum["nodes_drained"] = s.nodes_drained;
    sum["preemptions"] = s.preemptions;
    sum["requeues"] = s.requeues;
    sum["preemption_share_of_hardware_loss"] = s.preemption_share;
    j["summary"] = sum;
    nlohmann::ordered_json listed = nlohmann::ordered_json::array();
    for (const auto& l : listed_jobs(f, reps)) {
        listed.push_back({{"name", l.name},
                          {"gpus", l.gpus},
                          {"ettr", l.ettr},
                          {"wait_h", l.wait_h},
                          {"jct_h", l.jct_h},
                          {"finished", l.finished},
                          {"interruptions", l.interruptions},
                          {"preemptions", l.preemptions},
                          {"step_s", l.step_s},
                          {"placement", placed_name(l)},
                          {"plan", l.plan.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(l.plan)},
                          {"split_nvlink_domain", l.split_domain}});
    }
    j["listed_jobs"] = listed;
    nlohmann::ordered_json per = nlohmann::ordered_json::array();
    for (const auto& r : reps) {
        per.push_back({{"utilisation", r.utilisation},
                       {"down_fraction", r.down_fraction},
                       {"jobs", r.briefs.size()},
                       {"spares_used", r.spares_used},
                       {"preemptions", r.preemptions},
                       {"nodes_drained", r.nodes_drained},
                       {"events", r.events}});
    }
    j["replications"] = per;
    j["warnings"] = warnings;
    return j.dump(2);
}

std::string fleet_table(const FleetSpec& f, const FleetSummary& s, const std::vector<FleetReplication>& reps) {
    std::string out;
    out += fmt::format("fleet: {} GPUs of {} ({} nodes, {} leaf groups of {} nodes, {} pods, {}-tier fabric)\n",
                       f.layout.gpus, f.cluster.name, f.layout.nodes, f.layout.groups(), f.layout.nodes_per_group,
                       f.layout.pods(), f.layout.tiers);
    out += fmt::format("run: {:g} days, {} replication{} from seed {}, {} scheduling, {} placement, {} spare nodes, failures: {}\n",
                       f.horizon.value / kSecondsPerDay, f.replications, f.replications == 1 ? "" : "s", f.seed,
                       to_string(f.policy), to_string(f.placement), f.spare_nodes, f.failures ? f.failures->name : "off");
    if (f.generator) {
        out += fmt::format("generated jobs: up to {} from mix {} ({:.0f} a day, mean {:.2f} GPUs, mean {})\n", f.generator->jobs,
                           f.generator->mix.name, f.generator->arrivals_per_s * kSecondsPerDay,
                           f.generator->mix.mean_gpus(), format_duration(f.generator->mix.mean_duration()));
    }
    out += fmt::format("\nutilisation {:.1f}% of GPU-time allocated, {:.2f}% out of service; {} jobs, {} finished (a replication)\n",
                       100 * s.utilisation, 100 * s.down_fraction, s.jobs, s.finished);
    out += fmt::format("\n{:>11} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>6} {:>8} {:>9}\n", "GPUs", "jobs", "finished",
                       "wait P50", "wait P90", "wait P99", "JCT P50", "JCT P99", "ETTR", "interr.", "MTTF");
    for (const auto& z : s.sizes) {
        const auto jct = [&](double h) { return z.finished > 0 ? fmt::format("{:.2f}h", h) : std::string("-"); };
        out += fmt::format("{:>11} {:>8} {:>8} {:>7.2f}h {:>7.2f}h {:>7.2f}h {:>9} {:>9} {:>5.1f}% {:>8} {:>9}\n",
                           z.label, z.jobs, z.finished, z.wait_p50_h, z.wait_p90_h, z.wait_p99_h, jct(z.jct_p50_h), jct(z.jct_p99_h),
                           100 * z.ettr, z.interruptions, z.mttf_h > 0 ? fmt::format("{:.1f}h", z.mttf_h) : "-");
    }
    const auto listed = listed_jobs(f, reps);
    if (!listed.empty()) {
        out += fmt::format("\n{:<22} {:>8} {:>7} {:>9} {:>9} {:>7} {:>9} {:>8}  {}\n", "listed job", "GPUs", "ETTR", "wait",
                           "JCT", "interr.", "preempt.", "step", "placed");
        for (const auto& l : listed) {
            out += fmt::format("{:<22} {:>8} {:>6.1f}% {:>8.2f}h {:>9} {:>7.1f} {:>9.1f} {:>8}  {}{}\n", l.name, l.gpus,
                               100 * l.ettr, l.wait_h,
                               l.finished > 0 ? fmt::format("{:.1f}h", l.jct_h / l.finished) : "running", l.interruptions,
                               l.preemptions,
                               l.step_s > 0 ? fmt::format("{:.3f}s", l.step_s) : "-", placed_name(l),
                               l.split_domain ? ", NVLink domain shared" : "");
        }
        for (const auto& l : listed) {
            if (!l.plan.empty()) out += fmt::format("  {}: {}\n", l.name, l.plan);
        }
    }
    if (!s.failures.empty()) {
        std::vector<std::pair<std::string, double>> lost(s.gpu_hours_lost.begin(), s.gpu_hours_lost.end());
        std::sort(lost.begin(), lost.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        double total = 0;
        for (const auto& l : lost) total += l.second;
        out += fmt::format("\nGPU-hours lost (a replication): {:.0f} in all, {:.0f} more blocked on checkpoints\n", total,
                           s.checkpoint_gpu_hours);
        for (const auto& [cause, h] : lost) {
            const auto f_it = s.failures.find(cause);
            const auto i_it = s.interruptions.find(cause);
            out += fmt::format("  {:<26} {:>10.0f} GPU-h  {:>8} failures  {:>8} job interruptions\n", cause, h,
                               f_it == s.failures.end() ? std::string("-") : fmt::format("{:.1f}", f_it->second),
                               i_it == s.interruptions.end() ? std::string("-") : fmt::format("{:.1f}", i_it->second));
        }
        out += fmt::format("spares used {:.1f}, nodes drained {:.1f}, preemptions {:.1f}, requeues {:.1f}; preemptions are "
                           "{:.1f}% of the GPU-hours lost to hardware failures (Kokolis et al. HPCA'25 model 16% at Meta)\n",
                           s.spares_used, s.nodes_drained, s.preemptions, s.requeues, 100 * s.preemption_share);
    }
    return out;
}

std::string fleet_brief(const FleetSpec& f, const FleetSummary& s, const std::vector<FleetReplication>& reps) {
    std::string out = fmt::format("utilisation {:.1f}%, out of service {:.2f}%", 100 * s.utilisation, 100 * s.down_fraction);
    for (const auto& l : listed_jobs(f, reps)) {
        out += fmt::format("; {} ETTR {:.1f}% ({:.0f} interruptions, {:.0f} preemptions, {})", l.name, 100 * l.ettr,
                           l.interruptions, l.preemptions, placed_name(l));
    }
    const WaitSummary& w = s.unlisted_wait;
    if (w.jobs > 0) {
        out += fmt::format("; the other {} jobs wait P50 {:.2f} h, P90 {:.2f} h, P99 {:.2f} h", w.jobs, w.p50_h, w.p90_h, w.p99_h);
    }
    return out + "\n";
}

std::string fleet_timeseries_csv(const std::vector<FleetReplication>& reps) {
    std::string out = "replication,t_h,allocated_gpus,down_gpus,spare_gpus,queued_jobs,running_jobs\n";
    for (std::size_t r = 0; r < reps.size(); ++r) {
        for (const auto& s : reps[r].samples) {
            out += fmt::format("{},{:.4f},{},{},{},{},{}\n", r, hours(s.t_s), s.allocated_gpus, s.down_gpus, s.spare_gpus,
                               s.queued_jobs, s.running_jobs);
        }
    }
    return out;
}

std::string fleet_jobs_csv(const std::vector<FleetReplication>& reps) {
    std::string out =
        "replication,name,gpus,priority,arrival_h,first_start_h,end_h,wait_h,work_h,useful_h,ettr,interruptions,preemptions,"
        "crossing,split_domain,step_s\n";
    for (std::size_t r = 0; r < reps.size(); ++r) {
        for (const auto& j : reps[r].jobs) {
            const double wait = j.first_start_s >= 0 ? j.first_start_s - j.arrival_s : j.until_s - j.arrival_s;
            out += fmt::format("{},{},{},{},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{},{},{},{},{:.4f}\n", r, j.name,
                               j.gpus, j.priority, hours(j.arrival_s), or_null_hours(j.first_start_s), or_null_hours(j.end_s),
                               hours(wait), hours(j.work_s), hours(j.useful_s), j.ettr(), j.interruptions, j.preemptions,
                               j.crossing, j.split_domain ? 1 : 0, j.step_s);
        }
    }
    return out;
}

std::string fleet_trace_json(const FleetSpec& f, const FleetReplication& rep) {
    (void)f;
    nlohmann::json events = nlohmann::json::array();
    auto size_class = [](std::int64_t g) {
        return g == 1 ? 1 : g <= 8 ? 2 : g <= 64 ? 3 : g <= 512 ? 4 : g <= 4096 ? 5 : g <= 32768 ? 6 : 7;
    };
    const char* names[] = {"", "1 GPU", "2-8 GPUs", "9-64 GPUs", "65-512 GPUs", "513-4096 GPUs", "4097-32768 GPUs", ">32768 GPUs"};
    for (int p = 1; p <= 7; ++p) {
        events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", p}, {"args", {{"name", names[p]}}}});
        events.push_back({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", p}, {"args", {{"sort_index", 8 - p}}}});
    }
    std::vector<bool> named(rep.jobs.size() + 1, false);
    // Span job ids index the replication's job list in arrival order; outcomes share it.
    for (const auto& s : rep.spans) {
        if (std::size_t(s.job) >= rep.jobs.size()) continue;
        const JobOutcome& j = rep.jobs[std::size_t(s.job)];
        const int pid = size_class(j.gpus);
        if (!named[std::size_t(s.job)]) {
            named[std::size_t(s.job)] = true;
            events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", s.job},
                              {"args", {{"name", fmt::format("{} ({} GPUs)", j.name, j.gpus)}}}});
        }
        const char* kind = s.kind == 'q' ? "queued" : s.kind == 'r' ? "running" : "restarting";
        events.push_back({{"ph", "X"}, {"name", kind}, {"cat", kind}, {"pid", pid}, {"tid", s.job},
                          {"ts", s.begin_s * 1e6}, {"dur", (s.end_s - s.begin_s) * 1e6}});
    }
    return nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump();
}

}  // namespace colossim
