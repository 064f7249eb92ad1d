// Failure model, checkpoint cost, Young/Daly, closed-form goodput against the Monte-Carlo
// simulation, and the published reliability figures (Llama 3, Kokolis et al.).
#include <gtest/gtest.h>

#include <cmath>

#include "colossim/reliability.hpp"
#include "expect_error.hpp"
#include "helpers.hpp"

using namespace colossim;
using colossim::test::expect_input_error;

namespace {
const FailureProfile& llama3() {
    static const FailureProfile p = [] {
        Diagnostics d;
        return load_failure_profile(test::catalog(), "llama3", {}, d);
    }();
    return p;
}

JobFailureRates rates_on(const std::string& cluster, std::int64_t gpus) {
    Diagnostics d;
    ClusterSpec c = test::catalog().cluster(cluster, "cluster", d);
    return job_failure_rates(llama3(), job_components(c, gpus, d));
}

constexpr double kDay = kSecondsPerDay;

// The flagship run with `work` seconds to train, at the Llama 3 step time measured by the
// engine, under `policy`.
RunInputs llama_run(Seconds work, const CheckpointPolicy& policy = {}) {
    Scenario s = test::scenario(test::kLlama405b);
    Diagnostics d;
    StepResult r = estimate(s, test::calibration());
    return build_run_model(s, work, r.step_time, llama3(), policy, d);
}

FailureProfile profile_with(const std::vector<Override>& overrides) {
    Diagnostics d;
    return load_failure_profile(test::catalog(), "llama3", overrides, d);
}

}  // namespace

// Dubey et al. 2024 (Llama 3), arXiv 2407.21783, sec. 3.3.4, Table 5: 419 unexpected
// interruptions in 54 days on 16,384 H100. The profile is calibrated on this very run,
// so this is a consistency check of the scaling, not an independent validation.
// Expectation: the 384 interruptions counted per GPU, NIC, node or job come back exactly
// (same GPUs, nodes, NICs); the 35 switch/cable ones were counted on Meta's fabric
// (35,109 links) and scale to the dgx-h100 fabric's 3 x 16,384 = 49,152 links:
// 35 x 49,152 / 35,109 = 49.0. Total 433.0, +3.3%.
TEST(Reliability, Llama3InterruptionsWithin20PercentOf419) {
    JobFailureRates r = rates_on("dgx-h100", 16384);
    double predicted = r.unexpected * Seconds(54 * kDay);
    EXPECT_NEAR(predicted, 384 + 35 * 49152.0 / 35109.0, 0.01);
    EXPECT_NEAR(predicted, 419, 0.2 * 419);
    // 47 planned interruptions, counted per job.
    EXPECT_NEAR(r.planned * Seconds(54 * kDay), 47, 1e-9);
    // 54 of the 419 were software bugs, 7 NCCL watchdog and 2 dependency: restarts in place.
    EXPECT_NEAR((r.unexpected - r.needs_repair) * Seconds(54 * kDay), 54 + 7 + 2, 1e-9);
}

// Llama 3 sec. 3.3.4 reports more than 90% effective training time. Detection (3 min) and
// restart (10 min) are estimates (data/reliability/llama3.yaml), so this checks that the
// estimates and the model are consistent with the paper, nothing more.
TEST(Reliability, Llama3EffectiveTrainingTimeAbove90Percent) {
    GoodputResult g = expected_goodput(llama_run(Seconds(54 * kDay)).model);
    EXPECT_GT(g.goodput, 0.90);
    EXPECT_LT(g.goodput, 0.95);
}

// Independent check: Kokolis et al., "Revisiting Reliability in Large-Scale Machine
// Learning Research Clusters", HPCA 2025 (arXiv 2410.21680): RSC-1, 16K A100, 6.50
// failures per 1,000 node-days; job MTTF 7.9 h at 1,024 GPUs; their fit projects 1.8 h at
// 16,384 GPUs (= 24 h / (2,048 nodes x 6.50/1,000)), 1.85 h at RSC-1's 2,000 nodes.
// RSC-1 is 2,000 DGX A100: the dgx-a100 cluster (its 3-tier fat tree of 40-port
// switches holds exactly 16,000 GPUs). Our Llama 3 rates give, per node-day: 8 GPUs x
// 329/(16,384 x 54) + 46/(2,048 x 54) + 8 NICs x 7/(16,384 x 54) + 24 links x
// 35/(35,109 x 54) + 2/54 / 2,000 = 3.92e-3, i.e. 3.92 per 1,000 node-days: -40%. Meta's
// production fleet under Llama 3 saw fewer interruptions per node than the research
// cluster did; the errors are reported as they are (README, Validation).
TEST(Reliability, KokolisRsc1WithinAFactorOfTwo) {
    JobFailureRates rsc = rates_on("dgx-a100", 16000);
    double per_1000_node_days = rsc.unexpected.value * kDay / 2000 * 1000;
    EXPECT_NEAR(per_1000_node_days, 3.92, 0.01);
    double error = per_1000_node_days / 6.50 - 1;
    EXPECT_GT(error, -0.5);
    EXPECT_LT(error, 1.0);

    double mttf_16k_h = mean_interval(rsc.unexpected).value / 3600;
    EXPECT_NEAR(mttf_16k_h, 24 / (2000 * 3.92e-3), 0.01);  // 3.06 h
    EXPECT_GT(mttf_16k_h / 1.85, 0.5);
    EXPECT_LT(mttf_16k_h / 1.85, 2.0);

    // 1,024 GPUs (128 nodes): 128 x 3.90e-3 + 2/54 a day (the per-job dependency cause) =
    // 0.536 a day, MTTF 44.8 h against 7.9 h observed: over by 5.7x. Kokolis' own per-node
    // fit (1.8 h at 16K) gives 28.8 h at 1,024 GPUs, so their small-job MTTF carries
    // failures that do not scale per node; we report the miss, we do not fit it.
    double mttf_1k_h = mean_interval(rates_on("dgx-a100", 1024).unexpected).value / 3600;
    EXPECT_NEAR(mttf_1k_h, 44.8, 0.5);
    std::printf("Kokolis RSC-1: %.2f per 1,000 node-days (published 6.50, %+.0f%%); MTTF %.2f h at 16,000 GPUs "
                "(fit 1.85 h, %+.0f%%); %.1f h at 1,024 GPUs (published 7.9 h, %+.0f%%)\n",
                per_1000_node_days, 100 * error, mttf_16k_h, 100 * (mttf_16k_h / 1.85 - 1), mttf_1k_h,
                100 * (mttf_1k_h / 7.9 - 1));
}

// 405.9 G parameters x 14 B = 5.68 TB; 16,384 writers on 2,048 nodes could push
// 2,048 x 25 GB/s = 51 TB/s, so Tectonic's 2 TB/s sets the pace: 2.84 s.
// One node alone: 25 GB/s, 227 s. Async: a GPU copies 5.68 TB / 16,384 = 347 MB to host
// at 25 GB/s: 13.9 ms of blocking.
TEST(Reliability, CheckpointSizeAndTimes) {
    const double params = 405.85e9;
    CheckpointCost c = checkpoint_cost(params, 16384, 8, llama3(), CheckpointMode::sync);
    EXPECT_NEAR(c.size.value, params * 14, 1);
    EXPECT_EQ(c.writers, 16384);
    EXPECT_NEAR(c.bandwidth.value, 2e12, 1);
    EXPECT_NEAR(c.write.value, params * 14 / 2e12, 1e-9);
    EXPECT_EQ(c.blocking, c.write);
    CheckpointCost one = checkpoint_cost(params, 8, 8, llama3(), CheckpointMode::sync);
    EXPECT_NEAR(one.write.value, params * 14 / 25e9, 1e-6);
    CheckpointCost a = checkpoint_cost(params, 16384, 8, llama3(), CheckpointMode::async);
    EXPECT_NEAR(a.blocking.value, params * 14 / 16384 / 25e9, 1e-9);
    EXPECT_EQ(a.write, c.write);
}

// δ = 60 s, M = 1 day: Young sqrt(2 x 60 x 86,400) = 3,220 s; Daly's correction
// x = δ/2M = 3.47e-4: 3,220 x (1 + 0.00621 + 0.0000386) - 60 = 3,180 s.
TEST(Reliability, YoungAndDalyIntervals) {
    EXPECT_NEAR(young_interval(Seconds(60), Seconds(kDay)).value, std::sqrt(2 * 60 * kDay), 1e-9);
    EXPECT_NEAR(daly_interval(Seconds(60), Seconds(kDay)).value, 3180.2, 0.2);
    EXPECT_EQ(daly_interval(Seconds(3 * kDay), Seconds(kDay)).value, kDay);  // δ ≥ 2M: checkpoint every M
    // The interval minimises the expected wall clock: half and double it both do worse.
    RunInputs in = llama_run(Seconds(54 * kDay));
    double best = expected_goodput(in.model).wall_clock.value;
    for (double k : {0.5, 2.0}) {
        RunModel m = in.model;
        m.interval = in.model.interval * k;
        EXPECT_GT(expected_goodput(m).wall_clock.value, best) << k;
    }
}

// With no failures there is nothing to lose: the wall clock is the work plus one
// blocking checkpoint a segment. Closed form and simulation agree exactly.
TEST(Reliability, NoFailuresCostsOnlyCheckpoints) {
    RunModel m;
    m.work = Seconds(1000);
    m.step = Seconds(1);
    m.interval = Seconds(300);  // 3 whole segments and one of 100 s: 4 checkpoints
    m.blocking = Seconds(2);
    GoodputResult g = expected_goodput(m);
    EXPECT_NEAR(g.wall_clock.value, 1000 + 4 * 2, 1e-9);
    EXPECT_EQ(g.interruptions_expected, 0);
    MonteCarloResult mc = simulate_runs(m, 10, 1, 1);
    EXPECT_NEAR(mc.wall_clock_s.mean, 1008, 1e-9);
    EXPECT_EQ(mc.wall_clock_s.p99, 1008);
}

// The closed form and the Monte-Carlo mean describe the same model: they agree within 2%
// (the sampling error of 2,000 trials of a 54-day run is about 0.01%).
TEST(Reliability, ClosedFormAgreesWithMonteCarlo) {
    CheckpointPolicy none_spare;
    none_spare.spares = 0;
    CheckpointPolicy async;
    async.mode = CheckpointMode::async;
    CheckpointPolicy hourly;
    hourly.interval = Seconds(7200);
    for (const auto& [name, policy] : std::vector<std::pair<const char*, CheckpointPolicy>>{
             {"default: sync, Daly interval, 2% spares", {}},
             {"no spares: every hardware failure waits 2 days", none_spare},
             {"async checkpoints", async},
             {"2-hour interval", hourly}}) {
        RunInputs in = llama_run(Seconds(54 * kDay), policy);
        GoodputResult g = expected_goodput(in.model);
        MonteCarloResult mc = simulate_runs(in.model, 2000, 7);
        EXPECT_NEAR(mc.wall_clock_s.mean / g.wall_clock.value, 1, 0.02) << name;
        EXPECT_NEAR(mc.goodput / g.goodput, 1, 0.02) << name;
        EXPECT_NEAR(mc.interruptions.mean / g.interruptions_expected, 1, 0.02) << name;
    }
}

// Seeded per trial: the same seed gives the same runs whatever the threads; another
// seed gives other runs.
TEST(Reliability, MonteCarloIsReproducible) {
    RunModel m = llama_run(Seconds(20 * kDay)).model;
    MonteCarloResult a = simulate_runs(m, 300, 42, 1);
    MonteCarloResult b = simulate_runs(m, 300, 42, 3);
    MonteCarloResult c = simulate_runs(m, 300, 43, 2);
    EXPECT_EQ(a.wall_clock_s.mean, b.wall_clock_s.mean);
    EXPECT_EQ(a.wall_clock_s.p99, b.wall_clock_s.p99);
    EXPECT_EQ(a.interruptions.p90, b.interruptions.p90);
    EXPECT_NE(a.wall_clock_s.mean, c.wall_clock_s.mean);
    EXPECT_LE(a.wall_clock_s.p50, a.wall_clock_s.p90);
    EXPECT_LE(a.wall_clock_s.p90, a.wall_clock_s.p99);
}

// Hot spares: with none, each of the ~370 repair-needing failures waits a 2-day repair
// (goodput collapses); a few spares help; enough spares remove the wait altogether.
TEST(Reliability, HotSparesShortenTheRun) {
    double previous = 0;
    for (std::int64_t spares : {0, 5, 15, 60}) {
        CheckpointPolicy p;
        p.spares = spares;
        RunInputs in = llama_run(Seconds(54 * kDay), p);
        double simulated = simulate_runs(in.model, 200, 3).goodput;
        EXPECT_GT(simulated, previous) << spares;
        previous = simulated;
        if (spares == 0) {
            EXPECT_LT(simulated, 0.1);
        }
    }
    CheckpointPolicy plenty;
    plenty.spares = 60;
    GoodputResult g = expected_goodput(llama_run(Seconds(54 * kDay), plenty).model);
    EXPECT_LT(g.spare_shortfall, 1e-6);
    EXPECT_NEAR(g.mean_downtime.value, (3 + 10) * 60 + 2.84, 0.01);  // detection + restart + restore
}

// Asynchronous checkpoints block for milliseconds, so the optimum interval shrinks to the
// write time (2.84 s, one step) and goodput rises.
TEST(Reliability, AsyncCheckpointsRaiseGoodput) {
    CheckpointPolicy async;
    async.mode = CheckpointMode::async;
    RunInputs a = llama_run(Seconds(54 * kDay), async);
    RunInputs s = llama_run(Seconds(54 * kDay));
    EXPECT_LT(a.model.interval, s.model.interval);
    EXPECT_GE(a.model.interval + a.model.blocking, a.model.lag);  // durable before the next starts
    EXPECT_GT(expected_goodput(a.model).goodput, expected_goodput(s.model).goodput);
}

TEST(Reliability, BadProfilesAndOptions) {
    expect_input_error([] { profile_with({{"storage_bandwidth", "0 TB/s"}}); }, "storage_bandwidth", "positive");
    expect_input_error([] { profile_with({{"restart", "-5 min"}}); }, "restart", "positive");
    expect_input_error([] { profile_with({{"spare_fraction", "2"}}); }, "spare_fraction", "to 1");
    // The llama3 file with one piece of text replaced.
    auto edited = [](const std::string& from, const std::string& to) {
        std::string text = *test::catalog().text(CatalogKind::reliability, "llama3");
        text.replace(text.find(from), from.size(), to);
        Diagnostics d;
        read_failure_profile(text, "test", {}, d);
    };
    expect_input_error([&] { edited("count: 148", "count: -148"); }, "unexpected.faulty_gpu.count", "a number from 0");
    expect_input_error([&] { edited("per: gpu,  count: 148", "per: tpu, count: 148"); }, "unexpected.faulty_gpu.per",
                       "gpu node nic link switch job");
    expect_input_error([&] { edited("links: 35109", "links: 0"); }, "observed.links", "counted per link");
    auto options = [](std::vector<Override> o) {
        Diagnostics d;
        read_goodput_options(o, d);
    };
    expect_input_error([&] { options({{"trials", "100000000"}}); }, "trials", "to 10 M");
    expect_input_error([&] { options({{"trials", "-1"}}); }, "trials", "whole number from 0");
    expect_input_error([&] { options({{"duration", "20 y"}}); }, "duration", "10 years");
    expect_input_error([&] { options({{"checkpoint_interval", "often"}}); }, "checkpoint_interval", "positive quantity");
    expect_input_error([&] { options({{"checkpoint", "lazy"}}); }, "checkpoint", "sync async");
    expect_input_error([&] { options({{"spares", "-3"}}); }, "spares", "whole number from 0");
    expect_input_error(
        [] {
            Diagnostics d;
            load_failure_profile(test::catalog(), "llama4", {}, d);
        },
        "failures", "llama3");
}

TEST(Reliability, RefusesSimulationsTooLargeToRun) {
    RunInputs in = llama_run(Seconds(54 * kDay));
    GoodputResult g = expected_goodput(in.model);
    EXPECT_NO_THROW(check_simulation_size(g, 10000));
    expect_input_error([&] { check_simulation_size(g, 10'000'000); }, "trials", "at most");
}
