#include "colossim/network_step.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "colossim/collective_sim.hpp"
#include "colossim/event_queue.hpp"
#include "step_flows.hpp"

namespace colossim {

const char* to_string(SimMode m) { return m == SimMode::full ? "full" : "symmetric"; }

namespace {

constexpr SimTime kNever = -1;

// A data-parallel collective one entity has issued or will issue.
struct Request {
    CollectiveKind kind = CollectiveKind::reduce_scatter;
    Bytes bytes;          // per GPU, as the cost model counts it
    bool gather = false;  // a parameter gather that tasks wait for
    bool expert = false;  // the experts' share, over the expert-DP rings
    bool completes = false;  // a chunk's last gather (ZeRO 1/2): its first forward ends no earlier
};

// One pass of a stage as an entity runs it: its compute (TP included), then attention
// beside the CP K/V ring, then the EP all-to-alls — each layer's order, summed over the
// stage's layers. Communication left at zero bytes stays inside `compute`, priced by the
// cost model (CP or EP of size 1, or expert TP unlike TP).
struct PassPlan {
    SimTime compute = 0, attention = 0;
    SimTime attention_after = 0;  // the attention that waits for the CP exchange (cp_overlap_share)
    Bytes cp_bytes, ep_bytes;  // per GPU, nccl-tests' sizes
    SimTime cp_latency = 0, ep_latency = 0;
};

// A CP ring or an EP all-to-all inside a task: every member of the group joins it. A group
// has at most one open at a time (its members wait in it), so each group owns one slot.
struct GroupOp {
    std::int64_t stage = 0, block = 0;
    bool ep = false;
    std::int64_t launched = 0, outstanding = 0;
    SimTime started = 0, latency = 0;  // latency: the cost model's, added when the flows end
};

struct Entity {
    std::int64_t stage = 0, index_in_stage = 0;  // (cp, dp) position among the stage's entities
    std::size_t next = 0;        // next task in the stage's order
    bool running = false, sending = false;
    bool attention_done = false, cp_done = false;  // the two halves of a task's CP phase
    bool attention_tail = false;  // running the attention that waited for the CP exchange
    double slow = 1.0;
    SimTime last_end = 0;        // last task (and its send) end
    SimTime blocked = 0;         // time spent in blocking sends (ps)
    std::vector<SimTime> fwd_arrival, bwd_arrival;  // per (micro-batch, chunk)
    std::deque<Request> planned;  // buckets whose gradients are not ready yet (kBucketReady)
    std::deque<Request> dp_queue; // issued, not finished (front: in flight when dp_busy)
    std::int64_t launched = 0;    // collectives launched on the stream so far (instance numbers)
    bool dp_busy = false;
    std::int64_t gathers_issued = 0, gathers_done = 0;
    std::int64_t gathers_complete = 0;  // chunks whose every gather has ended (ZeRO 1/2)
    bool held = false;            // a first forward computed, waiting for its chunk's last gather
    SimTime dp_last = 0;          // last collective's end
};

struct Instance {
    Request request;
    std::int64_t launched = 0;
    std::int64_t outstanding = 0;
    SimTime started = 0, latency = 0;  // latency: added when its flows end
    bool tree = false;
};

struct Transfer {
    std::uint32_t from = 0, to = 0;
    PipelineTask task;  // the receiving side's task
    bool forward = true;
    std::int64_t outstanding = 0;
    SimTime started = 0;
};

enum EventKind : std::uint32_t { kComputeDone, kAttentionDone, kGroupDone, kBucketReady, kTransferArrived, kCollectiveDone };

// Flow owners: a P2P transfer (below kGroupOwner), a CP/EP group operation
// (kGroupOwner | id) or a data-parallel collective (kCollectiveOwner | stage << 20 | number).
constexpr std::uint32_t kGroupOwner = 0x40000000u, kCollectiveOwner = 0x80000000u;
std::uint32_t collective_owner(std::int64_t stage, std::int64_t number) {
    return kCollectiveOwner | std::uint32_t(stage << 20) | std::uint32_t(number);
}
std::pair<std::size_t, std::size_t> collective_of(std::uint32_t owner) {  // (stage, number)
    return {(owner >> 20) & 0x3ff, owner & 0xfffff};
}

class StepEngine {
public:
    StepEngine(const Scenario& s, const Calibration& cal, const NetworkStepOptions& o)
        : s_(s), cal_(cal), opt_(o), a_(analyze_step(s, cal)), cost_(s, cal),
          lay_{s.parallelism.tp, s.parallelism.cp, s.parallelism.dp, s.parallelism.pp},
          topo_(s.cluster, s.gpus, cal, o.mode == SimMode::full, "gpus") {}

    NetworkStep run();

private:
    void build_entities();
    PassPlan pass_plan(Seconds total, const PassTiming& c) const;
    void add_flows(const FlowSet& set, Bytes bytes, std::uint32_t owner);  // every flow of the set
    void try_start(std::uint32_t e, SimTime now);
    void compute_done(std::uint32_t e, SimTime now);
    void cp_phase_end(std::uint32_t e, SimTime now);
    void ep_phase(std::uint32_t e, SimTime now);
    void group_launch(std::uint32_t e, bool ep, SimTime now);
    void group_done(std::uint32_t id, SimTime now);
    void task_done(std::uint32_t e, SimTime now);
    const PassPlan& plan_of(const Entity& en) const {
        const PipelineTask& t = order_[std::size_t(en.stage)][en.next];
        return (t.weight ? w_plan_ : t.forward ? fwd_plan_ : bwd_plan_)[std::size_t(en.stage)];
    }
    void issue(std::uint32_t e, const Request& r, SimTime now);
    void launch(std::uint32_t e, SimTime now);
    void collective_done(std::uint32_t id, SimTime now);
    void flow_done(FlowNetwork::FlowId f, SimTime now);
    bool needs_gather(const PipelineTask& t) const;
    void plan_reduction(std::uint32_t e, SimTime start, SimTime duration, bool overlap, SimTime now);
    void plan_gathers(std::uint32_t e, SimTime now);
    std::vector<LevelUse> utilisation(Seconds step) const;

    const Scenario& s_;
    const Calibration& cal_;
    NetworkStepOptions opt_;
    StepAnalysis a_;
    CostModel cost_;
    Layout lay_;
    Topology topo_;
    StepFlows flows_;
    FlowNetwork* net_ = nullptr;
    EventQueue queue_{4096};

    PipelineSchedule schedule_ = PipelineSchedule::one_f_one_b;
    std::int64_t v_ = 1, m_ = 1, stages_ = 1, per_stage_ = 1, members_ = 1;
    std::vector<std::vector<PipelineTask>> order_;  // per stage
    std::vector<std::vector<std::int64_t>> gathers_by_;  // per stage: gathers needed up to task i
    std::vector<std::vector<char>> last_of_chunk_;      // per stage: task i is its chunk's last backward
    std::vector<PassPlan> fwd_plan_, bwd_plan_, w_plan_;  // per stage (W: zero-bubble schedules)
    bool split_ = false;  // the schedule splits backwards into B and W (W yields the gradients)
    bool yields_gradients(const PipelineTask& t) const { return split_ ? t.weight : !t.forward; }
    // ZeRO 1/2 with overlap stream a chunk's gathers under its first forward, which ends
    // no earlier than the last of them (plan_gathers, compute_done).
    bool first_forward_waits_for_gathers() const { return s_.parallelism.zero < 3 && data_parallel_overlaps(s_); }
    std::int64_t ep_group_ = 1, cp_group_ = 1;    // group sizes in entities (full mode)
    std::vector<Entity> ents_;
    std::vector<GroupOp> group_ops_;  // one slot a group: EP groups of every stage, then CP's
    std::uint32_t group_slot(bool ep, std::int64_t stage, std::int64_t block) const {
        const std::int64_t ep_blocks = per_stage_ / members_in(ep_group_), cp_blocks = per_stage_ / members_in(cp_group_);
        return std::uint32_t(ep ? stage * ep_blocks + block : stages_ * ep_blocks + stage * cp_blocks + block);
    }
    // Members of a group the simulation runs: all of it (full) or the representative.
    std::int64_t members_in(std::int64_t group) const { return opt_.mode == SimMode::full ? group : 1; }
    std::vector<std::vector<Instance>> instances_;  // per stage, by issue number
    std::vector<Transfer> transfers_;
    std::vector<std::uint32_t> free_transfers_;
    std::vector<std::uint32_t> owner_;  // per flow id
    std::uint64_t collectives_ = 0;
    double grad_bytes_ = 4;
    Seconds p2p_latency_;
    SimTime dp_latency(CollectiveKind kind, bool expert) const {
        return to_sim_time(cost_.collective_latency(kind, cost_.placement(expert ? CommGroup::expert_dp : CommGroup::dp)));
    }
    // A bucket's bytes split between the dense parameters (the DP ring) and the experts'
    // (the expert-DP rings; build_step_flows makes them whenever expert DP exceeds 1, and
    // with expert DP 1 the experts have nothing to reduce or gather).
    std::vector<Request> bucket_requests(const StageWork& st, CollectiveKind kind, double bytes_per_param,
                                         std::int64_t buckets, std::int64_t stage) const {
        const double dense = (st.params - st.expert_params) / double(v_), expert = st.expert_params / double(v_);
        const bool rings = !flows_.expert_ring.empty() && flows_.expert_ring[std::size_t(stage)].size() > 0;
        std::vector<Request> out;
        if (dense > 0) out.push_back({.kind = kind, .bytes = Bytes(dense * bytes_per_param / double(buckets))});
        if (rings && expert > 0) {
            out.push_back({.kind = kind, .bytes = Bytes(expert * bytes_per_param / double(buckets)), .expert = true});
        }
        return out;
    }
    // An all-reduce runs as NCCL's tree when the scenario fixes it (training.nccl_algo) or,
    // on auto, when NCCL's tuner would pick it for this size; everything else as rings.
    bool uses_tree(const Request& r) const {
        if (r.kind != CollectiveKind::all_reduce || flows_.tree.empty() || flows_.tree.front().size() == 0) return false;
        if (s_.training.nccl_algo == NcclAlgorithm::tree) return true;
        return choose_algorithm(topo_, r.kind, r.bytes, members_, flows_.dp_per_domain) == CollectiveAlgorithm::tree;
    }
    std::vector<NetTraceSpan> trace_;
    std::vector<FlowNetwork::FlowId> finished_;
};

PassPlan StepEngine::pass_plan(Seconds total, const PassTiming& c) const {
    PassPlan plan;
    const double v = double(v_);
    Seconds compute = total;
    if (cp_group_ > 1 && c.cp_ops > 0) {
        compute -= c.attention + c.parts.cp_comm;
        const double share = cp_overlap_share(s_.parallelism);
        plan.attention = to_sim_time(c.attention * share / v);
        plan.attention_after = to_sim_time(c.attention * (1.0 - share) / v);
        plan.cp_bytes = c.cp_bytes / v;
        plan.cp_latency = to_sim_time(cost_.collective_latency(CollectiveKind::all_gather, cost_.placement(CommGroup::cp)) *
                                      (double(c.cp_ops) / v));
    }
    if (ep_group_ > 1 && c.ep_ops > 0) {
        compute -= c.parts.ep_comm;
        plan.ep_bytes = c.ep_bytes / v;
        plan.ep_latency = to_sim_time(cost_.collective_latency(CollectiveKind::all_to_all, cost_.placement(CommGroup::ep)) *
                                      (double(c.ep_ops) / v));
    }
    plan.compute = to_sim_time(max(Seconds(0), compute) / v);
    return plan;
}

void StepEngine::build_entities() {
    const auto& p = s_.parallelism;
    schedule_ = opt_.schedule ? *opt_.schedule : schedule_of(p);
    v_ = schedule_ == PipelineSchedule::interleaved ? p.vpp : 1;
    split_ = schedule_ == PipelineSchedule::zb_h1;
    m_ = a_.workload.micro_batches;
    stages_ = p.pp;
    members_ = p.cp * p.dp;
    if (stages_ > 1023) throw InputError("parallelism.pp", std::to_string(stages_), "at most 1,023 for the event engine");
    // EP all-to-alls go on the network when an EP group is a set of TP groups (expert TP
    // equal to TP: Megatron's folding then puts EP ranks on consecutive TP groups).
    // With the all-to-alls overlapped (ep_overlap) only their exposed rest, priced by the
    // cost model, stays inside the tasks.
    ep_group_ = p.ep > 1 && p.expert_tp() == p.tp && !p.ep_overlap ? p.ep : 1;
    cp_group_ = p.cp;
    per_stage_ = opt_.mode == SimMode::full ? members_ : 1;
    for (std::int64_t st = 0; st < stages_; ++st) {
        order_.push_back(pipeline_order(schedule_, st, p.pp, v_, m_));
        const auto& order = order_.back();
        std::vector<std::int64_t> prefix(order.size());
        std::vector<char> last(order.size(), 0), seen(std::size_t(v_), 0);
        std::int64_t count = 0;
        for (std::size_t i = 0; i < order.size(); ++i) {
            count += needs_gather(order[i]) ? 1 : 0;
            prefix[i] = count;
        }
        for (std::size_t i = order.size(); i-- > 0;) {
            if (yields_gradients(order[i]) && !seen[std::size_t(order[i].chunk)]) {
                seen[std::size_t(order[i].chunk)] = 1;
                last[i] = 1;
            }
        }
        gathers_by_.push_back(std::move(prefix));
        last_of_chunk_.push_back(std::move(last));
        const StageTiming& timing = a_.stages[std::size_t(st)];
        const Seconds w = split_ ? timing.backward_pass.weight_gradient : Seconds(0);
        fwd_plan_.push_back(pass_plan(timing.forward, timing.forward_pass));
        bwd_plan_.push_back(pass_plan(timing.backward - w, timing.backward_pass));
        PassPlan weight;
        weight.compute = to_sim_time(w / double(v_));
        w_plan_.push_back(weight);
    }
    ents_.resize(std::size_t(stages_ * per_stage_));
    group_ops_.resize(group_slot(false, stages_, 0));
    for (std::size_t e = 0; e < ents_.size(); ++e) {
        Entity& en = ents_[e];
        en.stage = std::int64_t(e) / per_stage_;
        en.index_in_stage = std::int64_t(e) % per_stage_;
        en.fwd_arrival.assign(std::size_t(m_ * v_), kNever);
        en.bwd_arrival.assign(std::size_t(m_ * v_), kNever);
        if (opt_.slow.slow_stage == en.stage && en.index_in_stage == 0) en.slow = opt_.slow.slow_factor;
    }
    instances_.resize(std::size_t(stages_));
    grad_bytes_ = gradient_bytes(s_);
    p2p_latency_ = cost_.collective_latency(CollectiveKind::send_recv, cost_.placement(CommGroup::pp));
}

void StepEngine::add_flows(const FlowSet& set, Bytes bytes, std::uint32_t owner) {
    for (std::size_t i = 0; i < set.size(); ++i) {
        const std::size_t b = set.offset[i], e = set.offset[i + 1];
        std::span<const FlowNetwork::LinkId> path(set.links.data() + b, e - b);
        std::span<const float> w;
        if (!set.weights.empty()) w = std::span<const float>(set.weights.data() + b, e - b);
        const FlowNetwork::FlowId id = net_->add_weighted_flow(path, w, bytes, 0);
        if (owner_.size() <= id) owner_.resize(std::size_t(id) + 1);
        owner_[id] = owner;
    }
}

bool StepEngine::needs_gather(const PipelineTask& t) const {
    const int zero = s_.parallelism.zero;
    if (members_ < 2 || zero == 0) return false;
    if (zero == 3) return !t.weight;  // a W pass multiplies activations by output gradients
    // ZeRO 1/2: a chunk's first forward waits for its parameters of this step.
    return t.forward && t.micro_batch == 0;
}

// The gradient buckets of one chunk's backward, issued as the backward produces them
// (overlapped) or all at once at `now` (not overlapped).
void StepEngine::plan_reduction(std::uint32_t e, SimTime start, SimTime duration, bool overlap, SimTime now) {
    const auto& st = a_.workload.stages[std::size_t(ents_[e].stage)];
    const double params = st.params / double(v_);
    const std::int64_t buckets = data_parallel_buckets(s_, st, params, cal_);
    const CollectiveKind kind = s_.parallelism.zero == 0 ? CollectiveKind::all_reduce : CollectiveKind::reduce_scatter;
    const std::vector<Request> parts = bucket_requests(st, kind, grad_bytes_, buckets, ents_[e].stage);
    for (std::int64_t b = 0; b < buckets; ++b) {
        for (const Request& r : parts) {
            if (!overlap) {
                issue(e, r, now);
                continue;
            }
            ents_[e].planned.push_back(r);
            // 1 ps early: a backward's last bucket is issued before the next task starts (and
            // prefetches), so every replica issues its collectives in the same order.
            const SimTime ready = start + SimTime(double(duration) * double(b + 1) / double(buckets)) - 1;
            queue_.push(std::max(start, ready), kBucketReady, e);
        }
    }
}

// A chunk's weights gathered from the data-parallel shards (2 bytes a parameter),
// overlapped, bucket by bucket: a task starts once its first bucket (ZeRO 1/2, Megatron's
// overlap_param_gather: each bucket's forward pre-hook waits for its own gather) or
// first unit (ZeRO 3, FSDP's layer) is in, the rest stream behind it on the DP stream.
// ZeRO 1/2's first forward ends no earlier than its chunk's last gather; ZeRO 3's gathers
// that outrun the compute delay the next task. Not overlapped, a task waits for all.
void StepEngine::plan_gathers(std::uint32_t e, SimTime now) {
    const auto& st = a_.workload.stages[std::size_t(ents_[e].stage)];
    const double params = st.params / double(v_);
    const std::int64_t buckets = data_parallel_buckets(s_, st, params, cal_);
    // Serialised (data_parallel_overlaps false) a task waits for all of its weights.
    const bool streamed = data_parallel_overlaps(s_);
    std::vector<Request> parts = bucket_requests(st, CollectiveKind::all_gather, 2.0, buckets, ents_[e].stage);
    for (std::int64_t b = 0; b < buckets; ++b) {
        const bool gate = streamed ? b == 0 : b + 1 == buckets;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            parts[i].gather = gate && i + 1 == parts.size();  // one DP stream: the last one in ends the bucket
            parts[i].completes = first_forward_waits_for_gathers() && b + 1 == buckets && i + 1 == parts.size();
            issue(e, parts[i], now);
        }
    }
    ++ents_[e].gathers_issued;
}

void StepEngine::issue(std::uint32_t e, const Request& r, SimTime now) {
    Entity& en = ents_[e];
    en.dp_queue.push_back(r);
    if (!en.dp_busy) launch(e, now);
}

void StepEngine::launch(std::uint32_t e, SimTime now) {
    Entity& en = ents_[e];
    if (en.dp_busy || en.dp_queue.empty()) return;
    en.dp_busy = true;
    const std::int64_t number = en.launched++;
    if (number >= (1 << 20)) throw InputError("training.global_batch", std::to_string(s_.training.global_batch),
                                              "fewer micro-batches: over 2^20 data-parallel collectives a stage in one step");
    auto& list = instances_[std::size_t(en.stage)];
    if (std::int64_t(list.size()) <= number) list.resize(std::size_t(number) + 1);
    Instance& inst = list[std::size_t(number)];
    inst.request = en.dp_queue.front();
    if (++inst.launched < per_stage_) return;  // waits for every member
    inst.started = now;
    ++collectives_;
    const std::uint32_t owner = collective_owner(en.stage, number);
    const bool expert = inst.request.expert;
    inst.tree = !expert && uses_tree(inst.request);
    const FlowSet& set = expert ? flows_.expert_ring[std::size_t(en.stage)]
                                : (inst.tree ? flows_.tree : flows_.ring)[std::size_t(en.stage)];
    // A ring member sends nccl-tests' bus share of the buffer, split over the channels; a
    // tree edge carries its tree's half of a channel's share each way.
    const Bytes per_flow = inst.tree ? tree_flow_bytes(inst.request.bytes, flows_.tree_shape)
                                     : Bytes(inst.request.bytes.value *
                                             bus_factor(inst.request.kind, expert ? s_.parallelism.expert_dp() : members_) /
                                             double(expert ? flows_.expert_channels : flows_.channels));
    inst.latency = inst.tree ? to_sim_time(tree_latency(topo_, flows_.tree_shape)) : dp_latency(inst.request.kind, expert);
    inst.outstanding = std::int64_t(set.size());
    add_flows(set, per_flow, owner);
    if (set.size() == 0) queue_.push(now + inst.latency, kCollectiveDone, owner);
}

void StepEngine::collective_done(std::uint32_t owner, SimTime now) {
    const auto [st, number] = collective_of(owner);
    // A copy: launching the next collective may grow the list this instance lives in.
    const Instance inst = instances_[st][number];
    for (std::int64_t i = 0; i < per_stage_; ++i) {
        const std::uint32_t e = std::uint32_t(std::int64_t(st) * per_stage_ + i);
        Entity& en = ents_[e];
        en.dp_busy = false;
        en.dp_queue.pop_front();
        en.dp_last = now;
        if (inst.request.gather) ++en.gathers_done;
        if (inst.request.completes) {
            ++en.gathers_complete;
            if (en.held) {
                en.held = false;
                compute_done(e, now);
            }
        }
        if (opt_.keep_trace) {
            trace_.push_back({std::int64_t(e), 2, {}, inst.tree ? "all-reduce (tree)" : to_string(inst.request.kind), to_seconds(inst.started), to_seconds(now)});
        }
        launch(e, now);
        if (inst.request.gather) try_start(e, now);
    }
}

void StepEngine::try_start(std::uint32_t e, SimTime now) {
    Entity& en = ents_[e];
    const auto& order = order_[std::size_t(en.stage)];
    if (en.running || en.sending || en.next >= order.size()) return;
    const PipelineTask& t = order[en.next];
    const std::int64_t p = stages_, vs = t.chunk * p + en.stage, slot = t.micro_batch * v_ + t.chunk;
    if (!t.weight && t.forward && vs > 0 && en.fwd_arrival[std::size_t(slot)] == kNever) return;
    if (!t.weight && !t.forward && vs < p * v_ - 1 && en.bwd_arrival[std::size_t(slot)] == kNever) return;
    const auto& gathers = gathers_by_[std::size_t(en.stage)];
    const bool overlap = data_parallel_overlaps(s_);
    // Serialised, a task's weights are gathered only once the GPU has nothing else to run.
    if (!overlap && en.gathers_issued < gathers[en.next]) plan_gathers(e, now);
    if (en.gathers_done < gathers[en.next]) return;  // its weights are still being gathered
    const PassPlan& plan = plan_of(en);
    const SimTime duration = SimTime(double(plan.compute) * en.slow);
    en.running = true;
    queue_.push(now + duration, kComputeDone, e);
    if (opt_.keep_trace) trace_.push_back({std::int64_t(e), 0, t, "", to_seconds(now), to_seconds(now + duration)});
    // ZeRO 3 prefetches the next task's weights as this one starts.
    if (overlap && en.next + 1 < order.size() && en.gathers_issued < gathers[en.next + 1]) plan_gathers(e, now);
    // Gradients of this backward: every micro-batch's (ZeRO 2/3), or the chunk's last,
    // produced over its compute and attention.
    if (yields_gradients(t) && members_ > 1 && overlap &&
        (s_.parallelism.zero >= 2 || last_of_chunk_[std::size_t(en.stage)][en.next])) {
        plan_reduction(e, now, duration + SimTime(double(plan.attention) * en.slow), true, now);
    }
}

// Compute done: attention runs beside the CP ring (both must end), then the EP phase.
void StepEngine::compute_done(std::uint32_t e, SimTime now) {
    Entity& en = ents_[e];
    const auto& order = order_[std::size_t(en.stage)];
    if (first_forward_waits_for_gathers() && needs_gather(order[en.next]) &&
        en.gathers_complete < gathers_by_[std::size_t(en.stage)][en.next]) {
        en.held = true;  // collective_done resumes it when the chunk's last gather ends
        return;
    }
    const PassPlan& plan = plan_of(en);
    if (plan.cp_bytes.value <= 0) {
        ep_phase(e, now);
        return;
    }
    en.attention_done = false;
    en.cp_done = false;
    const SimTime attention = SimTime(double(plan.attention) * en.slow);
    queue_.push(now + attention, kAttentionDone, e);
    if (opt_.keep_trace) {
        trace_.push_back({std::int64_t(e), 0, order_[std::size_t(en.stage)][en.next], "attention", to_seconds(now),
                          to_seconds(now + attention)});
    }
    group_launch(e, false, now);
}

void StepEngine::cp_phase_end(std::uint32_t e, SimTime now) {
    Entity& en = ents_[e];
    if (!en.attention_done || !en.cp_done) return;
    const PassPlan& plan = plan_of(en);
    if (plan.attention_after > 0 && !en.attention_tail) {
        // PyTorch's context parallel: the ring's other steps run once K and V are in.
        en.attention_tail = true;
        en.attention_done = false;
        queue_.push(now + SimTime(double(plan.attention_after) * en.slow), kAttentionDone, e);
        return;
    }
    en.attention_tail = false;
    ep_phase(e, now);
}

void StepEngine::ep_phase(std::uint32_t e, SimTime now) {
    if (plan_of(ents_[e]).ep_bytes.value <= 0) task_done(e, now);
    else group_launch(e, true, now);
}

// Entity e joins its group's CP ring or EP all-to-all of the task in hand; the flows start
// when every member has joined (in symmetric mode the representative stands for them).
void StepEngine::group_launch(std::uint32_t e, bool ep, SimTime now) {
    const Entity& en = ents_[e];
    const std::int64_t group = ep ? ep_group_ : cp_group_;
    const std::int64_t members = members_in(group);
    const std::int64_t block = en.index_in_stage / members;
    const std::uint32_t id = group_slot(ep, en.stage, block);
    GroupOp& op = group_ops_[id];
    if (op.launched == 0) op = GroupOp{en.stage, block, ep, 0, 0, now, 0};
    if (++op.launched < members) return;
    op.started = now;
    const PassPlan& plan = plan_of(en);
    op.latency = ep ? plan.ep_latency : plan.cp_latency;
    const FlowSet& set = (ep ? flows_.ep : flows_.cp)[std::size_t(en.stage)][std::size_t(block)];
    const double n = double(group);
    const Bytes per_flow = ep ? plan.ep_bytes / n : plan.cp_bytes * ((n - 1) / n);
    op.outstanding = std::int64_t(set.size());
    add_flows(set, per_flow, kGroupOwner | id);
    if (set.size() == 0) queue_.push(now + op.latency, kGroupDone, id);
}

void StepEngine::group_done(std::uint32_t id, SimTime now) {
    const GroupOp op = group_ops_[id];
    group_ops_[id].launched = 0;  // the slot is free for the group's next operation
    const std::int64_t members = members_in(op.ep ? ep_group_ : cp_group_);
    for (std::int64_t i = 0; i < members; ++i) {
        const std::uint32_t e = std::uint32_t(op.stage * per_stage_ + op.block * members + i);
        if (opt_.keep_trace) {
            trace_.push_back({std::int64_t(e), 3, order_[std::size_t(op.stage)][ents_[e].next], op.ep ? "ep all-to-all" : "cp ring",
                              to_seconds(op.started), to_seconds(now)});
        }
        if (op.ep) {
            task_done(e, now);
        } else {
            ents_[e].cp_done = true;
            cp_phase_end(e, now);
        }
    }
}

void StepEngine::task_done(std::uint32_t e, SimTime now) {
    Entity& en = ents_[e];
    const auto& order = order_[std::size_t(en.stage)];
    const PipelineTask t = order[en.next];
    en.running = false;
    ++en.next;
    en.last_end = now;
    const std::int64_t p = stages_, vs = t.chunk * p + en.stage;
    const bool sends = !t.weight && (t.forward ? vs < p * v_ - 1 : vs > 0);
    if (!data_parallel_overlaps(s_) && members_ > 1 && en.next == order.size()) {
        // Not overlapped: every reduction after the last backward.
        const std::int64_t rounds = s_.parallelism.zero >= 2 ? m_ * v_ : v_;
        for (std::int64_t i = 0; i < rounds; ++i) plan_reduction(e, now, 0, false, now);
    }
    if (sends) {
        std::uint32_t id;
        if (!free_transfers_.empty()) {
            id = free_transfers_.back();
            free_transfers_.pop_back();
        } else {
            id = std::uint32_t(transfers_.size());
            transfers_.emplace_back();
        }
        Transfer& tr = transfers_[id];
        const std::int64_t target_stage = t.forward ? (en.stage + 1) % p : (en.stage + p - 1) % p;
        tr.from = e;
        tr.to = std::uint32_t(target_stage * per_stage_ + en.index_in_stage);
        tr.forward = t.forward;
        const std::int64_t target_vs = t.forward ? vs + 1 : vs - 1;
        tr.task = PipelineTask{t.micro_batch, target_vs / p, t.forward};
        tr.started = now;
        const FlowSet& set = t.forward ? flows_.p2p_fwd[e] : flows_.p2p_bwd[e];
        tr.outstanding = std::int64_t(set.size());
        en.sending = true;
        add_flows(set, a_.workload.p2p_bytes, id);
    } else {
        try_start(e, now);
    }
}

void StepEngine::flow_done(FlowNetwork::FlowId f, SimTime now) {
    const std::uint32_t owner = owner_[f];
    if ((owner & kCollectiveOwner) == 0 && (owner & kGroupOwner) != 0) {
        GroupOp& op = group_ops_[owner & ~kGroupOwner];
        if (--op.outstanding == 0) queue_.push(now + op.latency, kGroupDone, owner & ~kGroupOwner);
        return;
    }
    if (owner & kCollectiveOwner) {
        const auto [st, number] = collective_of(owner);
        Instance& inst = instances_[st][number];
        if (--inst.outstanding == 0) queue_.push(now + inst.latency, kCollectiveDone, owner);
        return;
    }
    Transfer& tr = transfers_[owner];
    if (--tr.outstanding == 0) queue_.push(now + to_sim_time(p2p_latency_), kTransferArrived, owner);
}

NetworkStep StepEngine::run() {
    const auto& p = s_.parallelism;
    if (opt_.slow.slow_stage >= 0 && (opt_.slow.slow_stage >= p.pp || opt_.slow.slow_factor < 1.0)) {
        throw InputError("--slow-gpu", std::to_string(opt_.slow.slow_stage) + ":" + std::to_string(opt_.slow.slow_factor),
                         "STAGE:FACTOR with 0 <= STAGE < pp = " + std::to_string(p.pp) + " and FACTOR >= 1");
    }
    if (opt_.faults.any() && opt_.mode == SimMode::symmetric) {
        throw InputError("--mode", "symmetric", "full: a fault on one NIC or link breaks the symmetry between replicas");
    }
    for (auto [gpu, fraction] : opt_.faults.slow_nics) topo_.degrade_nic(gpu, fraction);
    for (auto gpu : opt_.faults.lost_nics) topo_.lose_nic(gpu);
    for (auto [leaf, fraction] : opt_.faults.slow_uplinks) topo_.degrade_leaf_uplink(leaf, fraction);
    build_entities();
    const bool trees = s_.parallelism.zero == 0 && s_.training.nccl_algo != NcclAlgorithm::ring;
    build_step_flows(topo_, StepShape{opt_.mode, lay_, stages_, members_, per_stage_, ep_group_, cp_group_, trees,
                                           s_.model.moe.enabled() ? s_.parallelism.expert_tp() : 0, s_.parallelism.ep}, flows_);
    net_ = opt_.mode == SimMode::full ? &topo_.network() : &flows_.reduced;

    for (std::uint32_t e = 0; e < ents_.size(); ++e) {
        // Weights gathered at the step's start: every chunk's (ZeRO 1/2), the first task's (ZeRO 3).
        const auto& gathers = gathers_by_[std::size_t(ents_[e].stage)];
        const std::int64_t upfront = s_.parallelism.zero == 3 ? gathers.front() : gathers.back();
        while (ents_[e].gathers_issued < upfront) plan_gathers(e, 0);
        try_start(e, 0);
    }
    net_->start_pending(0);
    std::size_t tasks = 0;
    for (const auto& en : ents_) tasks += order_[std::size_t(en.stage)].size();
    int reported = -1;
    std::uint64_t rounds = 0;
    for (;;) {
        if (opt_.progress && ++rounds % 4096 == 0) {
            std::size_t started = 0;
            for (const auto& en : ents_) started += en.next;
            const int percent = int(100.0 * double(started) / double(std::max<std::size_t>(1, tasks)));
            if (percent > reported && percent < 100) {
                reported = percent;
                opt_.progress(percent / 100.0);
            }
        }
        const SimTime tq = queue_.empty() ? kNever : queue_.top().time;
        const SimTime tn = net_->next_completion();
        if (tq == kNever && tn == kNever) break;
        SimTime now;
        if (tn != kNever && (tq == kNever || tn <= tq)) {
            now = tn;
            finished_.clear();
            net_->advance_to(now, finished_);
            for (auto f : finished_) flow_done(f, now);
        } else {
            now = tq;
        }
        while (!queue_.empty() && queue_.top().time == now) {
            const Event ev = queue_.pop();
            switch (ev.kind) {
                case kComputeDone: compute_done(ev.target, now); break;
                case kAttentionDone:
                    ents_[ev.target].attention_done = true;
                    cp_phase_end(ev.target, now);
                    break;
                case kGroupDone: group_done(ev.target, now); break;
                case kBucketReady: {
                    Entity& en = ents_[ev.target];
                    const Request r = en.planned.front();
                    en.planned.pop_front();
                    issue(ev.target, r, now);
                    break;
                }
                case kTransferArrived: {
                    Transfer& tr = transfers_[ev.target];
                    Entity& from = ents_[tr.from];
                    from.sending = false;
                    from.blocked += now - tr.started;
                    from.last_end = now;
                    if (opt_.keep_trace) {
                        trace_.push_back({std::int64_t(tr.from), 1, tr.task, "", to_seconds(tr.started), to_seconds(now)});
                    }
                    const std::size_t slot = std::size_t(tr.task.micro_batch * v_ + tr.task.chunk);
                    (tr.forward ? ents_[tr.to].fwd_arrival : ents_[tr.to].bwd_arrival)[slot] = now;
                    free_transfers_.push_back(ev.target);
                    try_start(tr.from, now);
                    try_start(tr.to, now);
                    break;
                }
                case kCollectiveDone: collective_done(ev.target, now); break;
            }
        }
        net_->start_pending(now);
    }

    if (opt_.progress) opt_.progress(1.0);
    // The step ends with the slowest entity's last task or collective, then the optimizer.
    NetworkStep out;
    SimTime end = 0;
    std::size_t critical = 0;
    for (std::size_t e = 0; e < ents_.size(); ++e) {
        const Entity& en = ents_[e];
        if (en.next != order_[std::size_t(en.stage)].size() || en.dp_busy) {
            throw InternalError("network step simulation deadlocked: entity " + std::to_string(e) + " stopped at task " +
                                std::to_string(en.next));
        }
        const SimTime done = std::max(en.last_end, en.dp_last);
        // Replicas of a stage share their collectives' end: the critical one is the last
        // to finish its own tasks (a straddling EP group's), whose breakdown is the step's.
        if (done > end || (done == end && en.last_end > ents_[critical].last_end)) {
            end = done;
            critical = e;
        }
    }
    const Entity& cr = ents_[critical];
    Breakdown b = steady_state_parts(a_);
    b.pp_comm = to_seconds(cr.blocked);
    // The collectives that ran beside the tasks slowed them: the tasks here run at their
    // full rate, so the step adds the analytical engine's slowdown (CostModel::overlap_cost).
    b.dp_comm = to_seconds(std::max<SimTime>(0, cr.dp_last - cr.last_end)) + a_.dp_slowdown;
    const Seconds pipeline = to_seconds(cr.last_end);
    b.bubble = max(Seconds(0), pipeline - (b.compute + b.tp_comm + b.cp_comm + b.ep_comm + b.host) - b.pp_comm);
    out.result = summarize_step(s_, a_, b);
    out.mode = opt_.mode;
    out.schedule = schedule_;
    out.simulated_gpus = std::int64_t(ents_.size()) * lay_.tp;
    out.entities = std::int64_t(ents_.size());
    out.events = queue_.pushed();
    out.flows = net_->started_flows();
    out.rerated_flows = net_->rerated_flows();
    out.collectives = collectives_;
    out.pipeline = pipeline;
    out.levels = utilisation(out.result.step_time);
    out.stages.resize(std::size_t(stages_));
    for (const Entity& en : ents_) {
        StageUse& u = out.stages[std::size_t(en.stage)];
        u.stage = en.stage;
        u.compute_end = max(u.compute_end, to_seconds(en.last_end));
        u.blocked = max(u.blocked, to_seconds(en.blocked));
        u.collectives_end = max(u.collectives_end, to_seconds(en.dp_last));
    }
    out.trace = std::move(trace_);
    return out;
}

std::vector<LevelUse> StepEngine::utilisation(Seconds step) const {
    std::vector<LevelUse> levels(kLinkLevels);
    for (int i = 0; i < kLinkLevels; ++i) levels[std::size_t(i)].level = LinkLevel(i);
    const std::size_t n = net_->links();
    for (std::size_t l = 0; l < n; ++l) {
        const double carried = net_->carried(FlowNetwork::LinkId(l)).value;
        if (carried <= 0) continue;
        const Topology::LinkId id = opt_.mode == SimMode::full ? Topology::LinkId(l) : flows_.reduced_topology_id[l];
        LevelUse& u = levels[std::size_t(topo_.level(id))];
        const double use = carried / (net_->capacity(FlowNetwork::LinkId(l)).value * step.value);
        ++u.links;
        u.carried += Bytes(carried);
        u.mean_utilization += use;
        u.peak_utilization = std::max(u.peak_utilization, use);
    }
    for (auto& u : levels) {
        if (u.links > 0) u.mean_utilization /= double(u.links);
    }
    return levels;
}

}  // namespace

NetworkStep simulate_network_step(const Scenario& s, const Calibration& calibration, const NetworkStepOptions& options) {
    if (options.mode == SimMode::full && s.gpus > kFullModeLimitGpus) {  // before the topology holds every link
        throw InputError("--mode", "full",
                         "symmetric above " + std::to_string(kFullModeLimitGpus) + " GPUs (full mode simulates every GPU; " +
                             std::to_string(s.gpus) + " would take many minutes)");
    }
    StepEngine engine(s, calibration, options);
    return engine.run();
}

}  // namespace colossim
