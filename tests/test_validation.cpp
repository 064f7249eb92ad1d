// colossim against published measurements (data/validation/). One calibration for every
// case (data/calibration/model.yaml, data/gpus/*): nothing here is tuned per case.
#include <gtest/gtest.h>

#include <cmath>

#include "colossim/validation.hpp"
#include "helpers.hpp"

using namespace colossim;

// Each case must land within 20% of its published figure, and the suite's mean absolute
// error within 12%. Today's figures are in README.md ("Validation").
constexpr double kCaseTolerance = 0.20;
constexpr double kMeanTolerance = 0.12;

TEST(Validation, EveryCaseWithinTolerance) {
    auto results = run_validation(test::catalog(), test::calibration());
    ASSERT_GE(results.size(), 13u);  // SC'21 Table 1 (10 rows) + Llama 3 405B (3 rows)
    for (const auto& r : results) {
        EXPECT_LE(std::fabs(r.error), kCaseTolerance)
            << r.vcase.suite << "/" << r.vcase.name << ": published " << r.vcase.published << ", predicted "
            << r.predicted;
    }
    EXPECT_LE(mean_absolute_error(results), kMeanTolerance);
}

TEST(Validation, CasesCoverBothSources) {
    auto cases = load_validation_cases(test::catalog());
    int sc21 = 0, llama = 0;
    for (const auto& c : cases) {
        sc21 += c.suite == "megatron-sc21";
        llama += c.suite == "llama3-405b";
    }
    EXPECT_EQ(sc21, 10);
    EXPECT_EQ(llama, 3);
}
