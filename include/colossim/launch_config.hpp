// A scenario's plan as the launch arguments of the framework that would run it
// (`estimate --emit`, `plan --emit`): Megatron-LM command-line flags, NeMo 2.0
// `nemo llm pretrain` overrides, or a TorchTitan TOML fragment. Lines starting with '#'
// say what colossim assumed and what the framework cannot express as colossim priced it.
#pragma once

#include <string>
#include <vector>

#include "colossim/scenario.hpp"

namespace colossim {

enum class LaunchFramework { megatron, nemo, torchtitan };
LaunchFramework parse_launch_framework(const std::string& name);  // megatron|nemo|torchtitan, else InputError

struct LaunchConfig {
    std::string text;                // what to paste: arguments, overrides or TOML
    std::vector<std::string> names;  // the framework's names used ("--tensor-model-parallel-size", "training.seq_len")
    std::vector<std::string> notes;  // the assumptions and what does not carry over
};

// `s` holds the plan to launch (its parallelism and micro-batch).
LaunchConfig launch_config(const Scenario& s, LaunchFramework framework);

}  // namespace colossim
