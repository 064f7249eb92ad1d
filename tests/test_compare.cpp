// `compare`: scenarios side by side from the same estimates `estimate` makes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "cli_helpers.hpp"
#include "colossim/api.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
api::ScenarioRequest request(const std::vector<Override>& overrides) { return {test::kLlama405b, "test", overrides}; }

const ComparisonRow& row(const std::vector<ComparisonRow>& rows, const std::string& metric) {
    for (const auto& r : rows) {
        if (r.metric == metric) return r;
    }
    throw std::runtime_error("no row " + metric);
}
}  // namespace

TEST(Compare, ColumnsAreTheEstimatesAndDifferencesAreMarked) {
    const auto a = api::compare_scenarios(test::catalog(), {request({}), request({{"parallelism.vpp", "2"}})}, {});
    ASSERT_EQ(a.scenarios.size(), 2u);
    EXPECT_EQ(a.scenarios[1].label, "scenario 2");
    const auto rows = comparison_rows(a.scenarios);
    const StepResult one = estimate(test::scenario(test::kLlama405b), test::calibration());
    const ComparisonRow& step = row(rows, "step time");
    EXPECT_DOUBLE_EQ(*step.values[0], one.step_time.value);
    EXPECT_GT(*step.values[1], *step.values[0]);  // fewer virtual stages: a longer bubble
    EXPECT_TRUE(step.differs);
    EXPECT_TRUE(row(rows, "parallelism").differs);
    EXPECT_FALSE(row(rows, "model").differs);
    EXPECT_FALSE(row(rows, "compute").differs);  // the same work a micro-batch
    EXPECT_TRUE(row(rows, "GPU-hours").values[0].has_value());  // the scenario trains 15.6T tokens
    // Where no scenario trains a number of tokens there are no time-to-train rows.
    const auto untimed = api::compare_scenarios(
        test::catalog(), {request({{"training.tokens", "0"}}), request({{"training.tokens", "0"}, {"parallelism.vpp", "2"}})}, {});
    EXPECT_THROW(row(comparison_rows(untimed.scenarios), "GPU-hours"), std::runtime_error);
    const std::string table = comparison_table(a.scenarios);
    EXPECT_NE(table.find("* step time"), std::string::npos);
    EXPECT_NE(table.find("  compute"), std::string::npos);
    const auto j = nlohmann::json::parse(comparison_json(a.scenarios, a.warnings));
    EXPECT_EQ(j["scenarios"].size(), 2u);
    const std::string csv = comparison_csv(a.scenarios);
    EXPECT_EQ(csv.substr(0, csv.find('\n')), "section,metric,unit,scenario 1,scenario 2,differs");
}

TEST(Compare, RefusesOneScenarioAndMismatchedLabels) {
    EXPECT_THROW(api::compare_scenarios(test::catalog(), {request({})}, {}), InputError);
    EXPECT_THROW(api::compare_scenarios(test::catalog(), {request({}), request({})}, {"only one"}), InputError);
    std::vector<api::ScenarioRequest> many(api::kMaxCompared + 1, request({}));
    EXPECT_THROW(api::compare_scenarios(test::catalog(), many, {}), InputError);
}

TEST(Compare, CommandLine) {
    const std::string a = std::string(COLOSSIM_SOURCE_DIR) + "/examples/llama3-405b.yaml";
    const std::string b = std::string(COLOSSIM_SOURCE_DIR) + "/examples/llama3-405b-pp8.yaml";
    auto r = test::run_cli("compare " + a + " " + b + " --gpus 8192");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("llama3-405b-pp8"), std::string::npos);
    EXPECT_NE(r.out.find("to train"), std::string::npos);  // the examples train 15.6T tokens
    r = test::run_cli("compare " + a + " " + b + " --csv");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out.rfind("section,metric,unit,llama3-405b,llama3-405b-pp8,differs", 0), 0u);
    EXPECT_EQ(test::run_cli("compare " + a).status, 2);
    EXPECT_EQ(test::run_cli("compare " + a + " /nonexistent.yaml").status, 2);
    EXPECT_EQ(test::run_cli("compare " + a + " " + b + " --tp 3").status, 2);
}

TEST(Explain, APlanThatDoesNotFitGetsTheChangesThatWould) {
    // Llama 3 405B at PP 8 VPP 2 needs 81 GB: recomputation, ZeRO-3, PP 16 and CP 2 fit.
    const auto a = api::explain_scenario(test::catalog(), request({{"parallelism.pp", "8"}, {"parallelism.vpp", "2"}}));
    ASSERT_FALSE(a.problem);
    ASSERT_TRUE(a.result);
    EXPECT_FALSE(a.result->memory.fits);
    std::set<std::string> fitting;
    for (const auto& f : a.fixes) {
        if (f.result && f.result->memory.fits) fitting.insert(f.change);
    }
    EXPECT_TRUE(fitting.count("recompute full"));
    EXPECT_TRUE(fitting.count("zero 3"));
    EXPECT_TRUE(fitting.count("pp 16"));
    EXPECT_FALSE(fitting.count("recompute selective"));  // FlashAttention keeps no scores to drop
    const std::string text = api::explain_text(a);
    EXPECT_NE(text.find("does NOT fit"), std::string::npos);
    // A plan that breaks a rule says which.
    const auto bad = api::explain_scenario(test::catalog(), request({{"parallelism.tp", "3"}}));
    ASSERT_TRUE(bad.problem);
    EXPECT_NE(bad.problem->find("tp*pp*cp"), std::string::npos);
    EXPECT_NE(test::run_cli("estimate " + std::string(COLOSSIM_SOURCE_DIR) + "/examples/llama3-405b.yaml --explain").out.find(
                  "fits, 1.0 GB to spare"),
              std::string::npos);
}
