#include "colossim/validation.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>

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

double metric_of(const std::string& metric, const StepResult& r) {
    if (metric == "hardware_tflops_per_gpu") return r.hardware_flops_per_gpu.value / 1e12;
    if (metric == "model_tflops_per_gpu") return r.model_flops_per_gpu.value / 1e12;
    if (metric == "mfu") return r.mfu;
    throw InternalError("unknown validation metric " + metric);
}
}  // namespace

std::vector<ValidationCase> load_validation_cases(const Catalog& catalog) {
    std::vector<ValidationCase> out;
    for (const auto& suite_name : catalog.names(CatalogKind::validation)) {
        const std::string source = "validation/" + suite_name + ".yaml";
        YAML::Node doc = spec::load_document(*catalog.text(CatalogKind::validation, suite_name), source);
        YAML::Node defaults = doc["defaults"];
        for (const auto& c : doc["cases"]) {
            ValidationCase v;
            v.suite = doc["suite"].as<std::string>();
            v.source = doc["source"].as<std::string>();
            v.metric = doc["metric"].as<std::string>();
            v.name = c["name"].as<std::string>();
            v.published = c["published"].as<double>();
            YAML::Node scenario = YAML::Clone(c);
            scenario.remove("name");
            scenario.remove("published");
            YAML::Emitter e;
            e << merged(defaults, scenario);
            Diagnostics d;
            v.scenario = load_scenario(e.c_str(), source + ":" + v.name, {}, catalog, d);
            if (!d.warnings.empty()) throw InternalError(source + ": " + d.warnings.front());
            out.push_back(std::move(v));
        }
    }
    return out;
}

std::vector<ValidationResult> run_validation(const Catalog& catalog, const Calibration& calibration,
                                             const StepEngineFn& engine) {
    std::vector<ValidationResult> out;
    for (auto& c : load_validation_cases(catalog)) {
        StepResult r = engine ? engine(c.scenario) : estimate(c.scenario, calibration);
        ValidationResult v;
        v.predicted = metric_of(c.metric, r);
        v.error = (v.predicted - c.published) / c.published;
        v.vcase = std::move(c);
        out.push_back(std::move(v));
    }
    return out;
}

double mean_absolute_error(const std::vector<ValidationResult>& results) {
    double sum = 0;
    for (const auto& r : results) sum += std::fabs(r.error);
    return results.empty() ? 0.0 : sum / double(results.size());
}

}  // namespace colossim
