// The event-driven engine, first form: one training step's pipeline executed task by
// task on a discrete-event core. Each pipeline rank runs its schedule's order
// (pipeline_schedule.hpp); a forward waits for the previous virtual stage's forward of
// the same micro-batch plus one transfer, a backward for the next stage's backward; a
// rank that sends is busy for the transfer (Megatron-LM's blocking P2P). Task times are
// the analytical engine's per-stage times split evenly over a rank's chunks, so with no
// contention the two engines must agree; data-parallel and optimizer tails are shared.
// One representative GPU per pipeline stage (TP and DP peers behave alike); network
// contention between steps' flows is not simulated yet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "colossim/estimate.hpp"
#include "colossim/pipeline_schedule.hpp"

namespace colossim {

struct TraceSpan {
    std::int64_t rank = 0;  // pipeline stage
    PipelineTask task;
    Seconds start, end;
    bool transfer = false;  // the P2P send after the task
};

struct SimulatedStep {
    StepResult result;
    PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
    Seconds pipeline;               // from the first forward to the last backward
    std::uint64_t events = 0;       // handled by the event core
    std::vector<TraceSpan> trace;   // when asked for
};

// What-ifs inside a step. A slow GPU: every GPU synchronises with its TP, DP and
// pipeline peers each step, so one GPU running `factor` times slower slows its whole
// pipeline stage (in every replica) by that factor.
struct StepWhatIf {
    std::int64_t slow_stage = -1;  // pipeline stage of the slow GPU; -1 none
    double slow_factor = 1.0;      // its compute takes this many times longer
};

// `schedule` defaults (nullptr) to interleaved when vpp > 1, else 1F1B.
SimulatedStep simulate_step(const Scenario& s, const Calibration& calibration, const PipelineSchedule* schedule,
                            bool keep_trace, const StepWhatIf& what_if = {});

// Chrome trace JSON (Perfetto opens it): a process per pipeline stage, threads for the
// compute stream and the P2P stream, one complete ("X") event per task.
std::string chrome_trace(const Scenario& s, const SimulatedStep& step);

}  // namespace colossim
