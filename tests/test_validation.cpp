// colossim against published measurements (data/validation/). One calibration for every
// case (data/calibration/model.yaml, data/gpus/*): nothing here is tuned per case.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "colossim/validation.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
std::vector<ValidationCase> suites(const std::set<std::string>& names) {
    std::vector<ValidationCase> out;
    for (auto& c : load_validation_cases(test::catalog())) {
        if (names.count(c.suite)) out.push_back(std::move(c));
    }
    return out;
}
}  // namespace

// The Megatron-LM suites (SC'21 Table 1, Llama 3 Table 4): each case within 20% and the
// mean within 12%. Today's figures are in README.md ("Validation").
TEST(Validation, MegatronSuitesWithinTolerance) {
    auto results = run_validation(suites({"megatron-sc21", "llama3-405b"}), test::calibration());
    ASSERT_EQ(results.size(), 13u);  // SC'21 Table 1 (10 rows) + Llama 3 405B (3 rows)
    for (const auto& r : results) {
        EXPECT_LE(std::fabs(r.error), 0.20)
            << r.vcase.suite << "/" << r.vcase.name << ": published " << r.vcase.published << ", predicted "
            << r.predicted;
    }
    EXPECT_LE(mean_absolute_error(results), 0.12);
}

// The whole set: every source's mean error may not grow past what the model reaches today
// (README "Validation"; the goal of 5% is not reached yet). A ratchet, not the goal: when
// a mechanism lowers a source's error, lower its bound here.
TEST(Validation, NoSourceRegresses) {
    const std::map<std::string, double> bound = {
        // llama3-405b rose from 0.018 (and moe-folding from 0.127) when the analytical
        // engine began to pay each DP bucket's ring latency, as the event engine always
        // had (ZeRO-2's 448 reduce-scatters a step over 128 nodes, each 127 hops): the
        // engines agree, and the rows lean slow, where a cost is over-stated.
        // megatron-sc21 fell from 0.083 to 0.067 when A100's NVLink rate and step latency were
        // fitted to published nccl-tests (data/calibration/a100-nccl-allreduce.csv).
        // llama3-405b rose from 0.033 to 0.074 (its sign from - to +) when its gradients were
        // read as reduced once a step, not every micro-batch (data/validation/llama3-405b.yaml):
        // the engines then agree within 2 points where they differed by 5.
        {"llama3-405b", 0.08}, {"megatron-sc21", 0.07},        {"llm-foundry", 0.07},
        // moe-folding rose from 0.235 when streaming kernels took the HBM rate copy and add
        // reach (0.88, not the 0.685 mean with the norms): a faithful kernel, a missing cost.
        // deepseek (0.023) and megatron-core-moe (0.157) rose when collectives beside compute
        // began to slow it by their SMs (CostModel::overlap_cost), which lowered the whole
        // set's error from 14.8% to 13.7%: DualPipe's and DeepEP's reserved SMs are that
        // mechanism, so their earlier match hid another error.
        // torchtitan rose from 0.180 when its AsyncTP rows got parallelism.tp_overlap: the
        // overlap hides about twice the gain TorchTitan's A/B rows measure (README "Validation").
        // torchtitan fell to 0.208 with PyTorch's context parallel (parallelism.cp_impl).
        // megatron-core-moe fell from 0.182 and deepseek from 0.076 when DeepEP's dispatch
        // crossed the nodes once a destination node (parallelism.moe_dispatcher deepep);
        // megatron-bridge-perf fell from 0.301 and megatron-core-moe from 0.146 when a pass
        // took at least the host's issue time (training.grouped_gemm te, cuda_graphs).
        {"torchtitan", 0.15},   {"megatron-bridge-perf", 0.20}, {"megatron-core-moe", 0.12},
        // moe-folding fell from 0.209 to 0.127 when ZeRO-3 with one hardware queue
        // (CUDA_DEVICE_MAX_CONNECTIONS=1, the paper's launcher) stopped overlapping.
        // deepseek rose from 0.064, torchtitan fell from 0.208 and megatron-bridge-perf from
        // 0.319 when Hopper's FP8 GEMMs and Blackwell's GEMMs took the published short-run
        // scans' efficiencies times the share our H200 sustains (data/calibration/
        // mamf-matmul.csv): DeepSeek's own FP8 GEMMs (DeepGEMM, ~1470 TFLOP/s on H800,
        // deepseek-ai/DeepGEMM PR 74) beat the cuBLAS the scan times. torchtitan fell to 0.166
        // when FSDP2's parameter and gradient copies were priced (parallelism.zero_impl), to
        // 0.152 when per-op checkpointing replayed the SP all-gathers and AsyncTP left the
        // backward's summed reduce-scatters exposed (parallelism.tp_impl torch).
        // torchtitan fell to 0.142 when PyTorch's batch-first sequence parallelism copied the
        // whole tensor beside each unfused TP gather and reduce-scatter (add_dtensor_layout_copies).
        // moe-folding rose from 0.131 to 0.139 when Megatron-Core's MoE layers stopped
        // gathering the sequence they route as a shard (a double count that had hidden part of
        // the TP + EP rows' gap; README "Validation").
        // moe-folding fell to 0.107 and megatron-bridge-perf from 0.287 when the all-to-all
        // dispatcher's regrouping and list-collective copies were priced
        // (add_alltoall_dispatcher_copies); megatron-bridge-perf to 0.196 when its dropless
        // Qwen3-30B rows lost training.cuda_graphs (their presets graph attention and router only).
        {"moe-folding", 0.11}, {"nemo-perf", 0.04},           {"deepseek", 0.06}};
    auto results = run_validation(test::catalog(), test::calibration());
    for (const auto& s : summarize(results, GroupBy::origin)) {
        ASSERT_TRUE(bound.count(s.group)) << "a new source needs its bound: " << s.group;
        EXPECT_LE(s.mean_abs, bound.at(s.group)) << s.group;
    }
    // rose from 0.109 to 0.110 with the readings above (MoE shards, Llama 3's one reduction),
    // fell to 0.102 with the all-to-all dispatcher's copies, to 0.094 with the dropless
    // presets' partial CUDA graphs
    EXPECT_LE(summarize_all(results).mean_abs, 0.097);
}

TEST(Validation, SetCoversSourcesGenerationsAndPrecisions) {
    const auto cases = load_validation_cases(test::catalog());
    EXPECT_GE(cases.size(), 300u);
    std::set<std::string> origins, generations;
    int fp8 = 0, moe = 0, fsdp = 0;
    for (const auto& c : cases) {
        EXPECT_FALSE(c.source.empty()) << c.name;
        EXPECT_GT(c.published, 0) << c.name;
        origins.insert(c.origin);
        generations.insert(c.generation);
        fp8 += c.scenario.training.precision == Precision::fp8;
        moe += c.scenario.model.moe.experts > 0;
        fsdp += c.scenario.parallelism.zero == 3;
    }
    EXPECT_GE(origins.size(), 6u);
    EXPECT_TRUE(generations.count("ampere") && generations.count("hopper") && generations.count("blackwell"));
    EXPECT_FALSE(generations.count("unknown"));
    EXPECT_GE(fp8, 20);
    EXPECT_GE(moe, 20);
    EXPECT_GE(fsdp, 20);
}

TEST(Validation, SummariesAddUp) {
    auto results = run_validation(test::catalog(), test::calibration());
    const ErrorSummary all = summarize_all(results);
    for (GroupBy by : {GroupBy::origin, GroupBy::generation}) {
        std::size_t cases = 0;
        double abs_sum = 0, sum = 0;
        for (const auto& s : summarize(results, by)) {
            cases += s.cases;
            abs_sum += s.mean_abs * double(s.cases);
            sum += s.bias * double(s.cases);
            EXPECT_LE(std::fabs(s.bias), s.mean_abs + 1e-12);
            EXPECT_GE(std::fabs(s.worst), s.mean_abs - 1e-12);
        }
        EXPECT_EQ(cases, results.size());
        EXPECT_NEAR(abs_sum / double(cases), all.mean_abs, 1e-9);
        EXPECT_NEAR(sum / double(cases), all.bias, 1e-9);
    }
}

TEST(Validation, CrossValidationWithNothingFittedIsTheInSampleError) {
    const auto cases = load_validation_cases(test::catalog());
    const Calibration cal = test::calibration();
    ASSERT_TRUE(cal.fitted.empty());  // model.yaml fits nothing to training throughputs
    const CrossValidation cv = cross_validate(cases, cal);
    const auto in_sample = summarize(run_validation(cases, cal), GroupBy::origin);
    ASSERT_EQ(cv.folds.size(), in_sample.size());
    for (std::size_t i = 0; i < cv.folds.size(); ++i) {
        EXPECT_EQ(cv.folds[i].summary.group, in_sample[i].group);
        EXPECT_NEAR(cv.folds[i].summary.mean_abs, in_sample[i].mean_abs, 1e-12);
    }
    EXPECT_NEAR(cv.mean_abs, summarize_all(run_validation(cases, cal)).mean_abs, 1e-12);
}

TEST(Validation, CrossValidationRefitsAFittedConstantOnTheOtherSources) {
    // Marking a constant fitted makes each fold search it on the other sources: the fold's
    // value stays inside the bounds and no fold fits worse than the unfitted start.
    auto cases = suites({"megatron-sc21", "llama3-405b"});
    Calibration cal = test::calibration();
    cal.fitted.push_back({"network_efficiency", 0.5, 1.0});
    const CrossValidation cv = cross_validate(cases, cal);
    ASSERT_EQ(cv.fitted_names, std::vector<std::string>{"network_efficiency"});
    ASSERT_EQ(cv.folds.size(), 2u);
    for (const auto& f : cv.folds) {
        ASSERT_EQ(f.fitted.size(), 1u);
        EXPECT_GE(f.fitted[0], 0.5);
        EXPECT_LE(f.fitted[0], 1.0);
    }
}

TEST(Validation, ErrorSignMeansFasterForEveryMetric) {
    // + is "colossim predicts a faster step" whether the metric is a rate or a time.
    auto cases = suites({"llama3-405b"});
    ASSERT_FALSE(cases.empty());
    const StepResult r = estimate(cases[0].scenario, test::calibration());
    for (const std::string& metric : validation_metrics()) {
        ValidationCase c = cases[0];
        c.metric = metric;
        c.published = validation_metric(metric, r, c.scenario) * (metric == "step_time_s" ? 1.1 : 0.9);
        const auto results = run_validation({c}, test::calibration());
        EXPECT_GT(results[0].error, 0) << metric;
    }
}

// Every published run ran, so colossim's memory model should find it fitting: a model that
// says "does not fit" of a measured run makes the planner reject it. Not met yet: 77 of the
// 436 do not fit with the default 5% headroom (llm-foundry's micro-batches tuned to the
// card, 77-81 GB on 80; Megatron-Bridge's FP8 and MoE rows; DeepSeek-V3 at 101-116 GB).
// A ratchet: the count may only shrink (it fell from 96 to 89 when TorchTitan's per-op
// checkpointing stopped counting the tensors it recomputes: the paper's 8B at 82 GiB of 96
// had come to 108 GB; to 75 when Megatron-Bridge's rows kept their gradients in bf16).
TEST(Validation, PublishedRunsFitInMemory) {
    const auto cases = load_validation_cases(test::catalog());
    std::vector<std::string> misses;
    for (const auto& c : cases) {
        const StepResult r = estimate(c.scenario, test::calibration());
        if (!r.memory.fits) {
            misses.push_back(c.suite + "/" + c.name + " " + std::to_string(int(r.memory.total.value / 1e9)) + " GB");
        }
    }
    for (const auto& m : misses) std::cout << "does not fit: " << m << "\n";
    // 77 since Llama 3's gradients are read as reduced once a step: colossim's zero 1 keeps
    // their FP32 accumulation whole, 12.7 GB a GPU more, and the 16K-GPU rows pass 80 GB.
    EXPECT_LE(misses.size(), 77u);
}
