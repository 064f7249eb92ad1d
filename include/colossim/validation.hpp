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

// The figures a published run can be compared on (a suite's `metric:`, or a case's own):
//   tokens_per_s_per_gpu     global batch x sequence / step time / GPUs
//   step_time_s              seconds per optimizer step
//   model_tflops_per_gpu     model FLOPs (workload.hpp) per second per GPU, in TFLOP/s
//   hardware_tflops_per_gpu  the same with recomputation counted
//   mfu_bf16                 model FLOP/s per GPU over the dense BF16 peak, whatever the precision
//   mfu                      over the dense peak of the training precision (FP8 peak for FP8)
const std::vector<std::string>& validation_metrics();
double validation_metric(const std::string& metric, const StepResult& result, const Scenario& scenario);

struct ValidationCase {
    std::string suite, name, source, metric;
    std::string origin;      // the publication the suite comes from (`origin:`, default the suite)
    std::string generation;  // the GPU's architecture generation (data/gpus `generation:`)
    double published = 0;
    Scenario scenario;
};

struct ValidationResult {
    ValidationCase vcase;
    double predicted = 0;
    double error = 0;  // (predicted - published) / published; for step_time_s the sign is
                       // flipped so that + always means "colossim predicts faster"
};

// Every suite compiled into the catalog, then the suites in `extra_files` (same format).
std::vector<ValidationCase> load_validation_cases(const Catalog& catalog,
                                                  const std::vector<std::string>& extra_files = {});
// One suite's YAML text; `where` names it in messages.
std::vector<ValidationCase> load_validation_suite(const std::string& text, const std::string& where,
                                                  const Catalog& catalog);

// Each case through `engine` (default: the analytical estimate()).
using StepEngineFn = std::function<StepResult(const Scenario&)>;
std::vector<ValidationResult> run_validation(const std::vector<ValidationCase>& cases, const Calibration& calibration,
                                             const StepEngineFn& engine = nullptr);
std::vector<ValidationResult> run_validation(const Catalog& catalog, const Calibration& calibration,
                                             const StepEngineFn& engine = nullptr);
double mean_absolute_error(const std::vector<ValidationResult>& results);

// Mean absolute error, signed mean (bias: + = colossim too optimistic) and worst case of
// a group of results.
struct ErrorSummary {
    std::string group;
    std::size_t cases = 0;
    double mean_abs = 0, bias = 0, worst = 0;
    std::string worst_case;
};
enum class GroupBy { origin, generation };
std::vector<ErrorSummary> summarize(const std::vector<ValidationResult>& results, GroupBy by);
ErrorSummary summarize_all(const std::vector<ValidationResult>& results);

// Leave one origin out: fit the calibration's fitted constants (Calibration::fitted) on
// the other origins, predict the held-out one. With nothing fitted the held-out errors
// are the in-sample ones, and `fitted` says so.
struct HeldOut {
    ErrorSummary summary;          // the held-out origin's errors under the fold's fit
    std::vector<double> fitted;    // the fold's values of the fitted constants
};
struct CrossValidation {
    std::vector<std::string> fitted_names;
    std::vector<HeldOut> folds;
    double mean_abs = 0;           // over every held-out case
};
CrossValidation cross_validate(const std::vector<ValidationCase>& cases, const Calibration& calibration,
                               const std::function<StepEngineFn(const Calibration&)>& engine_for = nullptr);

}  // namespace colossim
