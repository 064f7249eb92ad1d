// Pipeline schedules: the order in which each pipeline rank runs the forward and
// backward passes of its micro-batches (and, interleaved, of its model chunks).
//   gpipe:        all forwards, then all backwards (Huang et al. 2019)
//   1F1B:         p - i - 1 warm-up forwards on rank i, then one forward one backward,
//                 then the remaining backwards (PipeDream-Flush, Narayanan et al. 2021)
//   interleaved:  Megatron-LM's interleaved 1F1B with v chunks a rank: warm-up
//                 (p - i - 1) * 2 + (v - 1) * p forwards; micro-batches in groups of p
//                 (Narayanan et al. SC'21 sec. 2.2; megatron/core/pipeline_parallel/schedules.py)
//   zb-h1:        zero bubble H1 (Qi et al., ICLR 2024, sec. 3.1): the backward splits into
//                 B (input gradients, passed on) and W (weight gradients, local); 1F1B's
//                 order with rank i's W passes i micro-batches behind its B passes, so
//                 the last ranks push B back up the pipeline first and the W passes fill
//                 the cool-down. Every rank then holds at most p micro-batches (1F1B's
//                 first rank), and with equal F, B, W times the bubble shrinks from
//                 (p-1)(F+B+W) to (p-1)(F+B-W) (a test)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "colossim/scenario.hpp"

namespace colossim {

enum class PipelineSchedule { gpipe, one_f_one_b, interleaved, zb_h1 };

struct PipelineTask {
    std::int64_t micro_batch = 0;
    std::int64_t chunk = 0;  // model chunk on this rank (0 .. v-1); virtual stage chunk*p + rank
    bool forward = true;
    bool weight = false;     // zero-bubble W pass (weight gradients); else a backward is B + W
};

// The tasks of rank `rank` of `p`, in order. Interleaved needs m a multiple of p.
std::vector<PipelineTask> pipeline_order(PipelineSchedule schedule, std::int64_t rank, std::int64_t p,
                                         std::int64_t v, std::int64_t m);

// Warm-up forwards before the first backward on `rank` (the schedule's own count).
std::int64_t warmup_forwards(PipelineSchedule schedule, std::int64_t rank, std::int64_t p, std::int64_t v,
                             std::int64_t m);

const char* to_string(PipelineSchedule s);
// The schedule a scenario asks for (parallelism.schedule; auto: interleaved when vpp > 1).
PipelineSchedule schedule_of(const Parallelism& p);
// "F3", "B3", "W3"; with chunks "F3.1" (micro-batch 3, model chunk 1): the traces' names.
std::string task_name(const PipelineTask& t, bool chunks);

}  // namespace colossim
