// ModelSpec from our YAML schema (data/README.md) or from a HuggingFace config.json.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "colossim/errors.hpp"
#include "colossim/model.hpp"

namespace colossim::spec {

// `path` is the dotted path of the mapping, for messages ("model").
ModelSpec read_model_yaml(const YAML::Node& node, const std::string& path, Diagnostics& diagnostics);

// A HuggingFace config.json, recognised by its `model_type`. Families read: gpt2, llama,
// mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, nemotron, deepseek_v3 (and
// deepseek_v2). Keys colossim has no use for (dtypes, rope scaling, ...) are ignored.
ModelSpec read_hf_config(const YAML::Node& node, const std::string& source_name, Diagnostics& diagnostics);

bool looks_like_hf_config(const YAML::Node& node);

// Checks what every model must satisfy (positive sizes, heads divisible by KV heads, ...).
void check_model(const ModelSpec& m, const std::string& path);

}  // namespace colossim::spec
