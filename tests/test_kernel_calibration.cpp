// The GEMM cost model against GEMMs measured on an H200 (data/calibration/h200-gemm.csv,
// transformer training shapes, sustained at 700 W). The same calibration prices every
// scenario; this test says how well it predicts single kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "helpers.hpp"

using namespace colossim;

TEST(KernelCalibration, GemmTimesOnH200) {
    std::ifstream in(test::source_path("data/calibration/h200-gemm.csv"));
    ASSERT_TRUE(in) << "missing data/calibration/h200-gemm.csv";
    Scenario s = test::scenario(test::kLlama405b, {{"hardware.gpu", "h200"}});
    CostModel cost(s, test::calibration());
    std::vector<double> errors;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.starts_with("M,")) continue;
        const std::vector<std::string> f = test::csv_fields(line);
        if (f.size() < 7 || (f[6] != "train" && f[6] != "bwd")) continue;  // training shapes only
        ComputeOp op;
        op.kind = ComputeKind::gemm;
        op.m = std::stod(f[0]);
        op.n = std::stod(f[1]);
        op.k = std::stod(f[2]);
        op.flops = Flops(2 * op.m * op.n * op.k);
        op.bytes = Bytes(2 * (op.m * op.k + op.k * op.n + op.m * op.n));
        double measured = std::stod(f[4]) * 1e-6;
        errors.push_back((cost.compute(op).value - measured) / measured);
    }
    ASSERT_GE(errors.size(), 40u);
    double mean_abs = 0;
    for (double e : errors) mean_abs += std::fabs(e);
    mean_abs /= double(errors.size());
    std::sort(errors.begin(), errors.end());
    std::cout << "GEMM time model vs H200: " << errors.size() << " shapes, mean |error| " << 100 * mean_abs
              << "%, range " << 100 * errors.front() << "% .. " << 100 * errors.back() << "%\n";
    EXPECT_LT(mean_abs, 0.12);
    EXPECT_LT(std::fabs(errors.front()), 0.35);
    EXPECT_LT(std::fabs(errors.back()), 0.35);
}
