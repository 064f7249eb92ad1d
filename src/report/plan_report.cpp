#include <fmt/format.h>

#include "colossim/plan_report.hpp"
#include "colossim/units_parse.hpp"
#include "json_object.hpp"

namespace colossim {

namespace {

std::string plan_label(const Parallelism& p, std::int64_t mb) {
    return fmt::format("{:>3} {:>3} {:>3} {:>5} {:>3} {:>3} {:>4} {:<9} {:>3} {:>3}", p.tp, p.pp, p.vpp, p.dp, p.cp,
                       p.ep, p.zero, to_string(p.recompute), p.sequence_parallel ? "on" : "off", mb);
}

// The largest part of the step besides compute: what limits this plan.
std::pair<const char*, double> largest_overhead(const StepResult& r) {
    const auto& b = r.breakdown;
    const std::pair<const char*, Seconds> parts[] = {{"pipeline bubble", b.bubble}, {"TP communication", b.tp_comm},
                                                     {"DP communication", b.dp_comm}, {"PP communication", b.pp_comm},
                                                     {"CP communication", b.cp_comm}, {"EP communication", b.ep_comm},
                                                     {"optimizer step", b.optimizer}, {"host (CPU) issue", b.host}};
    const auto* best = &parts[0];
    for (const auto& p : parts) {
        if (p.second > best->second) best = &p;
    }
    return {best->first, best->second.value / r.step_time.value};
}

// The reason that turned away most plans, for a count where none was left.
std::string main_rejection(const PlanResult& r) {
    const std::pair<const std::string, std::int64_t>* top = nullptr;
    for (const auto& entry : r.rejected) {
        if (!top || entry.second > top->second) top = &entry;
    }
    return top ? fmt::format("{} ({} of {} plans)", top->first, top->second, r.candidates) : "empty plan space";
}

}  // namespace

std::string plan_table(const Scenario& base, const PlanResult& r, PlanObjective objective) {
    std::string out = fmt::format("{} on {} x {} ({}), seq {} x global batch {}\n", base.model.name, r.gpus,
                                  base.cluster.gpu.name, base.cluster.name, base.training.seq_len,
                                  base.training.global_batch);
    out += fmt::format("{} plans in the space, {} estimated in {:.3f} s; ranked by {}\n", r.candidates, r.evaluated,
                       r.elapsed_s, to_string(objective));
    std::int64_t rejected = 0;
    for (const auto& [reason, n] : r.rejected) rejected += n;
    out += fmt::format("rejected {}:\n", rejected);
    for (const auto& [reason, n] : r.rejected) out += fmt::format("  {:>9}  {}\n", n, reason);
    if (r.best.empty()) return out + "\nno plan fits: " + main_rejection(r) + "\n";
    out += fmt::format("\n{:>4}  {:>3} {:>3} {:>3} {:>5} {:>3} {:>3} {:>4} {:<9} {:>3} {:>3}  {:>9} {:>6} {:>10} {:>8}\n",
                       "rank", "tp", "pp", "vpp", "dp", "cp", "ep", "zero", "recompute", "sp", "mb", "step s", "MFU",
                       "tokens/s", "mem GB");
    for (std::size_t i = 0; i < r.best.size(); ++i) {
        const auto& row = r.best[i];
        out += fmt::format("{:>4}  {}  {:>9.3f} {:>5.1f}% {:>10.4g} {:>8.1f}\n", i + 1,
                           plan_label(row.parallelism, row.micro_batch), row.result.step_time.value,
                           100 * row.result.mfu, row.result.tokens_per_s, row.result.memory.total.value / 1e9);
    }
    const auto& win = r.best.front().result;
    auto [what, share] = largest_overhead(win);
    out += fmt::format("\nbest plan: compute {:.0f}% of the step; the largest overhead is the {} ({:.1f}%); memory "
                       "{:.1f} of {:.0f} GB\n",
                       100 * win.breakdown.compute.value / win.step_time.value, what, 100 * share,
                       win.memory.total.value / 1e9, win.memory.capacity.value / 1e9);
    if (base.training.tokens > 0) {
        out += fmt::format("training {} tokens: {}, ${:.4g}\n", format_count(base.training.tokens),
                           format_duration(win.time_to_train), win.cost_usd);
    }
    return out;
}

std::string plan_json(const Scenario& base, const PlanResult& r, PlanObjective objective) {
    nlohmann::ordered_json j;
    j["objective"] = to_string(objective);
    j["gpus"] = r.gpus;
    j["candidates"] = r.candidates;
    j["evaluated"] = r.evaluated;
    j["elapsed_s"] = r.elapsed_s;
    j["rejected"] = nlohmann::ordered_json::object();
    for (const auto& [reason, n] : r.rejected) j["rejected"][reason] = n;
    j["plans"] = nlohmann::ordered_json::array();
    Scenario s = base;
    s.gpus = r.gpus;
    for (const auto& row : r.best) j["plans"].push_back(result_object(s, row.parallelism, row.micro_batch, row.result));
    return j.dump(2);
}

std::string gpu_counts_table(const Scenario& base, const std::vector<GpuCountResult>& results,
                             const std::vector<std::size_t>& front, double deadline_s) {
    std::string out = fmt::format("{} on {} ({}), {} tokens: the best plan at each GPU count\n", base.model.name,
                                  base.cluster.gpu.name, base.cluster.name, format_count(base.training.tokens));
    out += fmt::format("{:>8}  {:>3} {:>3} {:>3} {:>5} {:>3} {:>3} {:>4} {:<9} {:>3} {:>3}  {:>6} {:>12} {:>12}  {}\n",
                       "gpus", "tp", "pp", "vpp", "dp", "cp", "ep", "zero", "recompute", "sp", "mb", "MFU", "time",
                       "cost $", deadline_s > 0 ? "deadline" : "pareto");
    std::int64_t fewest = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& g = results[i];
        if (g.plans.best.empty()) {
            out += fmt::format("{:>8}  no plan fits: {}\n", g.gpus, main_rejection(g.plans));
            continue;
        }
        const auto& row = g.plans.best.front();
        bool on_front = std::find(front.begin(), front.end(), i) != front.end();
        bool meets = deadline_s > 0 && row.result.time_to_train.value <= deadline_s;
        if (meets && fewest == 0) fewest = g.gpus;
        out += fmt::format("{:>8}  {}  {:>5.1f}% {:>12} {:>12.4g}  {}\n", g.gpus, plan_label(row.parallelism, row.micro_batch),
                           100 * row.result.mfu, format_duration(row.result.time_to_train), row.result.cost_usd,
                           deadline_s > 0 ? (meets ? "meets" : "") : (on_front ? "*" : ""));
    }
    if (deadline_s > 0) {
        out += fewest > 0 ? fmt::format("\nfewest GPUs that meet the {} deadline: {}\n", format_duration(Seconds(deadline_s)), fewest)
                          : fmt::format("\nno GPU count tried meets the {} deadline\n", format_duration(Seconds(deadline_s)));
    } else {
        out += "\n* on the Pareto front of time against cost\n";
    }
    return out;
}

std::string gpu_counts_json(const Scenario& base, const std::vector<GpuCountResult>& results,
                            const std::vector<std::size_t>& front, double deadline_s) {
    nlohmann::ordered_json j;
    j["counts"] = nlohmann::ordered_json::array();
    std::int64_t fewest = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& g = results[i];
        nlohmann::ordered_json c;
        c["gpus"] = g.gpus;
        c["evaluated"] = g.plans.evaluated;
        c["pareto"] = std::find(front.begin(), front.end(), i) != front.end();
        if (!g.plans.best.empty()) {
            Scenario s = base;
            s.gpus = g.gpus;
            const auto& row = g.plans.best.front();
            c["best"] = result_object(s, row.parallelism, row.micro_batch, row.result);
            if (deadline_s > 0 && fewest == 0 && row.result.time_to_train.value <= deadline_s) fewest = g.gpus;
        } else {
            c["best"] = nullptr;
        }
        j["counts"].push_back(c);
    }
    if (deadline_s > 0) {
        j["deadline_s"] = deadline_s;
        j["fewest_gpus"] = fewest > 0 ? nlohmann::ordered_json(fewest) : nlohmann::ordered_json(nullptr);
    }
    return j.dump(2);
}

std::string sweep_table(const std::vector<SweepEntry>& entries) {
    std::string out = fmt::format("{:>4}  {:<16} {:<12} {:>7}  {:>3} {:>3} {:>3} {:>5} {:>3} {:>3} {:>4} {:<9} {:>3} {:>3}  "
                                  "{:>9} {:>6} {:>10} {:>10}\n",
                                  "#", "model", "cluster", "gpus", "tp", "pp", "vpp", "dp", "cp", "ep", "zero", "recompute",
                                  "sp", "mb", "step s", "MFU", "tokens/s", "evaluated");
    for (const auto& e : entries) {
        out += fmt::format("{:>4}  {:<16} {:<12} {:>7}  ", e.index, e.base.model.name, e.base.cluster.name, e.base.gpus);
        if (e.plans.best.empty()) {
            out += fmt::format("no plan fits ({} estimated)\n", e.plans.evaluated);
            continue;
        }
        const auto& row = e.plans.best.front();
        out += fmt::format("{}  {:>9.3f} {:>5.1f}% {:>10.4g} {:>10}\n", plan_label(row.parallelism, row.micro_batch),
                           row.result.step_time.value, 100 * row.result.mfu, row.result.tokens_per_s, e.plans.evaluated);
    }
    return out;
}

std::string sweep_json(const std::vector<SweepEntry>& entries) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& e : entries) {
        nlohmann::ordered_json o;
        o["index"] = e.index;
        o["model"] = e.base.model.name;
        o["cluster"] = e.base.cluster.name;
        o["gpus"] = e.base.gpus;
        o["candidates"] = e.plans.candidates;
        o["evaluated"] = e.plans.evaluated;
        o["rejected"] = nlohmann::ordered_json::object();
        for (const auto& [reason, n] : e.plans.rejected) o["rejected"][reason] = n;
        o["best"] = e.plans.best.empty()
                        ? nlohmann::ordered_json(nullptr)
                        : result_object(e.base, e.plans.best.front().parallelism, e.plans.best.front().micro_batch,
                                        e.plans.best.front().result);
        j.push_back(o);
    }
    return j.dump(2);
}

std::string plan_csv_header() {
    return "model,cluster,gpu,gpus,seq_len,global_batch,tp,pp,vpp,dp,cp,ep,zero,recompute,sequence_parallel,micro_batch,"
           "step_time_s,mfu,hfu,tokens_per_s,memory_bytes,fits,compute_s,tp_comm_s,cp_comm_s,ep_comm_s,pp_comm_s,"
           "dp_comm_s,bubble_s,optimizer_s,host_s,time_to_train_s,cost_usd,objective\n";
}

std::string plan_csv_rows(const Scenario& base, const std::vector<PlanRow>& rows) {
    std::string out;
    for (const auto& row : rows) {
        const auto& p = row.parallelism;
        const auto& r = row.result;
        const auto& b = r.breakdown;
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.9g},{:.6g},{:.6g},{:.9g},{:.9g},{},"
                           "{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g}\n",
                           base.model.name, base.cluster.name, base.cluster.gpu.name, p.tp * p.pp * p.cp * p.dp,
                           base.training.seq_len, base.training.global_batch, p.tp, p.pp, p.vpp, p.dp, p.cp, p.ep, p.zero,
                           to_string(p.recompute), p.sequence_parallel ? 1 : 0, row.micro_batch, r.step_time.value, r.mfu,
                           r.hfu, r.tokens_per_s, r.memory.total.value, r.memory.fits ? 1 : 0, b.compute.value,
                           b.tp_comm.value, b.cp_comm.value, b.ep_comm.value, b.pp_comm.value, b.dp_comm.value,
                           b.bubble.value, b.optimizer.value, b.host.value, r.time_to_train.value, r.cost_usd, row.objective);
    }
    return out;
}

}  // namespace colossim
