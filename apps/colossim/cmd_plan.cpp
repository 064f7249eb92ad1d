// `plan`: the best parallel plans for a scenario whose parallelism is open or partly
// fixed; over a range of GPU counts, the Pareto front of time against cost, or the
// fewest GPUs that meet a deadline.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "colossim/launch_config.hpp"
#include "colossim/plan.hpp"
#include "colossim/plan_report.hpp"
#include "colossim/units_parse.hpp"
#include "command.hpp"

namespace colossim::cli {

namespace {

struct PlanFlags {
    ScenarioOptions scenario;
    std::string objective = "throughput";
    std::size_t top = 10;
    unsigned threads = 0;
    bool json = false;
    std::string csv, db, deadline, emit;
    std::size_t refine = 0;
    bool explain = false;
};

// "--gpus 1024..131072": a range of GPU counts (powers of two and 1.5x between).
bool parse_range(const std::string& text, std::int64_t& lo, std::int64_t& hi) {
    auto dots = text.find("..");
    if (dots == std::string::npos) return false;
    auto a = parse_count(text.substr(0, dots)), b = parse_count(text.substr(dots + 2));
    if (!a || !b || *a < 1 || *b < *a || *b > 1e8) {
        throw InputError("gpus", text, "a range LOW..HIGH of GPU counts, 1 <= LOW <= HIGH <= 100M, e.g. 1024..131072");
    }
    lo = std::int64_t(*a);
    hi = std::int64_t(*b);
    return true;
}

int run_plan(const PlanFlags& f, const Catalog& catalog) {
    if (f.explain) {  // the plan the flags and file name, explained instead of searched
        api::ExplainAnswer x = api::explain_scenario(catalog, f.scenario.request());
        print_warnings(Diagnostics{x.warnings});
        std::cout << api::explain_text(x);
        return 0;
    }
    if (!f.emit.empty()) (void)parse_launch_framework(f.emit);  // refused before the search
    std::vector<Override> overrides = f.scenario.overrides();
    std::int64_t lo = 0, hi = 0;
    bool range = false;
    for (auto it = overrides.begin(); it != overrides.end(); ++it) {
        if (it->key == "gpus" && parse_range(it->value, lo, hi)) {
            range = true;
            it->value = std::to_string(lo);
            break;
        }
    }
    const std::string text = f.scenario.text(), source = f.scenario.source();
    Diagnostics diagnostics;
    Scenario base = load_scenario(text, source, overrides, catalog, diagnostics, ScenarioCheck::fields_only);
    print_warnings(diagnostics);
    std::set<std::string> fixed = scenario_keys_given(text, source, overrides);

    PlanOptions options;
    options.objective = api::parse_objective(f.objective);
    options.top = f.top;
    options.threads = f.threads;
    options.keep_all = !f.csv.empty() || !f.db.empty();
    options.progress = terminal_progress(f.json);
    const Calibration calibration = Calibration::from_catalog(catalog);

    double deadline_s = 0;
    if (!f.deadline.empty()) {
        auto d = parse_duration(f.deadline);
        if (!d || !(d->value > 0) || d->value > 10 * 365.25 * 86400) {
            throw InputError("--deadline", f.deadline, "a duration from 1 s to 10 years, e.g. 90d");
        }
        if (base.training.tokens <= 0) throw InputError("training.tokens", "", "required with --deadline (--tokens 15T)");
        deadline_s = d->value;
        if (!range) {
            lo = std::max<std::int64_t>(8, base.cluster.gpus_per_node);
            hi = base.cluster.max_gpus > 0 ? base.cluster.max_gpus : 1'048'576;
            range = true;
        }
    }
    if (range) {
        if (!f.emit.empty()) throw InputError("--emit", f.emit, "a plan at one GPU count (not a range or a deadline)");
        if (f.refine > 0) throw InputError("--refine", std::to_string(f.refine), "0 with a range of GPU counts");
        if (base.training.tokens <= 0) throw InputError("training.tokens", "", "required for a range of GPU counts (--tokens)");
        options.top = 1;
        auto results = search_gpu_counts(base, fixed, gpu_count_ladder(lo, hi), options, calibration);
        auto front = pareto_front(results);
        std::cout << (f.json ? gpu_counts_json(base, results, front, deadline_s) + "\n"
                             : gpu_counts_table(base, results, front, deadline_s));
        std::string csv = plan_csv_header();
        for (const auto& r : results) {
            Scenario s = base;
            s.gpus = r.gpus;
            csv += plan_csv_rows(s, r.plans.all);
            if (!f.db.empty()) write_plans_sqlite(f.db, s, r.plans.all);
        }
        if (!f.csv.empty()) write_output_file(f.csv, "--csv", csv);
        return 0;
    }
    // The scenario loaded above serves the search: the file is read once.
    api::PlanRequest request{{text, source, overrides}, options.objective, f.top, f.threads, f.refine, options.keep_all,
                             options.progress};
    const api::PlanAnswer answer{base, api::plan_loaded(base, fixed, request, calibration), {}};
    const PlanResult& result = answer.result;
    if (!f.emit.empty()) {
        if (result.best.empty()) throw InputError("--emit", f.emit, "a plan to emit: none fits (see plan without --emit)");
        Scenario best = base;
        best.parallelism = result.best.front().parallelism;
        best.training.micro_batch = result.best.front().micro_batch;
        std::cout << predicted_line(result.best.front().result) << launch_config(best, parse_launch_framework(f.emit)).text;
    } else if (f.json) {
        std::cout << api::plan_answer_json(answer, request) << "\n";
    } else {
        std::cout << plan_table(base, result, options.objective);
        if (f.refine > 0) {
            std::cout << "the top " << std::min(f.refine, result.best.size())
                      << " re-ranked by the event engine on the network (symmetric mode); their figures are simulated\n";
        }
    }
    if (!f.csv.empty()) write_output_file(f.csv, "--csv", plan_csv_header() + plan_csv_rows(base, result.all));
    if (!f.db.empty()) write_plans_sqlite(f.db, base, result.all);
    return 0;
}

}  // namespace

Command add_plan(CLI::App& root) {
    auto* cmd = root.add_subcommand("plan", "search every valid parallel plan and rank them");
    auto f = std::make_shared<PlanFlags>();
    f->scenario.add_to(*cmd);
    cmd->add_option("--objective", f->objective, "throughput|time|cost (default throughput)")
        ->check(CLI::IsMember({"throughput", "time", "cost"}));
    cmd->add_option("--top", f->top, "plans to list (default 10)")->check(CLI::Range(1, 100000));
    cmd->add_option("--threads", f->threads, "threads (default: all cores); the output does not depend on it")
        ->check(CLI::Range(1, 1024));
    auto* json = cmd->add_flag("--json", f->json, "print one JSON object");
    cmd->add_flag("--explain", f->explain,
                  "explain the plan the flags name (unset fields at their defaults) instead of searching: what fails, what fits");
    cmd->add_option("--emit", f->emit, "megatron|nemo|torchtitan: print the best plan as that framework's launch arguments")
        ->excludes(json);
    cmd->add_option("--csv", f->csv, "write every estimated plan to this CSV file");
    cmd->add_option("--db", f->db, "append every estimated plan to this SQLite file (table plans)");
    cmd->add_option("--deadline", f->deadline, "fewest GPUs that train --tokens within this duration, e.g. 90d");
    cmd->add_option("--refine", f->refine, "re-rank the top K plans by the event engine on the network (symmetric mode)")
        ->check(CLI::Range(std::size_t(0), std::size_t(100000)));
    return {cmd, [f](const Catalog& catalog) { return run_plan(*f, catalog); }};
}

}  // namespace colossim::cli
