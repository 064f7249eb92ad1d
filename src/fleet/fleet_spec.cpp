// Reads a fleet scenario: the cluster, the run's options, its jobs (listed, traced,
// generated) and prices the jobs that name a model on every placement shape.
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "../spec/field_reader.hpp"
#include "colossim/cost.hpp"
#include "colossim/estimate.hpp"
#include "colossim/fleet.hpp"
#include "colossim/plan.hpp"
#include "colossim/spec.hpp"
#include "colossim/units_parse.hpp"
#include "colossim/workload.hpp"

namespace colossim {

namespace {
constexpr double kMaxHorizonDays = 3660;           // ten years
constexpr std::int64_t kMaxListedJobs = 10'000;    // jobs: entries x count
constexpr std::int64_t kMaxGeneratedJobs = 10'000'000;
constexpr std::int64_t kMaxReplications = 100'000;

Seconds bounded(spec::FieldReader& r, const std::string& key, double max_days) {
    Seconds d = r.duration_with_unit(key);
    if (d.value > max_days * kSecondsPerDay) {
        throw InputError(r.path_of(key), r.raw(key).Scalar(),
                         "a duration up to " + std::to_string(int(max_days)) + " days (e.g. \"90d\", \"6 h\")");
    }
    return d;
}

// P(2^k) proportional to q^k for 2^k <= max: q fitted so that the mean is `mean`.
std::vector<std::pair<std::int64_t, double>> geometric_powers_of_two(double mean, std::int64_t max) {
    std::vector<std::int64_t> sizes;
    for (std::int64_t g = 1; g <= max; g *= 2) sizes.push_back(g);
    auto mean_of = [&](double q) {
        double w = 0, m = 0, p = 1;
        for (auto g : sizes) {
            w += p;
            m += p * double(g);
            p *= q;
        }
        return m / w;
    };
    double lo = 0, hi = 4;
    for (int i = 0; i < 200; ++i) {
        double mid = 0.5 * (lo + hi);
        (mean_of(mid) < mean ? lo : hi) = mid;
    }
    const double q = 0.5 * (lo + hi);
    std::vector<std::pair<std::int64_t, double>> out;
    double w = 0, p = 1;
    for (auto g : sizes) {
        out.emplace_back(g, p);
        w += p;
        p *= q;
    }
    for (auto& s : out) s.second /= w;
    return out;
}

void read_sizes(spec::FieldReader& r, JobMix& m, Diagnostics& d) {
    YAML::Node node = r.raw("sizes");
    if (!node || !node.IsMap()) {
        throw InputError(r.path_of("sizes"), node && node.IsScalar() ? node.Scalar() : "(missing)",
                         "a mapping: {fit: power_of_two_geometric, mean_gpus: M, max_gpus: N} or {GPUS: PROBABILITY, ...}");
    }
    spec::FieldReader s(node, r.path_of("sizes"), d);
    if (s.has("fit")) {
        s.choice("fit", {"power_of_two_geometric"});
        const std::int64_t max = s.integer("max_gpus", 1, 1'000'000);
        const double mean = s.number("mean_gpus", 1, double(max));
        m.sizes = geometric_powers_of_two(mean, max);
        s.finish();
        return;
    }
    double total = 0;
    for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        std::int64_t gpus = 0;
        try {
            gpus = std::stoll(key);
        } catch (const std::exception&) {
            gpus = 0;
        }
        if (gpus < 1 || gpus > 1'000'000 || std::to_string(gpus) != key) {
            throw InputError(r.path_of("sizes"), key, "GPU counts from 1 to 1,000,000 as keys, or fit: ...");
        }
        const double p = s.number(key, 0, 1);
        if (p > 0) m.sizes.emplace_back(gpus, p);
        total += p;
    }
    if (total <= 0) throw InputError(r.path_of("sizes"), "0", "probabilities that sum to more than 0");
    for (auto& sz : m.sizes) sz.second /= total;
    std::sort(m.sizes.begin(), m.sizes.end());
}

void read_durations(spec::FieldReader& r, JobMix& m, Diagnostics& d) {
    YAML::Node node = r.raw("durations");
    if (!node || !node.IsMap()) {
        throw InputError(r.path_of("durations"), node && node.IsScalar() ? node.Scalar() : "(missing)",
                         "a mapping: {distribution: lognormal, median: D, mean: D[, max: D]} or "
                         "{distribution: exponential, mean: D[, max: D]}");
    }
    spec::FieldReader s(node, r.path_of("durations"), d);
    const std::string kind = s.choice("distribution", {"lognormal", "exponential"});
    m.mean = bounded(s, "mean", kMaxHorizonDays);
    if (m.mean.value <= 0) throw InputError(s.path_of("mean"), s.raw("mean").Scalar(), "a duration above 0");
    if (kind == "lognormal") {
        m.durations = JobMix::Durations::lognormal;
        m.median = bounded(s, "median", kMaxHorizonDays);
        if (!(m.median.value > 0 && m.median.value <= m.mean.value)) {
            throw InputError(s.path_of("median"), s.raw("median").Scalar(), "above 0 and at most the mean (a lognormal)");
        }
    } else {
        m.durations = JobMix::Durations::exponential;
        m.median = m.mean * std::log(2.0);
    }
    if (s.has("max")) m.max_duration = bounded(s, "max", kMaxHorizonDays);
    else s.raw("max");
    s.finish();
}

double standard_normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
}  // namespace

double JobMix::mean_gpus() const {
    double m = 0;
    for (const auto& s : sizes) m += double(s.first) * s.second;
    return m;
}

// A lognormal's mean is e^(mu + sigma^2/2) and its median e^mu, so sigma = sqrt(2 ln(mean/median)).
double JobMix::lognormal_sigma() const {
    if (durations != Durations::lognormal) return 0;
    return std::sqrt(std::max(0.0, 2 * std::log(mean.value / median.value)));
}

Seconds JobMix::mean_duration() const {
    const double c = max_duration.value;
    if (durations == Durations::exponential) {
        return c > 0 ? mean * (1 - std::exp(-c / mean.value)) : mean;
    }
    // E[min(X, c)] of a lognormal with median e^mu and mean e^(mu + sigma^2/2).
    const double mu = std::log(median.value);
    const double sigma = lognormal_sigma();
    if (c <= 0 || sigma <= 0) return c > 0 ? Seconds(std::min(c, median.value)) : mean;
    const double lc = std::log(c);
    return Seconds(mean.value * standard_normal_cdf((lc - mu - sigma * sigma) / sigma) +
                   c * (1 - standard_normal_cdf((lc - mu) / sigma)));
}

JobMix read_job_mix(const std::string& yaml_text, const std::string& source_name, Diagnostics& diagnostics) {
    YAML::Node root = spec::load_mapping(yaml_text, source_name, "mix", "job mix file");
    spec::FieldReader r(root, "", diagnostics);
    JobMix m;
    m.name = r.optional_text("name").value_or(source_name);
    m.description = r.optional_text("description").value_or("");
    read_sizes(r, m, diagnostics);
    read_durations(r, m, diagnostics);
    if (YAML::Node src = r.raw("sources"); src && src.IsMap()) {
        for (const auto& kv : src) m.sources[kv.first.Scalar()] = kv.second.IsScalar() ? kv.second.Scalar() : "";
    }
    r.finish();
    return m;
}

namespace {
const std::set<std::string>& fleet_job_keys() {
    static const std::set<std::string> keys{"name", "gpus", "arrival", "priority", "count", "duration",
                                            "checkpoint_interval"};
    return keys;
}

// A job without a plan runs the planner's fastest plan that fits (`colossim plan`'s
// first row), its other fixed choices (training, precision) kept; the report shows it.
Scenario planned_scenario(const std::string& text, const std::string& path, const Catalog& catalog, const Calibration& cal,
                          Diagnostics& diagnostics) {
    Scenario s = load_scenario(text, path, {}, catalog, diagnostics, ScenarioCheck::fields_only);
    PlanOptions o;
    o.top = 1;
    o.threads = 1;
    const PlanResult plans = search_plans(s, default_space(s, scenario_keys_given(text, path, {})), o, cal);
    if (plans.best.empty()) {
        throw InputError("parallelism", "(none given)",
                         "a plan that fits: the planner found none of " + std::to_string(plans.candidates) +
                             " for this job (give one, or more GPUs)");
    }
    s.parallelism = plans.best.front().parallelism;
    s.training.micro_batch = plans.best.front().micro_batch;
    validate_scenario(s);
    return s;
}

// A listed job that names a model: its scenario, on the fleet's cluster at its size.
PricedJob price_job(const YAML::Node& job, const std::string& path, const FleetSpec& f, std::int64_t gpus,
                    std::optional<Seconds> duration, std::optional<Seconds> interval, const Catalog& catalog,
                    Diagnostics& diagnostics) {
    YAML::Node scenario(YAML::NodeType::Map);
    for (const auto& kv : job) {
        if (!fleet_job_keys().count(kv.first.Scalar())) scenario[kv.first.Scalar()] = kv.second;
    }
    if (scenario["cluster"] || scenario["gpus"]) {
        throw InputError(path + ".cluster", "(given)", "a job runs on the fleet's cluster at its own gpus: leave cluster out");
    }
    scenario["cluster"] = f.cluster_reference;
    scenario["gpus"] = gpus;
    YAML::Emitter out;
    out << scenario;
    PricedJob p;
    const Calibration cal = Calibration::from_catalog(catalog);
    try {
        if (job["parallelism"]) {
            p.scenario = load_scenario(out.c_str(), path, {}, catalog, diagnostics);
        } else {
            p.scenario = planned_scenario(out.c_str(), path, catalog, cal, diagnostics);
        }
    } catch (const InputError& e) {
        const std::string& field = e.field();
        throw InputError(field.starts_with(path) ? field : path + "." + field, e.value(), e.valid());
    }
    for (int crossing = 0; crossing < 3; ++crossing) {
        for (int split = 0; split < 2; ++split) {
            PlacementShape shape{crossing, split == 1};
            Scenario placed = p.scenario;
            placed.cluster = cluster_as_placed(f.cluster, f.layout, shape);
            const StepResult r = estimate(placed, cal);
            p.step[shape.index()] = r.step_time;
            if (shape.index() == 0 && !r.memory.fits) {
                diagnostics.warn(path + " does not fit in GPU memory: " + std::to_string(int(r.memory.total.value / 1e9)) +
                                 " GB a GPU of " + std::to_string(int(r.memory.capacity.value / 1e9)) +
                                 " (colossim estimate shows where; colossim plan finds plans that fit)");
            }
        }
    }
    const std::int64_t nodes = (gpus + f.layout.gpus_per_node - 1) / f.layout.gpus_per_node;
    const Seconds best = p.step[ideal_shape(f.layout, nodes).index()];
    const double tokens_a_step = double(p.scenario.training.global_batch) * double(p.scenario.training.seq_len);
    if (duration) p.steps = std::ceil(duration->value / best.value);
    else if (p.scenario.training.tokens > 0) p.steps = std::ceil(p.scenario.training.tokens / tokens_a_step);
    else throw InputError(path + ".duration", "(missing)", "a duration (\"30d\") or training.tokens (\"15T\")");
    const Seconds work = best * p.steps;
    if (f.failures) {
        CheckpointPolicy policy;
        policy.interval = interval;
        policy.spares = 0;
        p.run = build_run_model(p.scenario, work, best, *f.failures, policy, diagnostics).model;
    } else {
        p.run.work = work;
        p.run.step = best;
        p.run.interval = work;
    }
    return p;
}

std::vector<FleetJob> read_listed_jobs(YAML::Node list, FleetSpec& f, const Catalog& catalog, Diagnostics& d) {
    std::vector<FleetJob> out;
    if (!list) return out;
    if (!list.IsSequence()) throw InputError("jobs", list.IsScalar() ? list.Scalar() : "(a mapping)", "a list of jobs");
    std::int64_t total = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = "jobs[" + std::to_string(i) + "]";
        YAML::Node node = list[i];
        if (!node.IsMap()) throw InputError(path, node.IsScalar() ? node.Scalar() : "(a list)", "a mapping (name, gpus, ...)");
        spec::FieldReader r(node, path, d);
        FleetJob j;
        j.name = r.optional_text("name").value_or("job" + std::to_string(i));
        j.gpus = r.integer("gpus", 1, f.layout.gpus);
        j.arrival = r.has("arrival") ? bounded(r, "arrival", kMaxHorizonDays) : Seconds(0);
        j.priority = int(r.optional_integer("priority", -1000, 1000).value_or(0));
        const std::int64_t count = r.optional_integer("count", 1, kMaxListedJobs).value_or(1);
        std::optional<Seconds> duration;
        if (r.has("duration")) duration = bounded(r, "duration", kMaxHorizonDays);
        if (r.has("checkpoint_interval") && r.raw("checkpoint_interval").Scalar() != "auto") {
            j.checkpoint_interval = bounded(r, "checkpoint_interval", kMaxHorizonDays);
            if (j.checkpoint_interval->value <= 0) {
                throw InputError(r.path_of("checkpoint_interval"), "0", "a duration above 0, or auto");
            }
        }
        r.raw("checkpoint_interval");
        if (node["model"]) {
            f.priced.push_back(price_job(node, path, f, j.gpus, duration, j.checkpoint_interval, catalog, d));
            j.priced = int(f.priced.size() - 1);
            j.duration = f.priced.back().run.work;
            for (const auto& kv : node) {
                if (!fleet_job_keys().count(kv.first.Scalar())) r.raw(kv.first.Scalar());  // the scenario's keys
            }
        } else {
            if (!duration) throw InputError(path + ".duration", "(missing)", "a duration (\"12h\"), or a model to price");
            if (duration->value <= 0) throw InputError(path + ".duration", "0", "a duration above 0");
            j.duration = *duration;
        }
        r.finish();
        total += count;
        if (total > kMaxListedJobs) {
            throw InputError(path + ".count", std::to_string(count),
                             "at most " + std::to_string(kMaxListedJobs) + " listed jobs in all (use a trace or a generator)");
        }
        for (std::int64_t c = 0; c < count; ++c) {
            out.push_back(j);
            if (count > 1) out.back().name = j.name + "-" + std::to_string(c);
        }
    }
    return out;
}

std::optional<JobGenerator> read_generator(YAML::Node node, const FleetSpec& f, const Catalog& catalog, Diagnostics& d) {
    if (!node) return std::nullopt;
    if (!node.IsMap()) throw InputError("generator", node.IsScalar() ? node.Scalar() : "(a list)", "a mapping (mix, jobs, load)");
    spec::FieldReader r(node, "generator", d);
    JobGenerator g;
    YAML::Node mix = r.raw("mix");
    if (!mix) throw InputError("generator.mix", "(missing)", "a job mix: " + [&] {
        std::string names;
        for (const auto& n : catalog.names(CatalogKind::job_mix)) names += (names.empty() ? "" : ", ") + n;
        return names;
    }() + ", a file, or a mapping with sizes and durations");
    if (mix.IsMap()) {
        YAML::Emitter out;
        out << mix;
        g.mix = read_job_mix(out.c_str(), "generator.mix", d);
    } else {
        std::string source;
        const std::string text = catalog.find_text(CatalogKind::job_mix, mix.Scalar(), "generator.mix", source);
        g.mix = read_labelled("job mix", mix.Scalar(), "", "generator.mix",
                              [&] { return read_job_mix(text, source, d); });
    }
    g.jobs = r.integer("jobs", 1, kMaxGeneratedJobs);
    g.priority = int(r.optional_integer("priority", -1000, 1000).value_or(0));
    g.start = r.has("start") ? bounded(r, "start", kMaxHorizonDays) : Seconds(0);
    const bool by_rate = r.has("arrivals_per_day");
    if (by_rate == r.has("load")) {
        throw InputError("generator.load", "(missing)",
                         "one of load (offered GPU-time over the fleet's, e.g. 0.5) or arrivals_per_day");
    }
    if (by_rate) {
        g.arrivals_per_s = r.number("arrivals_per_day", 1e-6, 1e8) / kSecondsPerDay;
    } else {
        const double load = r.number("load", 1e-6, 10);
        g.arrivals_per_s = load * double(f.layout.gpus) / (g.mix.mean_gpus() * g.mix.mean_duration().value);
    }
    for (const auto& s : g.mix.sizes) {
        if (s.first > f.layout.gpus) {
            throw InputError("generator.mix.sizes", std::to_string(s.first),
                             "job sizes up to the fleet's " + std::to_string(f.layout.gpus) + " GPUs");
        }
    }
    r.finish();
    return g;
}

std::int64_t read_spares(spec::FieldReader& r, const FleetLayout& l) {
    if (!r.has("spares")) return 0;
    const std::string v = r.raw("spares").Scalar();
    if (!v.empty() && v.back() == '%') {
        double pct = -1;
        try {
            std::size_t used = 0;
            pct = std::stod(v.substr(0, v.size() - 1), &used);
            if (used != v.size() - 1) pct = -1;
        } catch (const std::exception&) {
            pct = -1;
        }
        if (!(pct >= 0 && pct <= 50)) throw InputError("spares", v, "nodes (\"64\") or a share of the fleet's nodes from 0% to 50%");
        return std::int64_t(std::ceil(pct / 100 * double(l.nodes)));
    }
    return r.integer("spares", 0, l.nodes / 2);
}
}  // namespace

FleetSpec load_fleet(const std::string& yaml_text, const std::string& source_name, const std::vector<Override>& overrides,
                     const Catalog& catalog, Diagnostics& diagnostics) {
    YAML::Node root = yaml_text.empty() ? YAML::Node(YAML::NodeType::Map)
                                        : spec::load_mapping(yaml_text, source_name, "fleet", "fleet scenario");
    for (const auto& o : overrides) root[o.key] = o.value;
    if (root["model"] && !root["jobs"] && !root["generator"] && !root["trace"]) {
        throw InputError("model", root["model"].IsScalar() ? root["model"].Scalar() : "(given)",
                         "a fleet scenario (cluster, days, and jobs, a trace or a generator); this looks like a training "
                         "scenario: list it under jobs: with its gpus and duration");
    }
    spec::FieldReader r(root, "", diagnostics);
    FleetSpec f;
    f.cluster_reference = r.text("cluster");
    f.cluster = catalog.cluster(f.cluster_reference, "cluster", diagnostics);
    const std::int64_t gpus = r.has("gpus") ? r.integer("gpus", 1, 10'000'000)
                              : f.cluster.max_gpus > 0 ? f.cluster.max_gpus
                                                       : throw InputError("gpus", "(missing)", "the fleet's GPU count (its cluster states no size)");
    if (gpus % f.cluster.gpus_per_node != 0) {
        throw InputError("gpus", std::to_string(gpus),
                         "a multiple of the cluster's " + std::to_string(f.cluster.gpus_per_node) + " GPUs a node");
    }
    f.layout = fleet_layout(f.cluster, gpus, diagnostics);
    f.horizon = Seconds(r.number("days", 1.0 / 24, kMaxHorizonDays) * kSecondsPerDay);
    f.seed = static_cast<std::uint64_t>(r.optional_integer("seed", 0, std::int64_t(1) << 53).value_or(1));
    f.replications = r.optional_integer("replications", 1, kMaxReplications).value_or(1);
    if (r.has("policy")) f.policy = r.choice("policy", {"fifo", "backfill"}) == "fifo" ? QueuePolicy::fifo : QueuePolicy::backfill;
    if (r.has("placement")) {
        f.placement = r.choice("placement", {"packed", "scattered"}) == "packed" ? PlacementPolicy::packed
                                                                                 : PlacementPolicy::scattered;
    }
    f.spare_nodes = read_spares(r, f.layout);
    const std::string failures = r.optional_text("failures").value_or("llama3");
    if (failures != "off" && failures != "none") {
        f.failures = load_failure_profile(catalog, failures, {}, diagnostics);
    }
    if (r.has("checkpoint_blocking")) f.checkpoint_blocking = bounded(r, "checkpoint_blocking", 1);
    f.drain_after = r.optional_integer("drain_after", 1, 1000).value_or(f.drain_after);
    if (r.has("drain_window")) f.drain_window = bounded(r, "drain_window", kMaxHorizonDays);
    if (r.has("drain_time")) f.drain_time = bounded(r, "drain_time", kMaxHorizonDays);
    f.preemption = r.optional_flag("preemption").value_or(true);
    f.backfill_depth = r.optional_integer("backfill_depth", 1, 100'000).value_or(f.backfill_depth);
    if (r.has("sample_interval")) {
        f.sample_interval = bounded(r, "sample_interval", kMaxHorizonDays);
        if (f.sample_interval.value < 60) throw InputError("sample_interval", r.raw("sample_interval").Scalar(), "at least 1 min");
    }
    f.jobs = read_listed_jobs(r.raw("jobs"), f, catalog, diagnostics);
    if (r.has("trace")) {
        const std::string path = r.text("trace");
        if (!catalog.reads_files()) throw InputError("trace", path, "no files here: list the jobs or use a generator");
        std::vector<FleetJob> traced = read_job_trace(read_text_file(path, "trace"), path);
        for (auto& j : traced) {
            if (j.gpus > f.layout.gpus) {
                throw InputError("trace " + path + ": " + j.name + ".gpus", std::to_string(j.gpus),
                                 "at most the fleet's " + std::to_string(f.layout.gpus) + " GPUs");
            }
        }
        f.jobs.insert(f.jobs.end(), traced.begin(), traced.end());
    }
    f.generator = read_generator(r.raw("generator"), f, catalog, diagnostics);
    r.finish();
    std::stable_sort(f.jobs.begin(), f.jobs.end(), [](const FleetJob& a, const FleetJob& b) { return a.arrival < b.arrival; });
    if (f.jobs.empty() && !f.generator) throw InputError("jobs", "(none)", "jobs, a trace or a generator");
    if (f.spare_nodes > 0 && !f.failures) diagnostics.warn("spares are held back although failures are off");
    const std::int64_t schedulable = f.layout.nodes - f.spare_nodes;
    for (const auto& j : f.jobs) {
        const std::int64_t nodes = (j.gpus + f.layout.gpus_per_node - 1) / f.layout.gpus_per_node;
        if (nodes > schedulable) {
            diagnostics.warn("job " + j.name + " needs " + std::to_string(nodes) + " nodes; the fleet schedules " +
                             std::to_string(schedulable) + " beside its " + std::to_string(f.spare_nodes) +
                             " spares: it will never start");
            break;
        }
    }
    check_fleet_size(f);
    return f;
}

void check_fleet_size(const FleetSpec& f) {
    const double jobs = double(f.jobs.size()) + (f.generator ? double(f.generator->jobs) : 0);
    if (jobs * double(f.replications) > 1e9) {
        throw InputError("replications", std::to_string(f.replications),
                         "at most 10^9 jobs over all replications (" + std::to_string(std::int64_t(jobs)) + " a replication)");
    }
    const double samples = f.horizon.value / f.sample_interval.value;
    if (samples * double(f.replications) > 1e8) {
        throw InputError("sample_interval", format_duration(f.sample_interval), "fewer than 10^8 samples over all replications");
    }
}

}  // namespace colossim
