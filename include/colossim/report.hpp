// Presenting results: the JSON object of `estimate --json` and the readable table.
#pragma once

#include <string>
#include <vector>

#include "colossim/estimate.hpp"
#include "colossim/layer_ops.hpp"
#include "colossim/scenario.hpp"

namespace colossim {

// One JSON object (see README "estimate --json" for the fields). Pretty-printed.
std::string estimate_json(const Scenario& s, const StepResult& r, const std::vector<std::string>& warnings);
std::string estimate_table(const Scenario& s, const StepResult& r);
// `estimate --ops`: one layer's operations (layer_ops()) as a table, or as a JSON array.
std::string layer_ops_table(const std::vector<LayerOp>& ops);
std::string layer_ops_json(const std::vector<LayerOp>& ops);
// An estimate's JSON object (estimate_json) with the array added as "layer_ops".
std::string with_layer_ops_json(const std::string& estimate_json, const std::vector<LayerOp>& ops);

// `colossim show` of catalog entries.
std::string describe_model(const ModelSpec& m);
std::string describe_gpu(const GpuSpec& g);
std::string describe_cluster(const ClusterSpec& c);

}  // namespace colossim
