// GpuSpec and ClusterSpec from their YAML schema (data/README.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>

#include "colossim/errors.hpp"
#include "colossim/hardware.hpp"

namespace colossim::spec {

GpuSpec read_gpu_yaml(const YAML::Node& node, const std::string& path, Diagnostics& diagnostics);

// The optional `fabric:` section of a cluster file.
FabricSpec read_fabric_yaml(const YAML::Node& node, const std::string& path, Diagnostics& diagnostics);

// `resolve_gpu` turns the cluster's `gpu:` reference into a GpuSpec.
using GpuResolver = std::function<GpuSpec(const std::string& reference, const std::string& field)>;
ClusterSpec read_cluster_yaml(const YAML::Node& node, const std::string& path, Diagnostics& diagnostics,
                              const GpuResolver& resolve_gpu);

std::map<std::string, std::string> read_sources_map(const YAML::Node& node, const std::string& path);

}  // namespace colossim::spec
