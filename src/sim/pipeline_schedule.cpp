#include "colossim/pipeline_schedule.hpp"

#include <algorithm>

namespace colossim {

std::int64_t warmup_forwards(PipelineSchedule schedule, std::int64_t rank, std::int64_t p, std::int64_t v,
                             std::int64_t m) {
    switch (schedule) {
        case PipelineSchedule::gpipe: return m * v;
        case PipelineSchedule::one_f_one_b: return std::min(m, p - rank - 1);
        case PipelineSchedule::interleaved: return std::min(m * v, (p - rank - 1) * 2 + (v - 1) * p);
    }
    return 0;
}

namespace {
// The k-th forward (or backward) of a rank under the interleaved order: micro-batches go
// in groups of p through chunk 0, then the same group through chunk 1, ...; backwards
// visit the chunks last to first.
PipelineTask interleaved_task(std::int64_t k, std::int64_t p, std::int64_t v, bool forward) {
    const std::int64_t in_group = k % (p * v);
    std::int64_t chunk = in_group / p;
    if (!forward) chunk = v - 1 - chunk;
    return {(k / (p * v)) * p + k % p, chunk, forward};
}
}  // namespace

std::vector<PipelineTask> pipeline_order(PipelineSchedule schedule, std::int64_t rank, std::int64_t p,
                                         std::int64_t v, std::int64_t m) {
    if (schedule != PipelineSchedule::interleaved) v = 1;
    const std::int64_t total = m * v;
    auto task = [&](std::int64_t k, bool forward) {
        return schedule == PipelineSchedule::interleaved ? interleaved_task(k, p, v, forward)
                                                         : PipelineTask{k, 0, forward};
    };
    std::vector<PipelineTask> out;
    out.reserve(std::size_t(2 * total));
    const std::int64_t warmup = warmup_forwards(schedule, rank, p, v, m);
    for (std::int64_t k = 0; k < warmup; ++k) out.push_back(task(k, true));
    const std::int64_t steady = total - warmup;
    for (std::int64_t j = 0; j < steady; ++j) {
        out.push_back(task(warmup + j, true));
        out.push_back(task(j, false));
    }
    for (std::int64_t k = steady; k < total; ++k) out.push_back(task(k, false));
    return out;
}

const char* to_string(PipelineSchedule s) {
    switch (s) {
        case PipelineSchedule::gpipe: return "gpipe";
        case PipelineSchedule::one_f_one_b: return "1f1b";
        case PipelineSchedule::interleaved: return "interleaved";
    }
    return "?";
}

}  // namespace colossim
