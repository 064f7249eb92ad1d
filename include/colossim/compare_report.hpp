// Scenarios side by side (`colossim compare`): a column a scenario, a row a metric, each
// value after the first with its change against the first column.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "colossim/estimate.hpp"
#include "colossim/scenario.hpp"

namespace colossim {

struct ComparedScenario {
    std::string label;  // what the column is called (the file's name, or "scenario N")
    Scenario scenario;
    StepResult result;
};

// One metric across the scenarios: a number per scenario (absent where it does not apply,
// e.g. time to train without training.tokens), or a text (parallelism, precision).
struct ComparisonRow {
    std::string section, metric, unit;
    std::vector<std::optional<double>> values;
    std::vector<std::string> text;  // set for text rows instead of values
    bool differs = false;           // some value departs from the first by more than 0.5%
};

std::vector<ComparisonRow> comparison_rows(const std::vector<ComparedScenario>& scenarios);
std::string comparison_table(const std::vector<ComparedScenario>& scenarios);
std::string comparison_json(const std::vector<ComparedScenario>& scenarios, const std::vector<std::string>& warnings);
std::string comparison_csv(const std::vector<ComparedScenario>& scenarios);

}  // namespace colossim
