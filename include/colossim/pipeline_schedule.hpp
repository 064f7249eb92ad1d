// Pipeline schedules: the order in which each pipeline rank runs the forward and
// backward passes of its micro-batches (and, interleaved, of its model chunks).
//   gpipe:        all forwards, then all backwards (Huang et al. 2019)
//   1F1B:         p - i - 1 warm-up forwards on rank i, then one forward one backward,
//                 then the remaining backwards (PipeDream-Flush, Narayanan et al. 2021)
//   interleaved:  Megatron-LM's interleaved 1F1B with v chunks a rank: warm-up
//                 (p - i - 1) * 2 + (v - 1) * p forwards; micro-batches in groups of p
//                 (Narayanan et al. SC'21 sec. 2.2; megatron/core/pipeline_parallel/schedules.py)
#pragma once

#include <cstdint>
#include <vector>

namespace colossim {

enum class PipelineSchedule { gpipe, one_f_one_b, interleaved };

struct PipelineTask {
    std::int64_t micro_batch = 0;
    std::int64_t chunk = 0;  // model chunk on this rank (0 .. v-1); virtual stage chunk*p + rank
    bool forward = true;
};

// The tasks of rank `rank` of `p`, in order. Interleaved needs m a multiple of p.
std::vector<PipelineTask> pipeline_order(PipelineSchedule schedule, std::int64_t rank, std::int64_t p,
                                         std::int64_t v, std::int64_t m);

// Warm-up forwards before the first backward on `rank` (the schedule's own count).
std::int64_t warmup_forwards(PipelineSchedule schedule, std::int64_t rank, std::int64_t p, std::int64_t v,
                             std::int64_t m);

const char* to_string(PipelineSchedule s);

}  // namespace colossim
