// Presenting goodput under failures (`colossim goodput`, and the failure overhead that
// `estimate --tokens` adds): readable tables and JSON objects.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "colossim/estimate.hpp"
#include "colossim/reliability.hpp"
#include "colossim/scenario.hpp"

namespace colossim {

// Everything `colossim goodput` prints.
struct GoodputReport {
    std::string profile;        // failure profile name
    CheckpointMode mode = CheckpointMode::sync;
    bool interval_auto = true;
    RunInputs inputs;
    GoodputResult expected;
    MonteCarloResult simulated; // trials = 0: not simulated
};
// {interruptions_expected, job_mtbf_s, checkpoint_interval_s, checkpoint_write_s,
//  restart_s, goodput, wall_clock_s{mean, p50, p90, p99, histogram{edges, counts}}, ...}; see README.
std::string goodput_json(const Scenario& s, const GoodputReport& g, const std::vector<std::string>& warnings);
std::string goodput_table(const Scenario& s, const GoodputReport& g);

// The expected cost of failures on an estimate's time to train.
struct FailureOverhead {
    std::string profile;
    double goodput = 1;
    Seconds time_to_train;  // with failures, checkpoints and restarts
    double interruptions = 0;
};
// The object of `estimate --json` with time_to_train_with_failures_s and goodput added
// (null when the scenario has no tokens to train).
std::string estimate_with_failures_json(const Scenario& s, const StepResult& r,
                                        const std::optional<FailureOverhead>& failures,
                                        const std::vector<std::string>& warnings);
// The lines `estimate` adds under "training N tokens".
std::string failure_overhead_table(const FailureOverhead& f);

}  // namespace colossim
