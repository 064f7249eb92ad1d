#include "colossim/sweep.hpp"

#include <yaml-cpp/yaml.h>

#include "../spec/field_reader.hpp"
#include "colossim/spec.hpp"

namespace colossim {

namespace {
std::vector<std::string> text_list(spec::FieldReader& r, const char* key) {
    YAML::Node n = r.raw(key);
    if (!n.IsDefined() || n.IsNull()) throw InputError(r.path_of(key), "", "required: a list, e.g. [a, b]");
    std::vector<std::string> out;
    if (n.IsScalar()) out.push_back(n.Scalar());
    else if (n.IsSequence()) {
        for (const auto& v : n) {
            if (!v.IsScalar()) throw InputError(r.path_of(key), "(a nested value)", "a list of names");
            out.push_back(v.Scalar());
        }
    } else {
        throw InputError(r.path_of(key), "(a mapping)", "a list, e.g. [a, b]");
    }
    if (out.empty()) throw InputError(r.path_of(key), "[]", "at least one entry");
    if (out.size() > 10000) throw InputError(r.path_of(key), std::to_string(out.size()) + " entries", "at most 10,000");
    return out;
}
}  // namespace

SweepGrid read_sweep_grid(const std::string& yaml_text, const std::string& source_name, Diagnostics& diagnostics) {
    YAML::Node root = spec::load_mapping(yaml_text, source_name, "grid", "the sweep grid");
    spec::FieldReader r(root, "", diagnostics);
    SweepGrid g;
    g.models = text_list(r, "models");
    g.clusters = text_list(r, "clusters");
    for (const auto& v : text_list(r, "gpus")) {
        try {
            std::size_t used = 0;
            long long n = std::stoll(v, &used);
            if (used != v.size() || n < 1 || n > 100'000'000) throw std::invalid_argument(v);
            g.gpus.push_back(n);
        } catch (const std::exception&) {
            throw InputError("gpus", v, "whole numbers from 1 to 100M");
        }
    }
    if (r.has("objective")) {
        std::string o = r.choice("objective", {"throughput", "time", "cost"});
        g.objective = o == "time" ? PlanObjective::time_to_train : o == "cost" ? PlanObjective::cost : PlanObjective::throughput;
    } else {
        r.raw("objective");
    }
    constexpr std::size_t kMaxScenarios = 100000;
    if (g.size() > kMaxScenarios) {
        throw InputError("models x clusters x gpus", std::to_string(g.size()) + " scenarios",
                         "at most " + std::to_string(kMaxScenarios) + " scenarios in one sweep");
    }
    YAML::Node common(YAML::NodeType::Map);
    for (const char* section : {"training", "parallelism", "hardware"}) {
        YAML::Node n = r.raw(section);
        if (n.IsDefined() && !n.IsNull()) common[section] = n;
    }
    r.finish();
    YAML::Emitter e;
    e << common;
    g.common_yaml = e.c_str();
    return g;
}

std::string SweepGrid::scenario_yaml(std::size_t i) const {
    const std::size_t g = i % gpus.size(), c = (i / gpus.size()) % clusters.size(), m = i / (gpus.size() * clusters.size());
    YAML::Node n = YAML::Load(common_yaml);
    n["model"] = models[m];
    n["cluster"] = clusters[c];
    n["gpus"] = gpus[g];
    YAML::Emitter e;
    e << n;
    return e.c_str();
}

SweepEntry run_sweep_entry(const SweepGrid& grid, std::size_t i, const Catalog& catalog,
                           const Calibration& calibration, const PlanOptions& options) {
    const std::string yaml = grid.scenario_yaml(i);
    const std::string source = "sweep scenario " + std::to_string(i);
    Diagnostics diagnostics;
    SweepEntry entry;
    entry.index = i;
    entry.base = load_scenario(yaml, source, {}, catalog, diagnostics, ScenarioCheck::fields_only);
    PlanOptions o = options;
    o.objective = grid.objective;
    entry.plans = search_plans(entry.base, default_space(entry.base, scenario_keys_given(yaml, source, {})), o, calibration);
    return entry;
}

}  // namespace colossim
