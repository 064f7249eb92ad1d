// Validation against published measurements (data/validation/*.yaml): each case is a
// scenario, a published figure, the metric it measures and its source.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "colossim/catalog.hpp"
#include "colossim/cost.hpp"
#include "colossim/estimate.hpp"
#include "colossim/scenario.hpp"

namespace colossim {

struct ValidationCase {
    std::string suite, name, source, metric;
    double published = 0;
    Scenario scenario;
};

struct ValidationResult {
    ValidationCase vcase;
    double predicted = 0;
    double error = 0;  // (predicted - published) / published
};

std::vector<ValidationCase> load_validation_cases(const Catalog& catalog);
// Each case through `engine` (default: the analytical estimate()).
using StepEngineFn = std::function<StepResult(const Scenario&)>;
std::vector<ValidationResult> run_validation(const Catalog& catalog, const Calibration& calibration,
                                             const StepEngineFn& engine = nullptr);
double mean_absolute_error(const std::vector<ValidationResult>& results);

}  // namespace colossim
