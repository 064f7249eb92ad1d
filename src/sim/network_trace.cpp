// Chrome trace JSON of a step on the network (network_step.hpp): a process per node, a
// thread per GPU stream; Perfetto and chrome://tracing open it.
#include <cstdio>

#include "colossim/network_step.hpp"

namespace colossim {

std::string chrome_trace(const Scenario& s, const NetworkStep& step) {
    const auto& p = s.parallelism;
    const std::int64_t per_stage = step.mode == SimMode::full ? p.cp * p.dp : 1;
    const std::int64_t gpn = std::max<std::int64_t>(1, s.cluster.gpus_per_node);
    auto gpus_of = [&](std::int64_t entity, std::vector<std::int64_t>& out) {
        out.clear();
        const std::int64_t st = entity / per_stage, i = entity % per_stage;
        for (std::int64_t t = 0; t < p.tp; ++t) out.push_back(t + p.tp * (i + p.cp * p.dp * st));
    };
    static const char* kStreams[] = {"compute", "p2p", "dp", "ep/cp"};
    std::string out = "{\"displayTimeUnit\": \"ms\", \"otherData\": {\"model\": \"" + s.model.name + "\", \"schedule\": \"" +
                      to_string(step.schedule) + "\", \"mode\": \"" + to_string(step.mode) + "\"},\n\"traceEvents\": [\n";
    std::vector<std::int64_t> gpus;
    std::vector<char> named_node;
    char buf[320];
    bool first = true;
    auto emit = [&] {  // one event, comma-separated from the previous one
        if (!first) out += ",\n";
        out += buf;
        first = false;
    };
    for (std::int64_t e = 0; e < step.entities; ++e) {
        gpus_of(e, gpus);
        for (std::int64_t g : gpus) {
            const std::int64_t node = g / gpn;
            if (std::size_t(node) >= named_node.size()) named_node.resize(std::size_t(node) + 1, 0);
            if (!named_node[std::size_t(node)]) {
                named_node[std::size_t(node)] = 1;
                std::snprintf(buf, sizeof buf,
                              "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %lld, \"args\": {\"name\": \"node %lld\"}}",
                              (long long)node, (long long)node);
                emit();
            }
            for (int k = 0; k < 4; ++k) {
                std::snprintf(buf, sizeof buf,
                              "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %lld, \"tid\": %lld, \"args\": {\"name\": "
                              "\"GPU %lld %s (stage %lld)\"}}",
                              (long long)node, (long long)((g % gpn) * 4 + k), (long long)g, kStreams[k],
                              (long long)(e / per_stage));
                emit();
            }
        }
    }
    for (const auto& t : step.trace) {
        gpus_of(t.entity, gpus);
        std::string name = t.stream >= 2 || *t.label ? std::string(t.label)
                                                     : (t.stream == 1 ? "send " : "") + task_name(t.task, p.vpp > 1);
        const char* cat = t.stream == 3   ? "ep/cp"
                          : t.stream == 2 ? "dp"
                          : t.stream == 1 ? "p2p"
                                          : (t.task.weight ? "weight" : t.task.forward ? "forward" : "backward");
        for (std::int64_t g : gpus) {
            std::snprintf(buf, sizeof buf,
                          "{\"name\": \"%s\", \"cat\": \"%s\", \"ph\": \"X\", \"pid\": %lld, \"tid\": %lld, \"ts\": %.3f, "
                          "\"dur\": %.3f, \"args\": {\"gpu\": %lld, \"micro_batch\": %lld, \"chunk\": %lld}}",
                          name.c_str(), cat, (long long)(g / gpn), (long long)((g % gpn) * 4 + t.stream),
                          t.start.value * 1e6, (t.end - t.start).value * 1e6, (long long)g, (long long)t.task.micro_batch,
                          (long long)t.task.chunk);
            emit();
        }
    }
    out += "\n]}\n";
    return out;
}

}  // namespace colossim
