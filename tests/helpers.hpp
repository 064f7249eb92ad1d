// Shared helpers of the test suite: load scenarios from inline YAML and the catalog.
#pragma once

#include <string>

#include "colossim/catalog.hpp"
#include "colossim/cost.hpp"
#include "colossim/estimate.hpp"
#include "colossim/spec.hpp"

namespace colossim::test {

inline const Catalog& catalog() {
    static const Catalog c = Catalog::builtin();
    return c;
}

inline const Calibration& calibration() {
    static const Calibration c = Calibration::from_catalog(catalog());
    return c;
}

inline Scenario scenario(const std::string& yaml, const std::vector<Override>& overrides = {}) {
    Diagnostics d;
    return load_scenario(yaml, "test", overrides, catalog(), d);
}

// The comma-separated fields of one CSV line (no quoting in colossim's data files).
inline std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> out;
    std::string::size_type start = 0;
    for (;;) {
        auto comma = line.find(',', start);
        out.push_back(line.substr(start, comma - start));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

inline std::string source_path(const std::string& relative) { return std::string(COLOSSIM_SOURCE_DIR) + "/" + relative; }

// The flagship: Llama 3 405B on 16,384 H100 as in the Llama 3 paper's Table 4.
inline const char* kLlama405b = R"(
model: llama3-405b
cluster: dgx-h100
gpus: 16384
parallelism: {tp: 8, pp: 16, vpp: 4, zero: 2, recompute: none, sequence_parallel: true}
training: {seq_len: 8192, global_batch: 2048, micro_batch: 1, tokens: 15.6T}
)";

}  // namespace colossim::test
