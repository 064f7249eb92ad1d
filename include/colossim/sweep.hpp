// Sweeps: many scenarios (models x clusters x GPU counts) each planned, for design-space
// studies. A grid file:
//   models: [llama3-70b, llama3-405b]     # catalog names or files
//   clusters: [dgx-h100, dgx-b200]
//   gpus: [4096, 16384]
//   training: {seq_len: 8192, global_batch: 2048, tokens: 15T}   # as in a scenario
//   parallelism: {recompute: selective}                           # optional fixed choices
//   objective: throughput                                          # throughput|time|cost
// Scenario i of the grid is model-major: (model, cluster, gpus) in the order written.
#pragma once

#include <string>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/plan.hpp"

namespace colossim {

struct SweepGrid {
    std::vector<std::string> models, clusters;
    std::vector<std::int64_t> gpus;
    std::string common_yaml;  // the grid's training/parallelism/hardware sections, as YAML
    PlanObjective objective = PlanObjective::throughput;

    std::size_t size() const { return models.size() * clusters.size() * gpus.size(); }
    // Scenario i as YAML text (model, cluster, gpus and the common sections).
    std::string scenario_yaml(std::size_t i) const;
};

SweepGrid read_sweep_grid(const std::string& yaml_text, const std::string& source_name, Diagnostics& diagnostics);

struct SweepEntry {
    std::size_t index = 0;
    Scenario base;       // the scenario before planning
    PlanResult plans;    // its ranked plans
};

// Plans scenario i of the grid. Deterministic: the same entry on any process.
SweepEntry run_sweep_entry(const SweepGrid& grid, std::size_t i, const Catalog& catalog,
                           const Calibration& calibration, const PlanOptions& options);

}  // namespace colossim
