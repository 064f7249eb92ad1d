#include "colossim/pipeline_schedule.hpp"

#include <algorithm>

namespace colossim {

std::int64_t warmup_forwards(PipelineSchedule schedule, std::int64_t rank, std::int64_t p, std::int64_t v,
                             std::int64_t m) {
    switch (schedule) {
        case PipelineSchedule::gpipe: return m * v;
        case PipelineSchedule::one_f_one_b:
        case PipelineSchedule::zb_h1: return std::min(m, p - rank - 1);
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
// ZB-H1: p - rank forwards, then B of the next micro-batch, the W that is `rank` micro-
// batches behind it, the next F; at the end the B and W passes left.
std::vector<PipelineTask> zero_bubble_h1(std::int64_t rank, std::int64_t p, std::int64_t m) {
    std::vector<PipelineTask> out;
    out.reserve(std::size_t(3 * m));
    std::int64_t forwards = std::min(m, p - rank), weights = 0;
    for (std::int64_t k = 0; k < forwards; ++k) out.push_back({k, 0, true, false});
    for (std::int64_t j = 0; j < m; ++j) {
        out.push_back({j, 0, false, false});
        if (j >= rank) out.push_back({weights++, 0, false, true});
        if (forwards < m) out.push_back({forwards++, 0, true, false});
    }
    while (weights < m) out.push_back({weights++, 0, false, true});
    return out;
}
}  // namespace

std::vector<PipelineTask> pipeline_order(PipelineSchedule schedule, std::int64_t rank, std::int64_t p,
                                         std::int64_t v, std::int64_t m) {
    if (schedule != PipelineSchedule::interleaved) v = 1;
    if (schedule == PipelineSchedule::zb_h1) return zero_bubble_h1(rank, p, m);
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

std::string task_name(const PipelineTask& t, bool chunks) {
    return std::string(t.weight ? "W" : t.forward ? "F" : "B") + std::to_string(t.micro_batch) +
           (chunks ? "." + std::to_string(t.chunk) : "");
}

PipelineSchedule schedule_of(const Parallelism& p) {
    switch (p.schedule) {
        case Schedule::gpipe: return PipelineSchedule::gpipe;
        case Schedule::one_f_one_b: return PipelineSchedule::one_f_one_b;
        case Schedule::interleaved: return PipelineSchedule::interleaved;
        case Schedule::zb_h1: return PipelineSchedule::zb_h1;
        case Schedule::automatic: break;
    }
    return p.vpp > 1 ? PipelineSchedule::interleaved : PipelineSchedule::one_f_one_b;
}

const char* to_string(PipelineSchedule s) {
    switch (s) {
        case PipelineSchedule::gpipe: return "gpipe";
        case PipelineSchedule::one_f_one_b: return "1f1b";
        case PipelineSchedule::interleaved: return "interleaved";
        case PipelineSchedule::zb_h1: return "zb-h1";
    }
    return "?";
}

}  // namespace colossim
