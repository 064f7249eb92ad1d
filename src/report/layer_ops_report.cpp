// `estimate --ops`: the table and JSON of layer_ops().
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "colossim/report.hpp"

namespace colossim {

std::string layer_ops_table(const std::vector<LayerOp>& ops) {
    std::map<std::string, double> block_total;  // seconds a layer of each kind, all its ops
    for (const auto& o : ops) block_total[o.block] += o.time.value;
    std::string out = "one layer, one micro-batch, one GPU (collectives at their closed-form time, before overlap)\n";
    out += fmt::format("{:<6} {:<9} {:<28} {:<14} {:>3} {:>10} {:>6} {:>8} {:>8} {:>9}\n", "layer", "pass", "op", "kind", "n",
                       "time (us)", "share", "TFLOP/s", "GB/s", "host (us)");
    for (const auto& o : ops) {
        const double t = o.time.value;
        const std::string tflops = !o.collective && o.flops.value > 0 && t > 0 ? fmt::format("{:8.1f}", o.flops.value / t / 1e12) : "";
        const std::string gbps = o.bytes.value > 0 && t > 0 ? fmt::format("{:8.1f}", o.bytes.value / t / 1e9) : "";
        const std::string host = o.collective ? "" : fmt::format("{:9.1f}", o.host.value * 1e6);
        out += fmt::format("{:<6} {:<9} {:<28} {:<14} {:>3} {:>10.1f} {:>5.1f}% {:>8} {:>8} {:>9}\n", o.block, o.pass,
                           o.name + (o.overlapped ? " *" : ""), o.kind, o.count, t * 1e6,
                           block_total[o.block] > 0 ? 100.0 * t / block_total[o.block] : 0.0, tflops, gbps, host);
    }
    for (const auto& [block, total] : block_total) out += fmt::format("{} layer total {:.1f} us\n", block, total * 1e6);
    out += "* partly hidden behind compute by the engine (CP ring, TP or EP overlap)\n";
    out += "host: the CPU time to issue the op; a pass whose host time passes its GPU time waits (host wait)\n";
    return out;
}

namespace {
nlohmann::ordered_json ops_array(const std::vector<LayerOp>& ops) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& o : ops) {
        a.push_back({{"layer", o.block},
                     {"pass", o.pass},
                     {"op", o.name},
                     {"kind", o.kind},
                     {"count", o.count},
                     {"time_s", o.time.value},
                     {"host_s", o.host.value},
                     {"flops", o.flops.value},
                     {"bytes", o.bytes.value},
                     {"collective", o.collective},
                     {"overlapped", o.overlapped}});
    }
    return a;
}
}  // namespace

std::string layer_ops_json(const std::vector<LayerOp>& ops) { return ops_array(ops).dump(2); }

std::string with_layer_ops_json(const std::string& estimate_json, const std::vector<LayerOp>& ops) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(estimate_json);
    j["layer_ops"] = ops_array(ops);
    return j.dump(2);
}

}  // namespace colossim
