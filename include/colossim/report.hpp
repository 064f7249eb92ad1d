// Presenting results: the JSON object of `estimate --json` and the readable table.
#pragma once

#include <string>
#include <vector>

#include "colossim/estimate.hpp"
#include "colossim/scenario.hpp"

namespace colossim {

// One JSON object (see README "estimate --json" for the fields). Pretty-printed.
std::string estimate_json(const Scenario& s, const StepResult& r, const std::vector<std::string>& warnings);
std::string estimate_table(const Scenario& s, const StepResult& r);

// `colossim show` of catalog entries.
std::string describe_model(const ModelSpec& m);
std::string describe_gpu(const GpuSpec& g);
std::string describe_cluster(const ClusterSpec& c);

}  // namespace colossim
