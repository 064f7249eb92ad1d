// The JSON object of one estimate, shared by `estimate --json` and `plan --json`
// (internal to the report layer: nlohmann stays out of the public headers).
#pragma once

#include <nlohmann/json.hpp>

#include "colossim/estimate.hpp"
#include "colossim/scenario.hpp"

namespace colossim {

// `p` and `micro_batch` are the plan's (a search varies them on a shared scenario).
nlohmann::ordered_json result_object(const Scenario& s, const Parallelism& p, std::int64_t micro_batch,
                                     const StepResult& r);

}  // namespace colossim
