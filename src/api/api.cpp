#include "colossim/api.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "colossim/datacenter_report.hpp"
#include "colossim/network_step.hpp"
#include "colossim/plan_report.hpp"
#include "colossim/reliability.hpp"
#include "colossim/report.hpp"

namespace colossim::api {

namespace {
Scenario load(const Catalog& catalog, const ScenarioRequest& r, Diagnostics& d,
              ScenarioCheck check = ScenarioCheck::full) {
    return load_scenario(r.text, r.source, r.overrides, catalog, d, check);
}

// With tokens to train, the expected time including failures: the default failure
// profile, synchronous checkpoints at the Young/Daly interval (as `colossim goodput`).
FailureOverhead failure_overhead(const Catalog& catalog, const Scenario& s, const StepResult& r,
                                 Diagnostics& diagnostics) {
    FailureProfile p = load_failure_profile(catalog, GoodputOptions{}.failures, {}, diagnostics);
    RunInputs in = build_run_model(s, r.time_to_train, r.step_time, p, {}, diagnostics);
    GoodputResult g = expected_goodput(in.model);
    return {p.name, g.goodput, g.wall_clock, g.interruptions_expected};
}

std::string summary_json(const ErrorSummary& s) {
    return fmt::format(
        "{{\"group\": \"{}\", \"cases\": {}, \"mean_abs_error\": {:.4f}, \"bias\": {:.4f}, \"worst_error\": {:.4f}, "
        "\"worst_case\": \"{}\"}}",
        s.group, s.cases, s.mean_abs, s.bias, s.worst, s.worst_case);
}
}  // namespace

// The one hard size limit: the GPUs must fit the cluster's fabric (its switch radix, tiers
// and planes, or the fat tree assumed for a cluster file without one); the error says how
// to describe a bigger fabric.
namespace {
void check_fabric_holds(const Scenario& s) {
    const FabricSpec f = s.cluster.fabric ? *s.cluster.fabric : assumed_fabric(s.cluster);
    (void)fat_tree_shape(f, port_link_speed(s.cluster, f), s.gpus, "gpus");
}
}  // namespace

IndexAndNumber parse_index_and_number(const std::string& text, const std::string& flag, const std::string& valid) {
    const auto colon = text.find(':');
    try {
        if (colon == std::string::npos) throw std::invalid_argument(text);
        std::size_t used_index = 0, used_number = 0;
        const std::string index = text.substr(0, colon), number = text.substr(colon + 1);
        IndexAndNumber out{std::stoll(index, &used_index), std::stod(number, &used_number)};
        if (used_index != index.size() || used_number != number.size()) throw std::invalid_argument(text);
        return out;
    } catch (const std::exception&) {
        throw InputError(flag, text, valid);
    }
}

EstimateAnswer estimate_scenario(const Catalog& catalog, const ScenarioRequest& request) {
    Diagnostics diagnostics;
    EstimateAnswer a;
    a.scenario = load(catalog, request, diagnostics);
    check_fabric_holds(a.scenario);
    a.result = estimate(a.scenario, Calibration::from_catalog(catalog));
    if (a.scenario.training.tokens > 0) {
        // The estimate stands without it: a cluster whose fabric cannot hold the GPUs gets
        // a warning and no failure overhead, not an error.
        try {
            a.failures = failure_overhead(catalog, a.scenario, a.result, diagnostics);
        } catch (const InputError& e) {
            diagnostics.warn(std::string("no failure overhead: ") + e.what());
        }
    }
    a.warnings = std::move(diagnostics.warnings);
    return a;
}

Answer estimate(const Catalog& catalog, const ScenarioRequest& request) {
    EstimateAnswer a = estimate_scenario(catalog, request);
    return {estimate_with_failures_json(a.scenario, a.result, a.failures, a.warnings), a.warnings};
}

Answer layer_ops(const Catalog& catalog, const ScenarioRequest& request) {
    Diagnostics diagnostics;
    const Scenario s = load(catalog, request, diagnostics);
    return {layer_ops_json(colossim::layer_ops(s, Calibration::from_catalog(catalog))), diagnostics.warnings};
}

namespace {
// Why a plan loaded with fields_only cannot run: the GPUs do not divide into tp*pp*cp
// (fields_only set dp from them regardless), or a rule of scenario_problem.
std::optional<std::string> plan_problem(const Scenario& s) {
    const auto& p = s.parallelism;
    if (s.gpus % (p.tp * p.pp * p.cp) != 0) {
        return InputError("gpus", std::to_string(s.gpus), "a multiple of tp*pp*cp = " + std::to_string(p.tp * p.pp * p.cp))
            .what();
    }
    if (auto e = scenario_problem(s)) return e->what();
    return std::nullopt;
}
}  // namespace

ExplainAnswer explain_scenario(const Catalog& catalog, const ScenarioRequest& request) {
    Diagnostics diagnostics;
    ExplainAnswer a;
    a.scenario = load(catalog, request, diagnostics, ScenarioCheck::fields_only);
    const Calibration calibration = Calibration::from_catalog(catalog);
    a.problem = plan_problem(a.scenario);
    if (!a.problem) {
        a.result = estimate(a.scenario, calibration);
        if (!a.result->memory.fits) {
            const Scenario& s = a.scenario;
            const auto& p = s.parallelism;
            std::vector<std::pair<std::string, Scenario>> tries;
            auto with = [&](std::string change, auto edit) {
                Scenario t = s;
                edit(t);
                t.parallelism.dp = t.gpus / (t.parallelism.tp * t.parallelism.pp * t.parallelism.cp);
                tries.emplace_back(std::move(change), std::move(t));
            };
            if (p.recompute != Recompute::full || p.recompute_layers > 0) {
                with("recompute full", [](Scenario& t) { t.parallelism.recompute = Recompute::full; t.parallelism.recompute_layers = 0; });
            }
            if (p.recompute == Recompute::none) {
                with("recompute selective", [](Scenario& t) { t.parallelism.recompute = Recompute::selective; });
            }
            for (int z = p.zero + 1; z <= 3; ++z) {
                with("zero " + std::to_string(z), [z](Scenario& t) { t.parallelism.zero = z; });
            }
            if (s.training.micro_batch > 1) {
                with("micro-batch " + std::to_string(s.training.micro_batch / 2),
                     [](Scenario& t) { t.training.micro_batch /= 2; });
            }
            with("pp " + std::to_string(2 * p.pp), [](Scenario& t) { t.parallelism.pp *= 2; });
            if (p.vpp > 1) with("vpp 1", [](Scenario& t) { t.parallelism.vpp = 1; });
            if (2 * p.tp <= s.cluster.nvlink_domain) with("tp " + std::to_string(2 * p.tp), [](Scenario& t) { t.parallelism.tp *= 2; });
            if (!p.sequence_parallel && p.tp > 1) with("sequence parallel", [](Scenario& t) { t.parallelism.sequence_parallel = true; });
            with("cp " + std::to_string(2 * p.cp), [](Scenario& t) { t.parallelism.cp *= 2; });
            for (auto& [change, t] : tries) {
                ExplainFix f{change, plan_problem(t), std::nullopt};
                if (!f.problem) f.result = estimate(t, calibration);
                a.fixes.push_back(std::move(f));
            }
        }
    }
    a.warnings = std::move(diagnostics.warnings);
    return a;
}

std::string explain_text(const ExplainAnswer& a) {
    const Scenario& s = a.scenario;
    const auto& p = s.parallelism;
    std::string out = fmt::format("{} on {} x {} ({}): tp {} pp {} vpp {} cp {} ep {} zero {} recompute {} micro-batch {}\n",
                                  s.model.name, s.gpus, s.cluster.gpu.name, s.cluster.name, p.tp, p.pp, p.vpp, p.cp, p.ep,
                                  p.zero, to_string(p.recompute), s.training.micro_batch);
    if (a.problem) return out + "refused: " + *a.problem + "\n";
    const StepResult& r = *a.result;
    const double usable = r.memory.capacity.value * (1.0 - s.training.memory_headroom) / 1e9;
    out += fmt::format("every check passes; step {:.3f} s, MFU {:.1f}%\n", r.step_time.value, 100 * r.mfu);
    out += fmt::format("memory on stage {}: {:.1f} GB of {:.1f} usable ({:.0f} GB less {:.0f}% headroom): {}\n",
                       r.memory.stage, r.memory.total.value / 1e9, usable, r.memory.capacity.value / 1e9,
                       100 * s.training.memory_headroom,
                       r.memory.fits ? fmt::format("fits, {:.1f} GB to spare", usable - r.memory.total.value / 1e9)
                                     : fmt::format("does NOT fit, {:.1f} GB over", r.memory.total.value / 1e9 - usable));
    out += fmt::format("  weights {:.1f}, gradients {:.1f}, optimizer {:.1f}, activations {:.1f} GB\n", r.memory.weights.value / 1e9,
                       r.memory.gradients.value / 1e9, r.memory.optimizer.value / 1e9, r.memory.activations.value / 1e9);
    if (a.fixes.empty()) return out;
    out += "\none change at a time:\n";
    out += fmt::format("  {:<22} {:>10} {:>6} {:>10}\n", "change", "memory GB", "fits", "step s");
    for (const auto& f : a.fixes) {
        if (f.problem) {
            out += fmt::format("  {:<22} refused: {}\n", f.change, *f.problem);
            continue;
        }
        out += fmt::format("  {:<22} {:>10.1f} {:>6} {:>10.3f}\n", f.change, f.result->memory.total.value / 1e9,
                           f.result->memory.fits ? "yes" : "no", f.result->step_time.value);
    }
    out += "(colossim plan searches them all together)\n";
    return out;
}

CompareAnswer compare_scenarios(const Catalog& catalog, const std::vector<ScenarioRequest>& requests,
                                const std::vector<std::string>& labels) {
    if (requests.size() < 2 || requests.size() > kMaxCompared) {
        throw InputError("scenarios", std::to_string(requests.size()),
                         "2 to " + std::to_string(kMaxCompared) + " scenarios to compare");
    }
    if (!labels.empty() && labels.size() != requests.size()) {
        throw InputError("labels", std::to_string(labels.size()), "one label per scenario (" + std::to_string(requests.size()) + ")");
    }
    CompareAnswer out;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const std::string label = labels.empty() ? "scenario " + std::to_string(i + 1) : labels[i];
        EstimateAnswer a = estimate_scenario(catalog, requests[i]);
        for (auto& w : a.warnings) out.warnings.push_back(label + ": " + w);
        out.scenarios.push_back({label, std::move(a.scenario), a.result});
    }
    return out;
}

Answer compare(const Catalog& catalog, const std::vector<ScenarioRequest>& requests, const std::vector<std::string>& labels) {
    CompareAnswer a = compare_scenarios(catalog, requests, labels);
    return {comparison_json(a.scenarios, a.warnings), a.warnings};
}

PlanObjective parse_objective(const std::string& name) {
    if (name == "throughput") return PlanObjective::throughput;
    if (name == "time") return PlanObjective::time_to_train;
    if (name == "cost") return PlanObjective::cost;
    throw InputError("objective", name, "throughput|time|cost");
}

StepResult simulate_symmetric(const Scenario& s, const Calibration& calibration) {
    NetworkStepOptions o;
    o.mode = SimMode::symmetric;
    return simulate_network_step(s, calibration, o).result;
}

StepEngineFn event_engine(const Calibration& calibration) {
    return [calibration](const Scenario& s) { return simulate_symmetric(s, calibration); };
}

void refine_top(const Scenario& base, PlanResult& result, std::size_t k, PlanObjective objective,
                const Calibration& calibration) {
    k = std::min(k, result.best.size());
    for (std::size_t i = 0; i < k; ++i) {
        PlanRow& row = result.best[i];
        Scenario s = base;
        s.parallelism = row.parallelism;
        s.training.micro_batch = row.micro_batch;
        row.result = simulate_symmetric(s, calibration);
        row.objective = objective_value(objective, s, row.result);
    }
    std::stable_sort(result.best.begin(), result.best.begin() + std::ptrdiff_t(k),
                     [](const PlanRow& a, const PlanRow& b) { return a.objective < b.objective; });
}

PlanAnswer plan_scenario(const Catalog& catalog, const PlanRequest& request) {
    Diagnostics diagnostics;
    PlanAnswer a;
    const ScenarioRequest& r = request.scenario;
    a.base = load(catalog, r, diagnostics, ScenarioCheck::fields_only);
    a.warnings = std::move(diagnostics.warnings);
    a.result = plan_loaded(a.base, scenario_keys_given(r.text, r.source, r.overrides), request,
                           Calibration::from_catalog(catalog));
    return a;
}

PlanResult plan_loaded(const Scenario& base, const std::set<std::string>& fixed, const PlanRequest& request,
                       const Calibration& calibration) {
    if (base.gpus > 0) check_fabric_holds(base);
    PlanOptions options;
    options.objective = request.objective;
    options.top = request.top;
    options.threads = request.threads;
    options.keep_all = request.keep_all;
    options.progress = request.progress;
    PlanResult result = search_plans(base, default_space(base, fixed), options, calibration);
    if (request.refine > 0) refine_top(base, result, request.refine, request.objective, calibration);
    return result;
}

std::string plan_answer_json(const PlanAnswer& a, const PlanRequest& request) {
    std::string j = plan_json(a.base, a.result, request.objective);
    if (request.refine > 0) {
        j.insert(j.rfind('}'), ",\n  \"refined_by_event_engine\": " +
                                   std::to_string(std::min(request.refine, a.result.best.size())) + "\n");
    }
    return j;
}

Answer plan(const Catalog& catalog, const PlanRequest& request) {
    PlanAnswer a = plan_scenario(catalog, request);
    return {plan_answer_json(a, request), a.warnings};
}

std::vector<ValidationResult> validation_results(const Catalog& catalog, const ValidateRequest& request) {
    const Calibration calibration = Calibration::from_catalog(catalog);
    const StepEngineFn engine = request.event_engine ? event_engine(calibration) : nullptr;
    return run_validation(load_validation_cases(catalog, request.suite_files), calibration, engine);
}

std::string validation_json(const std::vector<ValidationResult>& results) {
    std::string out = "{\n \"cases\": [\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        out += fmt::format(
            "  {{\"suite\": \"{}\", \"origin\": \"{}\", \"generation\": \"{}\", \"case\": \"{}\", \"metric\": \"{}\", "
            "\"published\": {}, \"predicted\": {:.4f}, \"error\": {:.4f}}}{}\n",
            r.vcase.suite, r.vcase.origin, r.vcase.generation, r.vcase.name, r.vcase.metric, r.vcase.published,
            r.predicted, r.error, i + 1 < results.size() ? "," : "");
    }
    auto summaries = [](const std::vector<ErrorSummary>& rows) {
        std::string s;
        for (std::size_t i = 0; i < rows.size(); ++i) s += (i ? ", " : "") + summary_json(rows[i]);
        return s;
    };
    out += " ],\n \"by_origin\": [" + summaries(summarize(results, GroupBy::origin)) + "],\n";
    out += " \"by_generation\": [" + summaries(summarize(results, GroupBy::generation)) + "],\n";
    out += " \"all\": " + summary_json(summarize_all(results)) + "\n}";
    return out;
}

Answer validate(const Catalog& catalog, const ValidateRequest& request) {
    return {validation_json(validation_results(catalog, request)), {}};
}

const std::vector<OptionFlag>& goodput_flags() {
    static const std::vector<OptionFlag> kFlags = {
        {"duration", "duration", false, "training time without failures, e.g. 54d (default: from --tokens)"},
        {"checkpoint-interval", "checkpoint_interval", false, "auto (Young/Daly) or a duration, e.g. 30min"},
        {"checkpoint", "checkpoint", false, "sync|async checkpoints"},
        {"spares", "spares", false, "hot-spare nodes (default: the profile's spare_fraction)"},
        {"trials", "trials", false, "Monte-Carlo trials (0: closed form only; default 10000)"},
        {"seed", "seed", false, "Monte-Carlo seed (default 1)"},
        {"failures", "failures", false, "failure profile: a data/reliability name or a file (default llama3)"},
        {"storage-bw", "storage_bandwidth", true, "aggregate checkpoint storage bandwidth, e.g. \"2 TB/s\""},
        {"restart-time", "restart", true, "time to relaunch the job after a failure, e.g. 10min"},
        {"detection-time", "detection", true, "time to notice a failure, e.g. 3min"},
        {"repair-time", "repair", true, "time a failed node is out for repair, e.g. 2d"},
    };
    return kFlags;
}

const std::vector<OptionFlag>& datacenter_flags() {
    static const std::vector<OptionFlag> kFlags = {
        {"cluster", "cluster", false, "catalog name or YAML file (required)"},
        {"gpus", "gpus", false, "number of GPUs (required)"},
        {"duration", "duration", false, "a run's length, for its energy, e.g. 90d"},
        {"prices", "prices", false, "prices: a data/prices name or a file (default: default)"},
        {"pue", "pue", false, "power usage effectiveness (default: the cluster's)"},
        {"price-gpu", "gpu", true, "USD per GPU"},
        {"price-node", "node", true, "USD per server without its GPUs"},
        {"price-switch", "switch", true, "USD per switch"},
        {"price-transceiver", "transceiver", true, "USD per optical transceiver (one link end)"},
        {"price-cable", "cable", true, "USD per link cable"},
        {"price-electricity", "electricity_per_kwh", true, "USD per kWh"},
    };
    return kFlags;
}

GoodputAnswer goodput_scenario(const Catalog& catalog, const GoodputRequest& request) {
    Diagnostics diagnostics;
    GoodputAnswer a;
    a.scenario = load(catalog, request.scenario, diagnostics);
    const Scenario& s = a.scenario;
    GoodputOptions o = read_goodput_options(request.options, diagnostics);
    FailureProfile p = load_failure_profile(catalog, o.failures, request.data_overrides, diagnostics);
    check_fabric_holds(s);
    StepResult r = estimate(s, Calibration::from_catalog(catalog));
    if (!r.memory.fits) {
        // The run's failures are worked out all the same (a what-if may only care about
        // them), but a plan that cannot run is not silently priced.
        diagnostics.warn(fmt::format("the job does not fit in GPU memory: {:.0f} GB a GPU on stage {} of {:.0f} GB "
                                     "(colossim estimate shows where; colossim plan finds plans that fit)",
                                     r.memory.total.value / 1e9, r.memory.stage, r.memory.capacity.value / 1e9));
    }
    if (!o.duration && s.training.tokens <= 0) {
        throw InputError("duration", "", "required: the training time without failures (--duration 54d) "
                                         "or the tokens to train (--tokens 15.6T)");
    }
    GoodputReport& g = a.report;
    g.profile = p.name;
    g.mode = o.policy.mode;
    g.interval_auto = !o.policy.interval;
    g.inputs = build_run_model(s, o.duration ? *o.duration : r.time_to_train, r.step_time, p, o.policy, diagnostics);
    g.expected = expected_goodput(g.inputs.model);
    check_simulation_size(g.expected, o.trials);
    g.simulated = simulate_runs(g.inputs.model, o.trials, o.seed, 0, request.progress, request.keep_samples);
    a.warnings = std::move(diagnostics.warnings);
    return a;
}

Answer goodput(const Catalog& catalog, const GoodputRequest& request) {
    GoodputAnswer a = goodput_scenario(catalog, request);
    return {goodput_json(a.scenario, a.report, a.warnings), a.warnings};
}

DatacenterAnswer datacenter_scenario(const Catalog& catalog, const DatacenterRequest& request) {
    Diagnostics diagnostics;
    DatacenterOptions o = read_datacenter_options(request.options, diagnostics);
    ClusterSpec c = catalog.cluster(o.cluster, "cluster", diagnostics);
    if (o.pue) c.pue = *o.pue;
    Prices prices = load_prices(catalog, o.prices, request.data_overrides, diagnostics);
    DatacenterAnswer a{size_datacenter(c, o.gpus, prices, o.run, diagnostics), {}};
    a.warnings = std::move(diagnostics.warnings);
    return a;
}

Answer datacenter(const Catalog& catalog, const DatacenterRequest& request) {
    DatacenterAnswer a = datacenter_scenario(catalog, request);
    return {datacenter_json(a.datacenter, a.warnings), a.warnings};
}

namespace {
CatalogKind catalog_kind(const std::string& kind) {
    if (kind == "model" || kind == "models") return CatalogKind::model;
    if (kind == "gpu" || kind == "gpus") return CatalogKind::gpu;
    if (kind == "cluster" || kind == "clusters") return CatalogKind::cluster;
    throw InputError("kind", kind, "models|gpus|clusters");
}
}  // namespace

std::vector<std::string> catalog_names(const Catalog& catalog, const std::string& kind) {
    return catalog.names(catalog_kind(kind));
}

std::string catalog_show(const Catalog& catalog, const std::string& kind, const std::string& name,
                         Diagnostics& d) {
    const CatalogKind k = catalog_kind(kind);
    if (k == CatalogKind::model) return describe_model(catalog.model(name, "name", d));
    if (k == CatalogKind::gpu) return describe_gpu(catalog.gpu(name, "name", d));
    return describe_cluster(catalog.cluster(name, "name", d));
}

}  // namespace colossim::api
