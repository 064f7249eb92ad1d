#include "colossim/step_sim.hpp"

#include <algorithm>

#include "colossim/event_queue.hpp"

namespace colossim {

namespace {

struct RankState {
    std::vector<PipelineTask> order;
    std::size_t next = 0;
    SimTime free = 0;     // when its compute stream is free
    bool running = false;
};

}  // namespace

SimulatedStep simulate_step(const Scenario& s, const Calibration& calibration, const PipelineSchedule* schedule,
                            bool keep_trace, const StepWhatIf& what_if) {
    StepAnalysis a = analyze_step(s, calibration);
    if (what_if.slow_stage >= 0) {
        if (what_if.slow_stage >= s.parallelism.pp || what_if.slow_factor < 1.0) {
            throw InputError("--slow-gpu", std::to_string(what_if.slow_stage) + ":" + std::to_string(what_if.slow_factor),
                             "STAGE:FACTOR with 0 <= STAGE < pp = " + std::to_string(s.parallelism.pp) + " and FACTOR >= 1");
        }
        StageTiming& slow = a.stages[std::size_t(what_if.slow_stage)];
        slow.forward = slow.forward * what_if.slow_factor;
        slow.backward = slow.backward * what_if.slow_factor;
        slow.forward_pass.parts.compute = slow.forward_pass.parts.compute * what_if.slow_factor;
        slow.backward_pass.parts.compute = slow.backward_pass.parts.compute * what_if.slow_factor;
        for (std::size_t i = 0; i < a.stages.size(); ++i) {
            if (a.stages[i].total() > a.stages[a.critical].total()) a.critical = i;
        }
    }
    const std::int64_t p = s.parallelism.pp, m = a.workload.micro_batches;
    SimulatedStep out;
    out.schedule = schedule ? *schedule : schedule_of(s.parallelism);
    const std::int64_t v = out.schedule == PipelineSchedule::interleaved ? s.parallelism.vpp : 1;
    const std::int64_t stages = p * v;  // virtual stages
    const SimTime hop = p > 1 ? to_sim_time(a.p2p_hop) : 0;

    std::vector<RankState> ranks(static_cast<std::size_t>(p));
    std::vector<SimTime> fwd_time(static_cast<std::size_t>(p)), bwd_time(static_cast<std::size_t>(p)),
        w_time(static_cast<std::size_t>(p), 0);
    const bool split = out.schedule == PipelineSchedule::zb_h1;  // backward = B, then a later W
    for (std::int64_t r = 0; r < p; ++r) {
        const StageTiming& st = a.stages[std::size_t(r)];
        ranks[std::size_t(r)].order = pipeline_order(out.schedule, r, p, v, m);
        fwd_time[std::size_t(r)] = to_sim_time(st.forward / double(v));
        const Seconds w = split ? st.backward_pass.weight_gradient * (what_if.slow_stage == r ? what_if.slow_factor : 1.0)
                                : Seconds(0);
        bwd_time[std::size_t(r)] = to_sim_time((st.backward - w) / double(v));
        w_time[std::size_t(r)] = to_sim_time(w / double(v));
    }
    // When each (micro-batch, virtual stage) forward / backward finished; -1 not yet.
    std::vector<SimTime> fwd_done(std::size_t(m * stages), -1), bwd_done(std::size_t(m * stages), -1);
    auto at = [&](std::int64_t mb, std::int64_t vs) { return std::size_t(mb * stages + vs); };

    EventQueue queue(std::size_t(2 * p + 16));
    enum : std::uint32_t { kTaskDone = 0 };
    // Starts rank r's next task if its input has arrived; schedules its end.
    auto try_start = [&](std::int64_t r, SimTime now) {
        RankState& st = ranks[std::size_t(r)];
        if (st.running || st.next >= st.order.size()) return;
        const PipelineTask& t = st.order[st.next];
        const std::int64_t vs = t.chunk * p + r;
        SimTime ready = 0;
        if (t.weight) {
            // a W pass needs only its own B, which the order put earlier on this rank
        } else if (t.forward) {
            if (vs > 0) {
                SimTime prev = fwd_done[at(t.micro_batch, vs - 1)];
                if (prev < 0) return;
                ready = prev + hop;
            }
        } else if (vs < stages - 1) {
            SimTime next = bwd_done[at(t.micro_batch, vs + 1)];
            if (next < 0) return;
            ready = next + hop;
        } else {
            SimTime own = fwd_done[at(t.micro_batch, vs)];
            if (own < 0) return;
            ready = own;
        }
        const SimTime start = std::max({now, st.free, ready});
        const SimTime end = start + (t.weight    ? w_time[std::size_t(r)]
                                     : t.forward ? fwd_time[std::size_t(r)]
                                                 : bwd_time[std::size_t(r)]);
        st.running = true;
        queue.push(end, kTaskDone, std::uint32_t(r));
        if (keep_trace) out.trace.push_back({r, t, to_seconds(start), to_seconds(end), false});
    };
    for (std::int64_t r = 0; r < p; ++r) try_start(r, 0);

    SimTime last = 0;
    while (!queue.empty()) {
        const Event e = queue.pop();
        const std::int64_t r = e.target;
        RankState& st = ranks[std::size_t(r)];
        const PipelineTask t = st.order[st.next];
        const std::int64_t vs = t.chunk * p + r;
        if (!t.weight) (t.forward ? fwd_done : bwd_done)[at(t.micro_batch, vs)] = e.time;
        // Blocking P2P: the rank sends its output before it computes again (W sends nothing).
        const bool sends = !t.weight && (t.forward ? vs < stages - 1 : vs > 0);
        st.free = e.time + (sends ? hop : 0);
        if (keep_trace && sends && hop > 0) out.trace.push_back({r, t, to_seconds(e.time), to_seconds(st.free), true});
        st.running = false;
        ++st.next;
        last = std::max(last, st.free);
        try_start(r, e.time);
        // The neighbours that may have waited for this output.
        if (p > 1) {
            try_start((r + 1) % p, e.time);
            try_start((r + p - 1) % p, e.time);
        }
    }
    for (const auto& st : ranks) {
        if (st.next != st.order.size()) throw InternalError("pipeline simulation deadlocked: the schedule is inconsistent");
    }
    out.events = queue.pushed();
    out.pipeline = to_seconds(last);

    Breakdown b = steady_state_parts(a);
    const Seconds busy = b.compute + b.tp_comm + b.cp_comm + b.ep_comm + b.host;
    b.pp_comm = a.p2p_hop * 2.0 * double(v) * double(m);
    b.bubble = max(Seconds(0), out.pipeline - busy - b.pp_comm);
    out.result = summarize_step(s, a, b);
    return out;
}

std::string chrome_trace(const Scenario& s, const SimulatedStep& step) {
    std::string out = "{\"displayTimeUnit\": \"ms\", \"otherData\": {\"model\": \"" + s.model.name + "\", \"schedule\": \"" +
                      to_string(step.schedule) + "\"},\n\"traceEvents\": [\n";
    for (std::int64_t r = 0; r < s.parallelism.pp; ++r) {
        out += "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": " + std::to_string(r) +
               ", \"args\": {\"name\": \"pipeline stage " + std::to_string(r) + "\"}},\n";
        out += "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": " + std::to_string(r) +
               ", \"tid\": 0, \"args\": {\"name\": \"compute\"}},\n";
        out += "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": " + std::to_string(r) +
               ", \"tid\": 1, \"args\": {\"name\": \"p2p\"}},\n";
    }
    for (std::size_t i = 0; i < step.trace.size(); ++i) {
        const auto& t = step.trace[i];
        const std::string name = (t.transfer ? "send " : "") + task_name(t.task, s.parallelism.vpp > 1);
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "{\"name\": \"%s\", \"cat\": \"%s\", \"ph\": \"X\", \"pid\": %lld, \"tid\": %d, \"ts\": %.3f, "
                      "\"dur\": %.3f, \"args\": {\"micro_batch\": %lld, \"chunk\": %lld}}%s\n",
                      name.c_str(), t.transfer ? "p2p" : (t.task.weight ? "weight" : t.task.forward ? "forward" : "backward"),
                      (long long)t.rank,
                      t.transfer ? 1 : 0, t.start.value * 1e6, (t.end - t.start).value * 1e6,
                      (long long)t.task.micro_batch, (long long)t.task.chunk, i + 1 < step.trace.size() ? "," : "");
        out += buf;
    }
    out += "]}\n";
    return out;
}

}  // namespace colossim
