// One replication of the fleet: an event loop over job arrivals, starts, finishes,
// failures, repairs and restarts (the model is in fleet.hpp; src/fleet/README.md).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <unordered_map>

#include "colossim/fleet.hpp"
#include "node_pools.hpp"

namespace colossim {

namespace {
using fleet_detail::NodePools;
constexpr double kNever = std::numeric_limits<double>::infinity();

std::uint64_t split_mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

enum class State : std::uint8_t { pending, queued, running, restarting, done };
enum class EventKind : std::uint8_t { arrival, finish, resume, job_hazard, failure, node_back, group_back, sample };

struct Event {
    double t;
    std::uint64_t seq;
    EventKind kind;
    std::int32_t who;
    std::uint32_t epoch;
    bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

// Checkpoints and restarts of one job: tau useful seconds, then delta blocking.
struct Checkpointing {
    double tau = kNever, delta = 0, restart = 0, planned_restart = 0, write = 0;
    // Wall seconds of running to do `useful` seconds of work from a checkpoint.
    double wall_for(double useful) const {
        if (useful <= tau) return useful;
        const double n = std::ceil(useful / tau) - 1;
        return n * (tau + delta) + (useful - n * tau);
    }
};

struct Job {
    const FleetJob* spec = nullptr;
    std::int64_t gpus = 0, nodes_needed = 0;  // nodes_needed 0: a sub-node job
    State state = State::pending;
    std::vector<std::int32_t> nodes;
    double work = 0, done = 0;  // failure-free running seconds on the current shape; share committed
    double run_began = 0, resume_at = 0, expected_end = kNever;
    std::uint32_t epoch = 0;
    Checkpointing ckpt;
    double hazard_rate = 0;  // per-job causes and planned stops
    PlacementShape shape;
    bool started = false;
    double first_start = -1, end = -1;
    std::int64_t interruptions = 0, preemptions = 0;
    double first_work = 0, first_step = 0;
    PlacementShape first_shape;
    char span_kind = 0;
    double span_begin = 0;
    std::int64_t held_gpus() const { return nodes_needed > 0 ? std::int64_t(nodes.size()) : (nodes.empty() ? 0 : gpus); }
};

// A cause of failure as the fleet draws it.
struct FleetCause {
    const FailureCause* cause;
    double rate;  // per second, over the whole fleet
};

class FleetSim {
public:
    FleetSim(const FleetSpec& spec, std::int64_t replication, bool spans, bool keep_jobs)
        : spec_(spec), layout_(spec.layout), pools_(spec.layout), spans_on_(spans), keep_jobs_(keep_jobs),
          workload_rng_(split_mix(split_mix(spec.seed) ^ std::uint64_t(2 * replication))),
          failure_rng_(split_mix(split_mix(spec.seed) ^ std::uint64_t(2 * replication + 1))),
          placement_rng_(split_mix(split_mix(spec.seed + 1) ^ std::uint64_t(replication))) {
        out_.seed = spec.seed;
        gpn_ = layout_.gpus_per_node;
        const std::size_t n = std::size_t(layout_.nodes);
        node_down_.assign(n, 0);
        node_free_gpus_.assign(n, gpn_);
        node_jobs_.assign(n, {});
        node_failures_.assign(n, {});
        spare_.assign(n, false);
        // Spares: the last nodes of the fleet, so that packed jobs keep whole groups.
        for (std::int64_t i = layout_.nodes - 1; i >= 0 && std::int64_t(spares_.size()) < spec.spare_nodes; --i) {
            spares_.push_back(std::int32_t(i));
            spare_[i] = true;
        }
        for (std::int64_t i = 0; i < layout_.nodes; ++i) {
            if (!spare_[i]) pools_.set_free(std::int32_t(i));
        }
        build_jobs();
        build_causes();
    }

    FleetReplication run() {
        const double horizon = spec_.horizon.value;
        if (!jobs_.empty()) push(jobs_[0].spec->arrival.value, EventKind::arrival, 0, 0);
        if (fleet_rate_ > 0) push(now_ + exponential(failure_rng_, fleet_rate_), EventKind::failure, 0, 0);
        push(0, EventKind::sample, 0, 0);
        while (!events_.empty()) {
            Event e = events_.top();
            if (e.t > horizon) break;
            events_.pop();
            advance(e.t);
            handle(e);
            // Several events at one instant are handled before the queue is looked at.
            if (events_.empty() || events_.top().t > now_) schedule();
            ++out_.events;
        }
        advance(horizon);
        finish_run();
        return std::move(out_);
    }

private:
    // ---- setup --------------------------------------------------------------------
    void build_jobs() {
        std::vector<const FleetJob*> all;
        for (const auto& j : spec_.jobs) all.push_back(&j);
        if (spec_.generator) {
            const JobGenerator& g = *spec_.generator;
            generated_.reserve(std::size_t(g.jobs));
            std::vector<double> cumulative;
            double c = 0;
            for (const auto& s : g.mix.sizes) cumulative.push_back(c += s.second);
            std::uniform_real_distribution<double> u(0, 1);
            const double mu = std::log(g.mix.median.value);
            const double sigma = g.mix.lognormal_sigma();
            std::normal_distribution<double> normal(0, 1);
            double t = g.start.value;
            for (std::int64_t i = 0; i < g.jobs; ++i) {
                t += exponential(workload_rng_, g.arrivals_per_s);
                if (t > spec_.horizon.value) break;
                FleetJob j;
                j.name = "gen" + std::to_string(i);
                j.arrival = Seconds(t);
                const double pick = u(workload_rng_) * c;
                std::size_t k = std::size_t(std::lower_bound(cumulative.begin(), cumulative.end(), pick) - cumulative.begin());
                j.gpus = g.mix.sizes[std::min(k, g.mix.sizes.size() - 1)].first;
                double d = g.mix.durations == JobMix::Durations::lognormal
                               ? std::exp(mu + sigma * normal(workload_rng_))
                               : exponential(workload_rng_, 1.0 / g.mix.mean.value);
                if (g.mix.max_duration.value > 0) d = std::min(d, g.mix.max_duration.value);
                j.duration = Seconds(std::max(d, 1.0));
                j.priority = g.priority;
                generated_.push_back(std::move(j));
            }
            for (const auto& j : generated_) all.push_back(&j);
            std::stable_sort(all.begin(), all.end(), [](const FleetJob* a, const FleetJob* b) { return a->arrival < b->arrival; });
        }
        jobs_.resize(all.size());
        for (std::size_t i = 0; i < all.size(); ++i) {
            Job& j = jobs_[i];
            j.spec = all[i];
            j.gpus = all[i]->gpus;
            j.nodes_needed = j.gpus >= gpn_ ? (j.gpus + gpn_ - 1) / gpn_ : 0;
            setup_checkpoints(j);
        }
    }

    struct SizeRates {
        double unexpected = 0, per_job = 0, planned = 0;
    };
    const SizeRates& rates_for(std::int64_t gpus) {
        auto it = size_rates_.find(gpus);
        if (it != size_rates_.end()) return it->second;
        SizeRates r;
        if (spec_.failures) {
            Diagnostics quiet;
            const ComponentCounts c = job_components(spec_.cluster, std::max<std::int64_t>(gpus, 1), quiet);
            const JobFailureRates jr = job_failure_rates(*spec_.failures, c);
            r.unexpected = jr.unexpected.value;
            r.planned = jr.planned.value;
            for (const auto& cause : spec_.failures->unexpected) {
                if (cause.per == Component::job) r.per_job += rate_per_component(*spec_.failures, cause).value;
            }
        }
        return size_rates_.emplace(gpus, r).first->second;
    }

    void setup_checkpoints(Job& j) {
        const FleetJob& s = *j.spec;
        const SizeRates& r = rates_for(j.gpus);
        j.hazard_rate = r.per_job + r.planned;
        if (!spec_.failures) return;  // nothing to restart from: no checkpoints
        if (s.priced >= 0) {
            const RunModel& m = spec_.priced[std::size_t(s.priced)].run;
            j.ckpt = {m.interval.value, m.blocking.value, m.restart.value, m.planned_restart.value, m.write.value};
            return;
        }
        const FailureProfile& p = *spec_.failures;
        const double delta = spec_.checkpoint_blocking.value;
        double tau = s.checkpoint_interval ? s.checkpoint_interval->value
                     : r.unexpected > 0     ? daly_interval(Seconds(delta), Seconds(1 / r.unexpected)).value
                                            : kNever;
        if (tau >= s.duration.value) tau = kNever;  // done before its first checkpoint
        j.ckpt = {tau, tau == kNever ? 0 : delta, (p.detection + p.restart).value + delta, p.restart.value + delta, delta};
    }

    void build_causes() {
        if (!spec_.failures) return;
        const FailureProfile& p = *spec_.failures;
        for (const auto& c : p.unexpected) {
            if (c.per == Component::job) continue;
            double count = 0;
            switch (c.per) {
                case Component::gpu:
                case Component::nic: count = double(layout_.gpus); break;
                case Component::node: count = double(layout_.nodes); break;
                case Component::link: count = double(layout_.links[0] + layout_.links[1] + layout_.links[2]); break;
                case Component::network_switch:
                    count = double(layout_.switches[0] + layout_.switches[1] + layout_.switches[2]);
                    break;
                case Component::job: break;
            }
            const double rate = rate_per_component(p, c).value * count;
            if (rate > 0) causes_.push_back({&c, rate}), fleet_rate_ += rate;
        }
    }

    // ---- events -------------------------------------------------------------------
    static double exponential(std::mt19937_64& rng, double rate) {
        std::uniform_real_distribution<double> u(0, 1);
        return -std::log1p(-u(rng)) / rate;
    }
    void push(double t, EventKind k, std::int32_t who, std::uint32_t epoch) { events_.push({t, seq_++, k, who, epoch}); }

    void advance(double t) {
        const double dt = t - now_;
        if (dt > 0) {
            allocated_integral_ += double(allocated_gpus_) * dt;
            down_integral_ += double(down_nodes_ * gpn_) * dt;
        }
        now_ = std::max(now_, t);
    }

    void handle(const Event& e) {
        switch (e.kind) {
            case EventKind::arrival: {
                Job& j = jobs_[std::size_t(e.who)];
                enqueue(j, std::int32_t(e.who));
                if (std::size_t(e.who) + 1 < jobs_.size()) {
                    push(jobs_[std::size_t(e.who) + 1].spec->arrival.value, EventKind::arrival, e.who + 1, 0);
                }
                break;
            }
            case EventKind::finish: {
                Job& j = jobs_[std::size_t(e.who)];
                if (j.epoch != e.epoch || j.state != State::running) break;
                account_checkpoints(j, now_ - j.run_began);
                j.done = 1;
                j.end = now_;
                j.epoch++;
                release(j, e.who);
                set_state(j, e.who, State::done);
                break;
            }
            case EventKind::resume: {
                Job& j = jobs_[std::size_t(e.who)];
                if (j.epoch != e.epoch || j.state != State::restarting) break;
                begin_running(j, e.who);
                break;
            }
            case EventKind::job_hazard: {
                Job& j = jobs_[std::size_t(e.who)];
                if (j.epoch != e.epoch || j.state != State::running) break;
                per_job_event(j, e.who);
                break;
            }
            case EventKind::failure:
                fleet_failure();
                push(now_ + exponential(failure_rng_, fleet_rate_), EventKind::failure, 0, 0);
                break;
            case EventKind::node_back: node_up(e.who); break;
            case EventKind::group_back: {
                const std::int64_t first = std::int64_t(e.who) * layout_.nodes_per_group;
                for (std::int64_t n = first; n < std::min(layout_.nodes, first + layout_.nodes_per_group); ++n) {
                    node_up(std::int32_t(n));
                }
                break;
            }
            case EventKind::sample: {
                FleetSample s;
                s.t_s = now_;
                s.allocated_gpus = allocated_gpus_;
                s.down_gpus = down_nodes_ * gpn_;
                s.spare_gpus = std::int64_t(spares_.size()) * gpn_;
                s.queued_jobs = std::int64_t(queue_.size());
                s.running_jobs = running_jobs_;
                out_.samples.push_back(s);
                if (now_ + spec_.sample_interval.value <= spec_.horizon.value) {
                    push(now_ + spec_.sample_interval.value, EventKind::sample, 0, 0);
                }
                break;
            }
        }
    }

    // ---- job states ---------------------------------------------------------------
    void set_state(Job& j, std::int32_t id, State s) {
        const bool was_running = j.state == State::running || j.state == State::restarting;
        const bool is_running = s == State::running || s == State::restarting;
        running_jobs_ += (is_running ? 1 : 0) - (was_running ? 1 : 0);
        if (was_running) running_by_end_.erase({j.expected_end, id});
        j.state = s;
        if (spans_on_) {
            const char kind = s == State::queued ? 'q' : s == State::running ? 'r' : s == State::restarting ? 's' : 0;
            if (j.span_kind && now_ > j.span_begin) out_.spans.push_back({id, j.span_kind, j.span_begin, now_});
            j.span_kind = kind;
            j.span_begin = now_;
        }
    }

    double remaining_wall(const Job& j) const { return j.ckpt.wall_for((1 - j.done) * j.work); }

    void track_end(Job& j, std::int32_t id, double end) {
        running_by_end_.erase({j.expected_end, id});
        j.expected_end = end;
        running_by_end_.insert({end, id});
    }

    void enqueue(Job& j, std::int32_t id) {
        set_state(j, id, State::queued);
        queue_.insert({-j.spec->priority, j.spec->arrival.value, id});
    }

    void begin_running(Job& j, std::int32_t id) {
        set_state(j, id, State::running);
        j.run_began = now_;
        j.epoch++;
        const double wall = remaining_wall(j);
        track_end(j, id, now_ + wall);
        push(now_ + wall, EventKind::finish, id, j.epoch);
        if (j.hazard_rate > 0) push(now_ + exponential(failure_rng_, j.hazard_rate), EventKind::job_hazard, id, j.epoch);
    }

    void begin_restart(Job& j, std::int32_t id, double downtime) {
        set_state(j, id, State::restarting);
        j.epoch++;
        j.resume_at = now_ + downtime;
        track_end(j, id, j.resume_at + remaining_wall(j));
        push(j.resume_at, EventKind::resume, id, j.epoch);
    }

    // Work committed by the checkpoints of `elapsed` seconds of running; returns the
    // running seconds since the last one (lost if the job stops now).
    double account_checkpoints(Job& j, double elapsed) {
        const double k = checkpoints_in(j, elapsed);
        if (k > 0) {
            out_.checkpoint_gpu_hours += k * j.ckpt.delta * double(j.held_gpus()) / 3600;
            if (j.work > 0) j.done = std::min(1.0, j.done + k * j.ckpt.tau / j.work);
        }
        return since_checkpoint(j, elapsed, k);
    }
    // Checkpoints completed in `elapsed` seconds of running (none without checkpoints).
    double checkpoints_in(const Job& j, double elapsed) const {
        if (!std::isfinite(j.ckpt.tau)) return 0;
        const double k = std::floor(elapsed / (j.ckpt.tau + j.ckpt.delta));
        return std::max(0.0, std::min(k, std::floor((1 - j.done) * j.work / j.ckpt.tau)));
    }
    static double since_checkpoint(const Job& j, double elapsed, double k) {
        return std::max(0.0, elapsed - (k > 0 ? k * (j.ckpt.tau + j.ckpt.delta) : 0.0));
    }
    // Useful seconds done since the last checkpoint after `elapsed` seconds of running.
    double useful_since_checkpoint(const Job& j, double elapsed) const {
        return std::min(since_checkpoint(j, elapsed, checkpoints_in(j, elapsed)), j.ckpt.tau);
    }

    // The job stops: running work since its last checkpoint is lost (charged to `cause`
    // with the restart that follows when it keeps its nodes).
    void stop_running(Job& j, const std::string& cause, double restart_charge) {
        if (j.state != State::running) return;
        const double lost = account_checkpoints(j, now_ - j.run_began);
        out_.gpu_hours_lost[cause] += (lost + restart_charge) * double(j.held_gpus()) / 3600;
    }

    // ---- placement ----------------------------------------------------------------
    bool fits_now(const Job& j) const {
        if (j.nodes_needed > 0) return pools_.free_nodes() >= j.nodes_needed;
        for (std::int64_t f = j.gpus; f < gpn_; ++f) {
            if (!pools_.shared_with(f).empty()) return true;
        }
        return pools_.free_nodes() > 0;
    }

    // GPUs a job holds on each of its nodes: whole nodes, or its share of a shared one.
    std::int64_t gpus_a_node(const Job& j) const { return j.nodes_needed > 0 ? gpn_ : j.gpus; }

    void take_node(Job& j, std::int32_t id, std::int32_t node) {
        j.nodes.push_back(node);
        node_jobs_[node].push_back(id);
        node_free_gpus_[node] -= gpus_a_node(j);
        allocated_gpus_ += gpus_a_node(j);
        if (j.nodes_needed > 0) nodes_by_priority_[j.spec->priority]++;
        refresh(node);
    }

    // The node's side of giving a node back; the caller edits j.nodes.
    void unassign(const Job& j, std::int32_t id, std::int32_t node) {
        auto& on = node_jobs_[node];
        on.erase(std::remove(on.begin(), on.end(), id), on.end());
        node_free_gpus_[node] += gpus_a_node(j);
        allocated_gpus_ -= gpus_a_node(j);
        if (j.nodes_needed > 0) nodes_by_priority_[j.spec->priority]--;
        refresh(node);
    }

    void drop_node(Job& j, std::int32_t id, std::int32_t node) {
        unassign(j, id, node);
        j.nodes.erase(std::remove(j.nodes.begin(), j.nodes.end(), node), j.nodes.end());
    }

    void refresh(std::int32_t node) {
        if (node_down_[node] > 0 || spare_[node]) pools_.set_out(node);
        else if (node_free_gpus_[node] == gpn_) pools_.set_free(node);
        else pools_.set_shared(node, node_free_gpus_[node]);
    }

    void release(Job& j, std::int32_t id) {
        for (auto node : j.nodes) unassign(j, id, node);
        j.nodes.clear();
    }

    std::int32_t random_of(const std::vector<std::int32_t>& v) {
        std::uniform_int_distribution<std::size_t> pick(0, v.size() - 1);
        return v[pick(placement_rng_)];
    }

    // Free nodes of group g. NVLink domains stay whole where they can: a job of a domain
    // or more takes the emptiest domains first, a smaller one the fullest that has room.
    void take_from_group(Job& j, std::int32_t id, std::int64_t g, std::int64_t count) {
        std::vector<std::int32_t> free = pools_.free_list_of_group(g);
        if (layout_.nodes_per_domain > 1) {
            const bool big = j.nodes_needed >= layout_.nodes_per_domain;
            std::sort(free.begin(), free.end(), [&](std::int32_t a, std::int32_t b) {
                const auto fa = pools_.free_in_domain(pools_.domain_of(a)), fb = pools_.free_in_domain(pools_.domain_of(b));
                if (fa != fb) return big ? fa > fb : fa < fb;
                return a < b;
            });
        } else {
            std::sort(free.begin(), free.end());
        }
        for (std::int64_t i = 0; i < count && i < std::int64_t(free.size()); ++i) take_node(j, id, free[std::size_t(i)]);
    }

    void place_whole_nodes(Job& j, std::int32_t id) {
        std::int64_t need = j.nodes_needed;
        if (spec_.placement == PlacementPolicy::scattered) {
            while (need-- > 0) take_node(j, id, random_of(pools_.free_list()));
            return;
        }
        // NVLink domains first: whole free domains while the job needs a domain or more.
        if (layout_.nodes_per_domain > 1 && need >= layout_.nodes_per_domain) {
            const std::int64_t size = layout_.nodes_per_domain;
            for (std::int64_t d = 0; d * size < layout_.nodes && need >= size; ++d) {
                const std::int64_t first = d * size, last = std::min(layout_.nodes, first + size);
                if (last - first < size || pools_.free_in_domain(d) < size) continue;
                for (std::int64_t n = first; n < last; ++n) take_node(j, id, std::int32_t(n));
                need -= size;
            }
            if (need == 0) return;
        }
        const std::int64_t groups = layout_.groups(), pods = layout_.pods();
        // The tightest leaf group that holds it.
        std::int64_t best = -1;
        for (std::int64_t g = 0; g < groups; ++g) {
            const auto f = pools_.free_in_group(g);
            if (f >= need && (best < 0 || f < pools_.free_in_group(best))) best = g;
        }
        if (best >= 0) return take_from_group(j, id, best, need);
        // Else the tightest pod, its groups with most free nodes first; else every pod so.
        std::int64_t pod = -1;
        for (std::int64_t p = 0; p < pods; ++p) {
            const auto f = pools_.free_in_pod(p);
            if (f >= need && (pod < 0 || f < pools_.free_in_pod(pod))) pod = p;
        }
        std::vector<std::int64_t> order;
        const auto add_groups_of_pod = [&](std::int64_t p) {
            for (std::int64_t g = p * layout_.groups_per_pod; g < std::min(groups, (p + 1) * layout_.groups_per_pod); ++g) {
                order.push_back(g);
            }
        };
        if (pod >= 0) {
            add_groups_of_pod(pod);
        } else {
            std::vector<std::int64_t> pod_order(static_cast<std::size_t>(pods));
            for (std::int64_t p = 0; p < pods; ++p) pod_order[std::size_t(p)] = p;
            std::stable_sort(pod_order.begin(), pod_order.end(),
                             [&](auto a, auto b) { return pools_.free_in_pod(a) > pools_.free_in_pod(b); });
            for (auto p : pod_order) add_groups_of_pod(p);
        }
        // Most free first inside each pod (stable: the pods' order holds).
        for (std::size_t a = 0; a < order.size();) {
            std::size_t b = a;
            while (b < order.size() && order[b] / layout_.groups_per_pod == order[a] / layout_.groups_per_pod) ++b;
            std::stable_sort(order.begin() + std::ptrdiff_t(a), order.begin() + std::ptrdiff_t(b),
                             [&](auto x, auto y) { return pools_.free_in_group(x) > pools_.free_in_group(y); });
            a = b;
        }
        for (auto g : order) {
            if (need <= 0) break;
            const std::int64_t take = std::min(need, pools_.free_in_group(g));
            take_from_group(j, id, g, take);
            need -= take;
        }
    }

    void place_sub_node(Job& j, std::int32_t id) {
        if (spec_.placement == PlacementPolicy::scattered) {
            std::int64_t candidates = pools_.free_nodes();
            for (std::int64_t f = j.gpus; f < gpn_; ++f) candidates += std::int64_t(pools_.shared_with(f).size());
            std::uniform_int_distribution<std::int64_t> pick(0, candidates - 1);
            std::int64_t k = pick(placement_rng_);
            if (k < pools_.free_nodes()) return take_node(j, id, pools_.free_list()[std::size_t(k)]);
            k -= pools_.free_nodes();
            for (std::int64_t f = j.gpus; f < gpn_; ++f) {
                const auto& v = pools_.shared_with(f);
                if (k < std::int64_t(v.size())) return take_node(j, id, v[std::size_t(k)]);
                k -= std::int64_t(v.size());
            }
            return;
        }
        for (std::int64_t f = j.gpus; f < gpn_; ++f) {  // best fit among shared nodes
            if (!pools_.shared_with(f).empty()) return take_node(j, id, pools_.shared_with(f).back());
        }
        // A free node of the group with fewest free nodes: big jobs keep the emptier groups.
        std::int64_t best = -1;
        for (std::int64_t g = 0; g < layout_.groups(); ++g) {
            const auto f = pools_.free_in_group(g);
            if (f > 0 && (best < 0 || f < pools_.free_in_group(best))) best = g;
        }
        take_node(j, id, pools_.free_list_of_group(best).back());
    }

    PlacementShape shape_of(const Job& j) const {
        PlacementShape s;
        if (j.nodes.empty()) return s;
        const auto g0 = pools_.group_of(j.nodes[0]), p0 = pools_.pod_of(j.nodes[0]);
        for (auto n : j.nodes) {
            if (pools_.pod_of(n) != p0) {
                s.crossing = 2;
                break;
            }
            if (pools_.group_of(n) != g0) s.crossing = 1;
        }
        if (layout_.nodes_per_domain > 1 && j.nodes_needed > 0) {
            std::unordered_map<std::int64_t, std::int64_t> in_domain;
            for (auto n : j.nodes) ++in_domain[pools_.domain_of(n)];
            for (const auto& [d, count] : in_domain) {
                const std::int64_t size = std::min(layout_.nodes_per_domain, layout_.nodes - d * layout_.nodes_per_domain);
                if (count < size) s.split_domain = true;
            }
        }
        return s;
    }

    void price(Job& j) {
        j.shape = shape_of(j);
        if (j.spec->priced >= 0) {
            const PricedJob& p = spec_.priced[std::size_t(j.spec->priced)];
            j.work = p.steps * p.step[std::size_t(j.shape.index())].value;
        } else {
            j.work = j.spec->duration.value;
        }
    }

    void start(Job& j, std::int32_t id) {
        if (j.nodes_needed > 0) place_whole_nodes(j, id);
        else place_sub_node(j, id);
        price(j);
        if (!j.started) {
            j.started = true;
            j.first_start = now_;
            j.first_work = j.work;
            j.first_shape = j.shape;
            if (j.spec->priced >= 0) j.first_step = spec_.priced[std::size_t(j.spec->priced)].step[std::size_t(j.shape.index())].value;
            begin_running(j, id);
        } else {
            // Back from the queue: it restores its checkpoint first.
            out_.gpu_hours_lost["restart after requeue"] += j.ckpt.restart * double(j.held_gpus()) / 3600;
            begin_restart(j, id, j.ckpt.restart);
        }
    }

    // ---- scheduling ---------------------------------------------------------------
    void schedule() {
        while (!queue_.empty()) {
            const auto head = *queue_.begin();
            Job& j = jobs_[std::size_t(std::get<2>(head))];
            if (!fits_now(j) && !(spec_.preemption && preempt_for(j, std::get<2>(head), j.nodes_needed, "preemption by priority"))) {
                break;
            }
            if (!fits_now(j)) break;
            queue_.erase(queue_.begin());
            start(j, std::get<2>(head));
        }
        if (spec_.policy == QueuePolicy::backfill && queue_.size() > 1) backfill();
    }

    // EASY: the first job's reservation is the earliest time enough nodes free up (as
    // the running jobs' expected ends say); later jobs start now if they end before it,
    // or if they use only nodes the first job will not need then.
    void backfill() {
        const auto head_key = *queue_.begin();
        const Job& head = jobs_[std::size_t(std::get<2>(head_key))];
        double shadow = kNever;
        std::int64_t extra = 0;
        if (head.nodes_needed > 0) {
            std::int64_t free = pools_.free_nodes();
            for (const auto& [end, id] : running_by_end_) {
                const Job& r = jobs_[std::size_t(id)];
                if (r.nodes_needed > 0) free += std::int64_t(r.nodes.size());
                if (free >= head.nodes_needed) {
                    shadow = end;
                    extra = free - head.nodes_needed;
                    break;
                }
            }
            if (!std::isfinite(shadow)) extra = pools_.free_nodes();  // it cannot start while nodes are down
        } else if (!running_by_end_.empty()) {
            shadow = running_by_end_.begin()->first;
        }
        std::int64_t looked = 0;
        for (auto it = std::next(queue_.begin()); it != queue_.end() && looked < spec_.backfill_depth; ++looked) {
            const std::int32_t id = std::get<2>(*it);
            Job& j = jobs_[std::size_t(id)];
            if (!fits_now(j)) {
                ++it;
                continue;
            }
            const double runtime = (j.started ? j.ckpt.restart : 0) + remaining_wall(j);
            const std::int64_t uses = j.nodes_needed > 0 ? j.nodes_needed : 1;
            const bool ends_in_time = now_ + runtime <= shadow;
            if (!ends_in_time && uses > extra) {
                ++it;
                continue;
            }
            if (!ends_in_time) extra -= uses;
            it = queue_.erase(it);
            start(j, id);
            if (pools_.free_nodes() == 0 && fits_nothing_small()) break;
        }
    }
    bool fits_nothing_small() const {
        for (std::int64_t f = 1; f < gpn_; ++f) {
            if (!pools_.shared_with(f).empty()) return false;
        }
        return true;
    }

    // Frees `nodes` whole nodes (beyond the free ones) by preempting running whole-node
    // jobs of lower priority, most recently started first. False, and nothing done,
    // when they would not be enough.
    bool preempt_for(const Job& j, std::int32_t id, std::int64_t nodes, const char* why) {
        if (nodes <= 0) return false;
        const std::int64_t short_by = nodes - pools_.free_nodes();
        if (short_by <= 0) return true;
        std::int64_t lower = 0;
        for (const auto& [priority, held] : nodes_by_priority_) {
            if (priority >= j.spec->priority) break;
            lower += held;
        }
        if (lower < short_by) return false;
        std::vector<std::int32_t> victims;
        for (const auto& [end, v] : running_by_end_) {
            const Job& r = jobs_[std::size_t(v)];
            if (v != id && r.nodes_needed > 0 && r.spec->priority < j.spec->priority) victims.push_back(v);
        }
        std::sort(victims.begin(), victims.end(), [&](std::int32_t a, std::int32_t b) {
            const Job &x = jobs_[std::size_t(a)], &y = jobs_[std::size_t(b)];
            if (x.spec->priority != y.spec->priority) return x.spec->priority < y.spec->priority;
            return x.run_began != y.run_began ? x.run_began > y.run_began : a > b;
        });
        std::int64_t freed = 0;
        for (auto v : victims) {
            if (freed >= short_by) break;
            Job& r = jobs_[std::size_t(v)];
            freed += std::int64_t(r.nodes.size());
            stop_running(r, why, 0);
            r.preemptions++;
            out_.preemptions++;
            release(r, v);
            r.epoch++;
            enqueue(r, v);
        }
        return true;
    }


    // ---- failures -----------------------------------------------------------------
    template <class Rng>
    std::int64_t uniform(Rng& rng, std::int64_t n) {
        std::uniform_int_distribution<std::int64_t> pick(0, n - 1);
        return pick(rng);
    }

    void fleet_failure() {
        std::uniform_real_distribution<double> u(0, fleet_rate_);
        double x = u(failure_rng_);
        const FleetCause* c = &causes_.back();
        for (const auto& fc : causes_) {
            if (x < fc.rate) {
                c = &fc;
                break;
            }
            x -= fc.rate;
        }
        const FailureCause& cause = *c->cause;
        out_.failures[cause.name]++;
        switch (cause.per) {
            case Component::gpu:
            case Component::nic: {
                const std::int64_t gpu = uniform(failure_rng_, layout_.gpus);
                const auto node = std::int32_t(gpu / gpn_);
                if (cause.needs_repair) node_fails(node, cause.name);
                else if (auto job = job_on_gpu(node, gpu % gpn_); job >= 0) interrupt(job, cause.name);
                break;
            }
            case Component::node: {
                const auto node = std::int32_t(uniform(failure_rng_, layout_.nodes));
                if (cause.needs_repair) node_fails(node, cause.name);
                else interrupt_all(jobs_on({node}, 0), cause.name);
                break;
            }
            case Component::link: link_failure(cause); break;
            case Component::network_switch: switch_failure(cause); break;
            case Component::job: break;
        }
    }

    int tier_by(const std::array<std::int64_t, 3>& counts) {
        const std::int64_t total = counts[0] + counts[1] + counts[2];
        std::int64_t k = uniform(failure_rng_, std::max<std::int64_t>(1, total));
        for (int t = 0; t < 3; ++t) {
            if (k < counts[std::size_t(t)]) return t;
            k -= counts[std::size_t(t)];
        }
        return 0;
    }

    std::vector<std::int32_t> nodes_of_group(std::int64_t g) const {
        std::vector<std::int32_t> v;
        for (std::int64_t n = g * layout_.nodes_per_group; n < std::min(layout_.nodes, (g + 1) * layout_.nodes_per_group); ++n) {
            v.push_back(std::int32_t(n));
        }
        return v;
    }
    std::vector<std::int32_t> nodes_of_pod(std::int64_t p) const {
        std::vector<std::int32_t> v;
        const std::int64_t per = layout_.nodes_per_group * layout_.groups_per_pod;
        for (std::int64_t n = p * per; n < std::min(layout_.nodes, (p + 1) * per); ++n) v.push_back(std::int32_t(n));
        return v;
    }
    // Jobs with a node among `nodes` that span beyond level `crossing` (0: any job).
    std::vector<std::int32_t> jobs_on(const std::vector<std::int32_t>& nodes, int crossing) const {
        std::vector<std::int32_t> out;
        for (auto n : nodes) {
            for (auto id : node_jobs_[n]) {
                if (jobs_[std::size_t(id)].shape.crossing >= crossing) out.push_back(id);
            }
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    void link_failure(const FailureCause& cause) {
        const int tier = tier_by(layout_.links);
        if (tier == 0) {  // a NIC's link: its node
            const auto node = std::int32_t(uniform(failure_rng_, layout_.gpus) / gpn_);
            if (cause.needs_repair) node_fails(node, cause.name);
            else interrupt_all(jobs_on({node}, 1), cause.name);
        } else if (tier == 1) {  // a leaf's uplink: the jobs that leave that leaf group
            const auto g = uniform(failure_rng_, layout_.groups());
            interrupt_flows(nodes_of_group(g), 1, double(layout_.links[1]) / double(layout_.groups()), cause.name);
        } else {  // a spine's uplink: the jobs that leave that pod
            const auto p = uniform(failure_rng_, layout_.pods());
            interrupt_flows(nodes_of_pod(p), 2, double(layout_.links[2]) / double(layout_.pods()), cause.name);
        }
    }

    // An uplink among `uplinks` of a leaf group or pod fails. ECMP puts each flow that
    // leaves on one of its rail's uplinks (uplinks / gpus_per_node of them, one NIC a
    // rail a node): a job with m nodes there that crosses this tier had a flow on the
    // failed link with chance 1 - (1 - 1/U)^m, and that job's collective breaks.
    void interrupt_flows(const std::vector<std::int32_t>& nodes, int crossing, double uplinks, const std::string& cause) {
        std::unordered_map<std::int32_t, std::int64_t> nodes_there;
        for (auto n : nodes) {
            for (auto id : node_jobs_[n]) {
                if (jobs_[std::size_t(id)].shape.crossing >= crossing) ++nodes_there[id];
            }
        }
        std::vector<std::pair<std::int32_t, std::int64_t>> hit(nodes_there.begin(), nodes_there.end());
        std::sort(hit.begin(), hit.end());  // deterministic order for the draws
        const double per_rail = std::max(1.0, uplinks / double(gpn_));
        std::uniform_real_distribution<double> u(0, 1);
        for (const auto& [id, m] : hit) {
            if (u(failure_rng_) < 1 - std::pow(1 - 1 / per_rail, double(m))) interrupt(id, cause);
        }
    }

    void switch_failure(const FailureCause& cause) {
        const int tier = tier_by(layout_.switches);
        if (tier == 0) {  // a leaf: its group's nodes are cut off until it is replaced
            const std::int64_t g = uniform(failure_rng_, layout_.groups());
            if (cause.needs_repair) {
                for (auto n : nodes_of_group(g)) take_down(n, cause.name);
                push(now_ + spec_.failures->repair.value, EventKind::group_back, std::int32_t(g), 0);
            } else {
                interrupt_all(jobs_on(nodes_of_group(g), 0), cause.name);
            }
        } else if (tier == 1) {
            interrupt_all(jobs_on(nodes_of_pod(uniform(failure_rng_, layout_.pods())), 1), cause.name);
        } else {
            std::vector<std::int32_t> spanning;
            for (const auto& [end, id] : running_by_end_) {
                if (jobs_[std::size_t(id)].shape.crossing >= 2) spanning.push_back(id);
            }
            interrupt_all(spanning, cause.name);
        }
    }

    std::int32_t job_on_gpu(std::int32_t node, std::int64_t slot) const {
        std::int64_t used = 0;
        for (auto id : node_jobs_[node]) {
            const Job& j = jobs_[std::size_t(id)];
            used += j.nodes_needed > 0 ? gpn_ : j.gpus;
            if (slot < used) return id;
        }
        return -1;
    }

    void interrupt_all(const std::vector<std::int32_t>& ids, const std::string& cause) {
        for (auto id : ids) interrupt(id, cause);
    }

    // A failure that leaves the job its nodes: restart in place.
    void interrupt(std::int32_t id, const std::string& cause) {
        Job& j = jobs_[std::size_t(id)];
        if (j.state != State::running) return;  // a restarting job is not running yet
        count_interruption(j, cause);
        stop_running(j, cause, j.ckpt.restart);
        begin_restart(j, id, j.ckpt.restart);
    }

    void count_interruption(Job& j, const std::string& cause) {
        j.interruptions++;
        out_.interruptions[cause]++;
    }

    void node_fails(std::int32_t node, const std::string& cause) {
        if (node_down_[node] > 0) return;  // already out of service: nothing runs on it
        auto& history = node_failures_[node];
        history.push_back(now_);
        while (!history.empty() && history.front() < now_ - spec_.drain_window.value) history.erase(history.begin());
        const bool drain = std::int64_t(history.size()) >= spec_.drain_after;
        if (drain) {
            history.clear();
            out_.nodes_drained++;
        }
        take_down(node, cause);
        push(now_ + (drain ? spec_.drain_time : spec_.failures->repair).value, EventKind::node_back, node, 0);
    }

    void take_down(std::int32_t node, const std::string& cause) {
        if (node_down_[node]++ == 0) down_nodes_++;
        if (spare_[node]) {
            spare_[node] = false;
            spares_.erase(std::remove(spares_.begin(), spares_.end(), node), spares_.end());
        }
        refresh(node);
        const std::vector<std::int32_t> on = node_jobs_[node];
        for (auto id : on) lose_node(id, node, cause);
    }

    void node_up(std::int32_t node) {
        if (node_down_[node] == 0) return;
        if (--node_down_[node] > 0) return;
        down_nodes_--;
        if (std::int64_t(spares_.size()) < spec_.spare_nodes && node_jobs_[node].empty()) {
            spare_[node] = true;
            spares_.push_back(node);
        }
        refresh(node);
    }

    // A job lost `node`: it is interrupted (if it ran) and replaces the node by a spare,
    // an idle node or preempted lower-priority work; else it waits in the queue.
    void lose_node(std::int32_t id, std::int32_t node, const std::string& cause) {
        Job& j = jobs_[std::size_t(id)];
        const bool was_running = j.state == State::running;
        if (was_running) {
            count_interruption(j, cause);
            stop_running(j, cause, 0);
        }
        drop_node(j, id, node);
        if (j.nodes_needed == 0 || !replace_node(j, id, node)) {
            release(j, id);
            j.epoch++;
            out_.requeues++;
            enqueue(j, id);
            return;
        }
        if (was_running) {
            out_.gpu_hours_lost[cause] += j.ckpt.restart * double(j.held_gpus()) / 3600;
            begin_restart(j, id, j.ckpt.restart);
        } else if (j.state == State::restarting) {
            track_end(j, id, j.resume_at + remaining_wall(j));
        }
    }

    bool replace_node(Job& j, std::int32_t id, std::int32_t lost) {
        const auto near = [&](const std::vector<std::int32_t>& v) {
            std::int32_t best = -1;
            int best_score = -1;
            for (auto n : v) {
                const int score = pools_.group_of(n) == pools_.group_of(lost) ? 2 : pools_.pod_of(n) == pools_.pod_of(lost) ? 1 : 0;
                if (score > best_score) best = n, best_score = score;
                if (score == 2) break;
            }
            return best;
        };
        std::int32_t node = -1;
        if (!spares_.empty()) {
            node = spec_.placement == PlacementPolicy::packed ? near(spares_) : spares_[std::size_t(uniform(placement_rng_, std::int64_t(spares_.size())))];
            spare_[node] = false;
            spares_.erase(std::remove(spares_.begin(), spares_.end(), node), spares_.end());
            out_.spares_used++;
            refresh(node);
        } else if (pools_.free_nodes() > 0) {
            node = spec_.placement == PlacementPolicy::packed
                       ? (pools_.free_in_group(pools_.group_of(lost)) > 0 ? pools_.free_list_of_group(pools_.group_of(lost)).back()
                                                                         : near(pools_.free_list()))
                       : random_of(pools_.free_list());
        } else if (spec_.preemption && preempt_for(j, id, 1, "preemption after failure") && pools_.free_nodes() > 0) {
            node = near(pools_.free_list());
        }
        if (node < 0) return false;
        take_node(j, id, node);
        price(j);
        return true;
    }

    // Per-job causes (dependencies) and planned stops.
    void per_job_event(Job& j, std::int32_t id) {
        const FailureProfile& p = *spec_.failures;
        const SizeRates& r = rates_for(j.gpus);
        std::uniform_real_distribution<double> u(0, r.per_job + r.planned);
        double x = u(failure_rng_);
        if (x < r.per_job) {
            for (const auto& c : p.unexpected) {
                if (c.per != Component::job) continue;
                const double rate = rate_per_component(p, c).value;
                if (x < rate) return interrupt(id, c.name);
                x -= rate;
            }
            return;
        }
        // Planned: a checkpoint, a restart, nothing lost.
        const double elapsed = now_ - j.run_began;
        const double useful = useful_since_checkpoint(j, elapsed);  // saved by the stop's own checkpoint
        account_checkpoints(j, elapsed);
        if (j.work > 0) j.done = std::min(1.0, j.done + useful / j.work);
        const double downtime = j.ckpt.write + j.ckpt.planned_restart;
        out_.gpu_hours_lost["planned maintenance"] += downtime * double(j.held_gpus()) / 3600;
        out_.interruptions["planned maintenance"]++;
        begin_restart(j, id, downtime);
    }

    // ---- results ------------------------------------------------------------------
    // The jobs whose outcome every run keeps: priced ones, and all of a short list.
    bool listed(const Job& j) const {
        if (j.spec->priced >= 0) return true;
        return spec_.jobs.size() <= 20 && j.spec >= spec_.jobs.data() && j.spec < spec_.jobs.data() + spec_.jobs.size();
    }

    void finish_run() {
        for (std::size_t i = 0; i < jobs_.size(); ++i) {
            Job& j = jobs_[i];
            if (j.state == State::pending) continue;
            if (spans_on_ && j.span_kind && now_ > j.span_begin) out_.spans.push_back({std::int32_t(i), j.span_kind, j.span_begin, now_});
            JobOutcome o;
            o.name = j.spec->name;
            o.gpus = j.gpus;
            o.priority = j.spec->priority;
            o.arrival_s = j.spec->arrival.value;
            o.first_start_s = j.first_start;
            o.end_s = j.end;
            o.until_s = j.end >= 0 ? j.end : now_;
            o.work_s = j.first_work;
            double useful = j.done * j.work;
            if (j.state == State::running) {
                const double elapsed = now_ - j.run_began;
                useful += checkpoints_in(j, elapsed) * (std::isfinite(j.ckpt.tau) ? j.ckpt.tau : 0) +
                          useful_since_checkpoint(j, elapsed);
            }
            // Measured in the first placement's seconds, so that ETTR compares like with like.
            o.useful_s = j.work > 0 ? useful / j.work * j.first_work : 0;
            o.interruptions = j.interruptions;
            o.preemptions = j.preemptions;
            o.crossing = j.first_shape.crossing;
            o.split_domain = j.first_shape.split_domain;
            o.step_s = j.first_step;
            JobBrief b;
            b.gpus = o.gpus;
            b.interruptions = std::int32_t(o.interruptions);
            if (o.first_start_s >= 0) {
                b.wait_h = float((o.first_start_s - o.arrival_s) / 3600);
                b.useful_gpu_h = float(o.useful_s * double(o.gpus) / 3600);
                b.span_gpu_h = float((o.until_s - o.first_start_s) * double(o.gpus) / 3600);
            }
            if (o.end_s >= 0) b.jct_h = float((o.end_s - o.arrival_s) / 3600);
            b.listed = listed(j);
            out_.briefs.push_back(b);
            if (keep_jobs_ || b.listed) out_.jobs.push_back(std::move(o));
        }
        const double total = double(layout_.gpus) * spec_.horizon.value;
        out_.utilisation = allocated_integral_ / total;
        out_.down_fraction = down_integral_ / total;
    }

    const FleetSpec& spec_;
    const FleetLayout& layout_;
    NodePools pools_;
    bool spans_on_, keep_jobs_;
    std::mt19937_64 workload_rng_, failure_rng_, placement_rng_;
    std::int64_t gpn_ = 8;
    std::vector<FleetJob> generated_;
    std::vector<Job> jobs_;
    std::vector<FleetCause> causes_;
    double fleet_rate_ = 0;
    std::unordered_map<std::int64_t, SizeRates> size_rates_;

    std::vector<std::uint8_t> node_down_;
    std::vector<std::int64_t> node_free_gpus_;
    std::vector<std::vector<std::int32_t>> node_jobs_;
    std::vector<std::vector<double>> node_failures_;
    std::vector<bool> spare_;
    std::vector<std::int32_t> spares_;

    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
    std::uint64_t seq_ = 0;
    double now_ = 0;
    std::set<std::tuple<int, double, std::int32_t>> queue_;
    std::set<std::pair<double, std::int32_t>> running_by_end_;
    std::map<int, std::int64_t> nodes_by_priority_;  // whole nodes held, by the holder's priority
    std::int64_t running_jobs_ = 0, allocated_gpus_ = 0, down_nodes_ = 0;
    double allocated_integral_ = 0, down_integral_ = 0;
    FleetReplication out_;
};
}  // namespace

FleetReplication run_fleet_replication(const FleetSpec& spec, std::int64_t replication, bool spans, bool keep_jobs) {
    FleetSim sim(spec, replication, spans, keep_jobs);
    FleetReplication r = sim.run();
    r.seed = spec.seed;
    return r;
}

}  // namespace colossim
