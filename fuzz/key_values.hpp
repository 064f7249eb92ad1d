// The scalar entries of a fuzzed YAML mapping as {key, value} pairs, as a command's
// flags would give them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "colossim/spec.hpp"

namespace colossim::fuzz {

inline std::vector<Override> key_values(const YAML::Node& map) {
    std::vector<Override> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (it->first.IsScalar() && it->second.IsScalar()) out.push_back({it->first.Scalar(), it->second.Scalar()});
    }
    return out;
}

}  // namespace colossim::fuzz
