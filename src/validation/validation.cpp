#include "colossim/validation.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "../spec/field_reader.hpp"
#include "colossim/estimate.hpp"
#include "colossim/spec.hpp"

namespace colossim {

namespace {
// `over` on top of `base`: mappings merge key by key, anything else replaces.
YAML::Node merged(const YAML::Node& base, const YAML::Node& over) {
    if (!base.IsDefined() || base.IsNull()) return YAML::Clone(over);
    if (!over.IsDefined() || over.IsNull()) return YAML::Clone(base);
    if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
    YAML::Node out = YAML::Clone(base);
    for (auto it = over.begin(); it != over.end(); ++it) {
        const std::string key = it->first.Scalar();
        out[key] = merged(base[key], it->second);
    }
    return out;
}

std::string text_of(const YAML::Node& node, const std::string& key, const std::string& where) {
    const YAML::Node v = node[key];
    if (!v.IsDefined() || !v.IsScalar()) throw InputError(where + ": " + key, "", "required: a text");
    return v.Scalar();
}

// An error counts "too optimistic" as +: a throughput predicted high, a time predicted low.
bool lower_is_better(const std::string& metric) { return metric == "step_time_s"; }
}  // namespace

const std::vector<std::string>& validation_metrics() {
    static const std::vector<std::string> kMetrics = {"tokens_per_s_per_gpu", "step_time_s", "model_tflops_per_gpu",
                                                      "hardware_tflops_per_gpu", "mfu_bf16", "mfu"};
    return kMetrics;
}

double validation_metric(const std::string& metric, const StepResult& r, const Scenario& s) {
    if (metric == "tokens_per_s_per_gpu") return r.tokens_per_s / double(s.gpus);
    if (metric == "step_time_s") return r.step_time.value;
    if (metric == "hardware_tflops_per_gpu") return r.hardware_flops_per_gpu.value / 1e12;
    if (metric == "model_tflops_per_gpu") return r.model_flops_per_gpu.value / 1e12;
    if (metric == "mfu_bf16") return r.model_flops_per_gpu / s.cluster.gpu.peak_bf16;
    if (metric == "mfu") return r.mfu;
    throw InternalError("unknown validation metric " + metric);
}

std::vector<ValidationCase> load_validation_suite(const std::string& text, const std::string& where,
                                                  const Catalog& catalog) {
    YAML::Node doc = spec::load_document(text, where);
    if (!doc.IsMap()) {
        throw InputError("validation suite " + where, doc.IsDefined() && !doc.IsNull() ? "(not a mapping)" : "(empty)",
                         "a mapping with suite, source, metric, cases");
    }
    const std::string suite = text_of(doc, "suite", where);
    const std::string source = text_of(doc, "source", where);
    const std::string metric = text_of(doc, "metric", where);
    const std::string origin = doc["origin"].IsDefined() ? text_of(doc, "origin", where) : suite;
    const YAML::Node defaults = doc["defaults"];
    const YAML::Node cases = doc["cases"];
    if (!cases.IsSequence()) throw InputError(where + ": cases", "", "a list of cases");
    auto check_metric = [&](const std::string& m, const std::string& field) {
        const auto& all = validation_metrics();
        if (std::find(all.begin(), all.end(), m) == all.end()) {
            std::string valid;
            for (const auto& x : all) valid += (valid.empty() ? "one of " : ", ") + x;
            throw InputError(field, m, valid);
        }
    };
    check_metric(metric, where + ": metric");
    std::vector<ValidationCase> out;
    for (const auto& c : cases) {
        ValidationCase v;
        v.suite = suite;
        v.source = source;
        v.origin = origin;
        v.name = text_of(c, "name", where);
        v.metric = c["metric"].IsDefined() ? text_of(c, "metric", where + ":" + v.name) : metric;
        check_metric(v.metric, where + ":" + v.name + ": metric");
        if (!c["published"].IsDefined() || !c["published"].IsScalar())
            throw InputError(where + ":" + v.name + ": published", "", "required: the published figure");
        v.published = c["published"].as<double>();
        // Any published figure (tokens/s per GPU, seconds, TFLOP/s, a fraction) is far below 1e9.
        if (!(v.published > 0 && v.published <= 1e9)) {
            throw InputError(where + ":" + v.name + ": published", c["published"].Scalar(), "a figure above 0 and at most 1e9");
        }
        YAML::Node scenario = YAML::Clone(c);
        for (const char* key : {"name", "published", "metric"}) scenario.remove(key);
        YAML::Emitter e;
        e << merged(defaults, scenario);
        Diagnostics d;
        v.scenario = load_scenario(e.c_str(), where + ":" + v.name, {}, catalog, d);
        if (!d.warnings.empty()) throw InputError(where + ":" + v.name, "", d.warnings.front());
        v.generation = v.scenario.cluster.gpu.generation.empty() ? "unknown" : v.scenario.cluster.gpu.generation;
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<ValidationCase> load_validation_cases(const Catalog& catalog, const std::vector<std::string>& extra_files) {
    std::vector<ValidationCase> out;
    for (const auto& suite_name : catalog.names(CatalogKind::validation)) {
        auto cases = load_validation_suite(*catalog.text(CatalogKind::validation, suite_name),
                                           "validation/" + suite_name + ".yaml", catalog);
        for (auto& c : cases) out.push_back(std::move(c));
    }
    for (const auto& file : extra_files) {
        auto cases = load_validation_suite(read_text_file(file, "validate --suite"), file, catalog);
        for (auto& c : cases) out.push_back(std::move(c));
    }
    return out;
}

std::vector<ValidationResult> run_validation(const std::vector<ValidationCase>& cases, const Calibration& calibration,
                                             const StepEngineFn& engine) {
    std::vector<ValidationResult> out;
    out.reserve(cases.size());
    for (const auto& c : cases) {
        StepResult r = engine ? engine(c.scenario) : estimate(c.scenario, calibration);
        ValidationResult v;
        v.vcase = c;
        v.predicted = validation_metric(c.metric, r, c.scenario);
        v.error = (v.predicted - c.published) / c.published;
        if (lower_is_better(c.metric)) v.error = -v.error;
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<ValidationResult> run_validation(const Catalog& catalog, const Calibration& calibration,
                                             const StepEngineFn& engine) {
    return run_validation(load_validation_cases(catalog), calibration, engine);
}

double mean_absolute_error(const std::vector<ValidationResult>& results) { return summarize_all(results).mean_abs; }

namespace {
void add_to(ErrorSummary& s, const ValidationResult& r) {
    ++s.cases;
    s.mean_abs += std::fabs(r.error);
    s.bias += r.error;
    if (std::fabs(r.error) >= std::fabs(s.worst)) {
        s.worst = r.error;
        s.worst_case = r.vcase.suite + "/" + r.vcase.name;
    }
}
void finish(ErrorSummary& s) {
    if (s.cases == 0) return;
    s.mean_abs /= double(s.cases);
    s.bias /= double(s.cases);
}
}  // namespace

ErrorSummary summarize_all(const std::vector<ValidationResult>& results) {
    ErrorSummary s;
    s.group = "all";
    for (const auto& r : results) add_to(s, r);
    finish(s);
    return s;
}

std::vector<ErrorSummary> summarize(const std::vector<ValidationResult>& results, GroupBy by) {
    std::vector<ErrorSummary> out;  // in order of first appearance
    std::map<std::string, std::size_t> index;
    for (const auto& r : results) {
        const std::string& key = by == GroupBy::origin ? r.vcase.origin : r.vcase.generation;
        auto [it, added] = index.try_emplace(key, out.size());
        if (added) {
            out.emplace_back();
            out.back().group = key;
        }
        add_to(out[it->second], r);
    }
    for (auto& s : out) finish(s);
    return out;
}

namespace {
// Minimise the mean absolute error over `cases` in each fitted constant in turn
// (golden-section search inside its bounds; two rounds of coordinate descent).
std::vector<double> fit(const std::vector<ValidationCase>& cases, Calibration& cal,
                        const std::function<StepEngineFn(const Calibration&)>& engine_for) {
    auto error_of = [&](const Calibration& c) {
        return mean_absolute_error(run_validation(cases, c, engine_for ? engine_for(c) : nullptr));
    };
    const auto knobs = cal.fitted_constants();
    for (int round = 0; round < 2 && !knobs.empty(); ++round) {
        for (const auto& k : knobs) {
            double lo = k.low, hi = k.high;
            const double g = (std::sqrt(5.0) - 1) / 2;
            double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
            auto at = [&](double x) {
                Calibration c = cal;
                c.set(k.name, x);
                return error_of(c);
            };
            double fa = at(a), fb = at(b);
            for (int i = 0; i < 30; ++i) {
                if (fa < fb) {
                    hi = b, b = a, fb = fa, a = hi - g * (hi - lo), fa = at(a);
                } else {
                    lo = a, a = b, fa = fb, b = lo + g * (hi - lo), fb = at(b);
                }
            }
            cal.set(k.name, (lo + hi) / 2);
        }
    }
    std::vector<double> values;
    for (const auto& k : knobs) values.push_back(cal.get(k.name));
    return values;
}
}  // namespace

CrossValidation cross_validate(const std::vector<ValidationCase>& cases, const Calibration& calibration,
                               const std::function<StepEngineFn(const Calibration&)>& engine_for) {
    CrossValidation cv;
    for (const auto& k : calibration.fitted_constants()) cv.fitted_names.push_back(k.name);
    std::vector<std::string> origins;
    for (const auto& c : cases) {
        if (std::find(origins.begin(), origins.end(), c.origin) == origins.end()) origins.push_back(c.origin);
    }
    std::vector<ValidationResult> all_held_out;
    for (const auto& origin : origins) {
        std::vector<ValidationCase> train, test;
        for (const auto& c : cases) (c.origin == origin ? test : train).push_back(c);
        Calibration cal = calibration;
        HeldOut fold;
        fold.fitted = fit(train, cal, engine_for);
        auto results = run_validation(test, cal, engine_for ? engine_for(cal) : nullptr);
        fold.summary = summarize_all(results);
        fold.summary.group = origin;
        for (auto& r : results) all_held_out.push_back(std::move(r));
        cv.folds.push_back(std::move(fold));
    }
    cv.mean_abs = mean_absolute_error(all_held_out);
    return cv;
}

}  // namespace colossim
