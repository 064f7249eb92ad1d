// A replication as bytes and back, for MPI ranks to hand their share to rank 0. Same
// machine, same build on every rank: numbers travel in their memory layout.
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "colossim/fleet.hpp"

namespace colossim {

namespace {
static_assert(std::is_trivially_copyable_v<JobBrief> && std::is_trivially_copyable_v<FleetSample> &&
              std::is_trivially_copyable_v<JobSpan>);

class Writer {
public:
    template <class T>
    void value(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void text(const std::string& s) {
        value(std::uint64_t(s.size()));
        out += s;
    }
    template <class T>
    void pods(const std::vector<T>& v) {
        value(std::uint64_t(v.size()));
        if (!v.empty()) out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    }
    template <class V>
    void map(const std::map<std::string, V>& m) {
        value(std::uint64_t(m.size()));
        for (const auto& [k, v] : m) text(k), value(v);
    }
    std::string out;
};

class Reader {
public:
    explicit Reader(const std::string& s) : s_(s) {}
    template <class T>
    T value() {
        T v;
        need(sizeof v);
        std::memcpy(&v, s_.data() + pos_, sizeof v);
        pos_ += sizeof v;
        return v;
    }
    std::string text() {
        const auto n = value<std::uint64_t>();
        need(n);
        std::string t = s_.substr(pos_, n);
        pos_ += n;
        return t;
    }
    template <class T>
    std::vector<T> pods() {
        const auto n = value<std::uint64_t>();
        need(n * sizeof(T));
        std::vector<T> v(n);
        if (n > 0) std::memcpy(static_cast<void*>(v.data()), s_.data() + pos_, n * sizeof(T));
        pos_ += n * sizeof(T);
        return v;
    }
    template <class V>
    std::map<std::string, V> map() {
        std::map<std::string, V> m;
        for (auto n = value<std::uint64_t>(); n > 0; --n) {
            std::string k = text();
            m[k] = value<V>();
        }
        return m;
    }

private:
    void need(std::uint64_t n) const {
        if (n > s_.size() - pos_) throw std::runtime_error("a fleet replication's bytes end early");
    }
    const std::string& s_;
    std::size_t pos_ = 0;
};
}  // namespace

std::string replication_bytes(const FleetReplication& r) {
    Writer w;
    w.value(r.seed);
    w.value(std::uint64_t(r.jobs.size()));
    for (const auto& j : r.jobs) {
        w.text(j.name);
        w.value(j.gpus), w.value(j.priority), w.value(j.arrival_s), w.value(j.first_start_s), w.value(j.end_s);
        w.value(j.until_s), w.value(j.work_s), w.value(j.useful_s), w.value(j.interruptions), w.value(j.preemptions);
        w.value(j.crossing), w.value(j.split_domain), w.value(j.step_s);
    }
    w.pods(r.briefs);
    w.pods(r.samples);
    w.pods(r.spans);
    w.map(r.failures);
    w.map(r.interruptions);
    w.map(r.gpu_hours_lost);
    w.value(r.checkpoint_gpu_hours), w.value(r.spares_used), w.value(r.nodes_drained), w.value(r.preemptions);
    w.value(r.requeues), w.value(r.utilisation), w.value(r.down_fraction), w.value(r.events);
    return std::move(w.out);
}

FleetReplication replication_from_bytes(const std::string& bytes) {
    Reader in(bytes);
    FleetReplication r;
    r.seed = in.value<std::uint64_t>();
    r.jobs.resize(in.value<std::uint64_t>());
    for (auto& j : r.jobs) {
        j.name = in.text();
        j.gpus = in.value<std::int64_t>();
        j.priority = in.value<int>();
        j.arrival_s = in.value<double>(), j.first_start_s = in.value<double>(), j.end_s = in.value<double>();
        j.until_s = in.value<double>(), j.work_s = in.value<double>(), j.useful_s = in.value<double>();
        j.interruptions = in.value<std::int64_t>(), j.preemptions = in.value<std::int64_t>();
        j.crossing = in.value<int>();
        j.split_domain = in.value<bool>();
        j.step_s = in.value<double>();
    }
    r.briefs = in.pods<JobBrief>();
    r.samples = in.pods<FleetSample>();
    r.spans = in.pods<JobSpan>();
    r.failures = in.map<std::int64_t>();
    r.interruptions = in.map<std::int64_t>();
    r.gpu_hours_lost = in.map<double>();
    r.checkpoint_gpu_hours = in.value<double>();
    r.spares_used = in.value<std::int64_t>(), r.nodes_drained = in.value<std::int64_t>();
    r.preemptions = in.value<std::int64_t>(), r.requeues = in.value<std::int64_t>();
    r.utilisation = in.value<double>(), r.down_fraction = in.value<double>();
    r.events = in.value<std::int64_t>();
    return r;
}

}  // namespace colossim
