// The compute model against whole transformer layers timed on an H200
// (data/calibration/h200-layers.csv: eager PyTorch, per-GPU shapes of TP-sharded layers,
// tools/calibrate/measure_layer.py). Kernels are priced one by one with the same
// calibration as every scenario; what a layer costs beyond its kernels' sum shows here.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "colossim/workload.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
struct Measured {
    std::string name;
    double fwd_ms, fwd_bwd_ms;
    Scenario scenario;
};

std::vector<Measured> read_layers() {
    std::ifstream in(test::source_path("data/calibration/h200-layers.csv"));
    std::vector<Measured> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.starts_with("layer,")) continue;
        const std::vector<std::string> f = test::csv_fields(line);
        // layer,hidden,q_heads,kv_heads,head_dim,ffn,gated,norm,tokens,fwd_ms,fwd_bwd_ms
        const std::int64_t tp = std::stoll(f[0].substr(f[0].find("-tp") + 3));
        const bool gated = f[6] == "1";
        std::string yaml = "model: {name: " + f[0] + ", layers: 1, hidden: " + f[1] + ", heads: " +
                           std::to_string(std::stoll(f[2]) * tp) + ", kv_heads: " + std::to_string(std::stoll(f[3]) * tp) +
                           ", head_dim: " + f[4] + ", ffn_hidden: " + std::to_string(std::stoll(f[5]) * tp) +
                           ", vocab: 32000, activation: " + (gated ? "swiglu" : "gelu") +
                           ", bias: " + (f[7] == "layer" ? "true" : "false") + "}\n"
                           "cluster: dgx-h100\nhardware: {gpu: h200}\ngpus: " + std::to_string(tp) +
                           "\nparallelism: {tp: " + std::to_string(tp) + ", sequence_parallel: false, recompute: none}\n"
                           "training: {seq_len: " + f[8] + ", global_batch: 1, micro_batch: 1}\n";
        out.push_back({f[0], std::stod(f[9]), std::stod(f[10]), test::scenario(yaml)});
    }
    return out;
}

double compute_ms(const OpList& ops, const CostModel& cost) {
    double t = 0;
    for (const auto& op : ops.compute) t += cost.compute(op).value;
    return t * 1e3;
}
}  // namespace

TEST(LayerCalibration, WholeLayersOnH200) {
    auto layers = read_layers();
    ASSERT_GE(layers.size(), 5u);
    double sum_abs = 0;
    for (const auto& m : layers) {
        Workload w = build_workload(m.scenario);
        CostModel cost(m.scenario, test::calibration());
        double fwd = compute_ms(w.dense_layer.forward, cost);
        double both = fwd + compute_ms(w.dense_layer.backward, cost);
        double err = (both - m.fwd_bwd_ms) / m.fwd_bwd_ms;
        sum_abs += std::fabs(err);
        std::cout << m.name << ": forward " << fwd << " ms (measured " << m.fwd_ms << "), forward+backward " << both
                  << " ms (measured " << m.fwd_bwd_ms << "), error " << 100 * err << "%\n";
        EXPECT_LT(std::fabs(err), 0.25) << m.name;
    }
    std::cout << "mean |error| " << 100 * sum_abs / double(layers.size()) << "%\n";
    EXPECT_LT(sum_abs / double(layers.size()), 0.15);
}
