// From a scenario file and/or command-line overrides to a validated Scenario.
// A scenario file uses the flags' names, grouped (see README "Scenario files"):
//   model, cluster, gpus, hardware{gpu, gpus_per_node, nic_bw, nvlink_bw},
//   parallelism{tp, pp, vpp, dp, cp, ep, etp, zero, recompute, sequence_parallel,
//               dp_overlap, first_stage_layers, last_stage_layers, schedule},
//   training{seq_len, global_batch, micro_batch, tokens, precision, attention, dropout,
//            price_per_gpu_hour, pue}
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/errors.hpp"
#include "colossim/scenario.hpp"

namespace colossim {

// One override: a dotted key of the scenario file and its value as text,
// e.g. {"parallelism.tp", "8"}. The command line turns --tp 8 into exactly this.
struct Override {
    std::string key;
    std::string value;
};

// The flag <-> scenario key table, one place for the CLI, the docs and the tests.
struct FlagKey {
    const char* flag;  // without the leading "--"
    const char* key;   // dotted scenario key
    const char* help;
    const char* megatron = nullptr;  // Megatron-LM's name for the same setting (without "--"), if any
    bool is_switch = false;          // on|off, and the flag alone means on
};
const std::vector<FlagKey>& scenario_flags();

// How much of a scenario load_scenario checks: everything, or only each field on its own
// (the planner loads a scenario whose parallel plan it will choose itself).
enum class ScenarioCheck { full, fields_only };

// Parses scenario YAML text (may be empty), applies overrides, resolves catalog
// references and validates. Throws InputError; warnings go to `diagnostics`.
Scenario load_scenario(const std::string& yaml_text, const std::string& source_name,
                       const std::vector<Override>& overrides, const Catalog& catalog, Diagnostics& diagnostics,
                       ScenarioCheck check = ScenarioCheck::full);

// The dotted keys ("parallelism.tp", "training.micro_batch", ...) that the file and the
// overrides set, so a search can tell fixed choices from open ones.
std::set<std::string> scenario_keys_given(const std::string& yaml_text, const std::string& source_name,
                                          const std::vector<Override>& overrides);

// Checks a resolved scenario (divisibility, products, layer split, batch): the first
// problem as a value (for searches), or thrown.
std::optional<InputError> scenario_problem(const Scenario& s);
// The one size policy of every command: more GPUs than a cluster's largest build
// (max_gpus) is a warning, not an error; only the fabric's capacity refuses.
void warn_if_beyond_largest_build(const ClusterSpec& c, std::int64_t gpus, Diagnostics& diagnostics);
void validate_scenario(const Scenario& s);

// The divisors of n >= 1, ascending (the valid sizes of a parallel dimension).
std::vector<std::int64_t> divisors(std::int64_t n);

// Layers on each pipeline stage: even where the layers divide, else the first and last
// stages hold fewer (Megatron-Core's uneven split; the Llama 3 405B run put 126 layers on
// 16 stages as 7, 8 x 14, 7). Throws InputError when a stage would be empty.
std::vector<std::int64_t> stage_layers(const ModelSpec& m, const Parallelism& p);
std::optional<InputError> stage_layers_checked(const ModelSpec& m, const Parallelism& p, std::vector<std::int64_t>& out);

}  // namespace colossim
