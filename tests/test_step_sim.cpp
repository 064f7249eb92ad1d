// Pipeline schedules and the event-driven step against the analytical engine.
#include <gtest/gtest.h>

#include <cmath>

#include "colossim/step_sim.hpp"
#include "colossim/validation.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
struct Counts {
    std::int64_t warmup = 0, steady_pairs = 0, cooldown = 0;
};
// Warm-up: forwards before the first backward; steady: alternating F,B pairs; cool-down:
// the backwards after the last forward.
Counts count(const std::vector<PipelineTask>& order) {
    Counts c;
    std::size_t i = 0;
    while (i < order.size() && order[i].forward) ++c.warmup, ++i;
    std::size_t last_forward = 0;
    for (std::size_t j = 0; j < order.size(); ++j) {
        if (order[j].forward) last_forward = j;
    }
    c.cooldown = std::int64_t(order.size() - 1 - last_forward);
    c.steady_pairs = (std::int64_t(order.size()) - c.warmup - c.cooldown) / 2;
    return c;
}

// GPT-3 175B over 8 stages of 12 layers, 1F1B, 96 micro-batches.
const char* kGpt3EightStages = R"(
model: gpt3-175b
cluster: dgx-a100
gpus: 1024
parallelism: {tp: 8, pp: 8, vpp: 1, zero: 1, recompute: selective}
training: {seq_len: 2048, global_batch: 1536, micro_batch: 1}
)";
}  // namespace

TEST(PipelineSchedule, OneFOneBCounts) {
    // p = 4, m = 8: rank i warms up with p - i - 1 forwards, then m - (p - i - 1) F/B
    // pairs... the first steady forward counts in the warm-up run, so pairs = m - warm-up.
    for (std::int64_t rank = 0; rank < 4; ++rank) {
        auto order = pipeline_order(PipelineSchedule::one_f_one_b, rank, 4, 1, 8);
        ASSERT_EQ(order.size(), 16u);
        EXPECT_EQ(warmup_forwards(PipelineSchedule::one_f_one_b, rank, 4, 1, 8), 3 - rank);
        Counts c = count(order);
        EXPECT_EQ(c.warmup, 3 - rank + 1);  // the warm-up, then the steady state's first F
        EXPECT_EQ(c.cooldown, 3 - rank + 1);
        EXPECT_FALSE(order.back().forward);
    }
}

TEST(PipelineSchedule, InterleavedCountsAndChunkOrder) {
    // p = 4, v = 2, m = 8: rank 0 warms up with (p-1)*2 + (v-1)*p = 10 forwards.
    EXPECT_EQ(warmup_forwards(PipelineSchedule::interleaved, 0, 4, 2, 8), 10);
    EXPECT_EQ(warmup_forwards(PipelineSchedule::interleaved, 3, 4, 2, 8), 4);
    auto order = pipeline_order(PipelineSchedule::interleaved, 0, 4, 2, 8);
    ASSERT_EQ(order.size(), 32u);
    // Forwards: micro-batches 0-3 through chunk 0, then 0-3 through chunk 1, then 4-7 ...
    EXPECT_EQ(order[0].micro_batch, 0);
    EXPECT_EQ(order[0].chunk, 0);
    EXPECT_EQ(order[4].micro_batch, 0);
    EXPECT_EQ(order[4].chunk, 1);
    EXPECT_EQ(order[8].micro_batch, 4);
    // The first backward is micro-batch 0 on the last chunk.
    auto first_b = std::find_if(order.begin(), order.end(), [](const PipelineTask& t) { return !t.forward; });
    EXPECT_EQ(first_b->micro_batch, 0);
    EXPECT_EQ(first_b->chunk, 1);
    // Every (micro-batch, chunk) runs once forward and once backward.
    std::set<std::tuple<std::int64_t, std::int64_t, bool>> seen;
    for (const auto& t : order) EXPECT_TRUE(seen.insert({t.micro_batch, t.chunk, t.forward}).second);
}

TEST(StepSim, UniformPipelineHasTheTextbookBubble) {
    // GPT layers divide evenly over 8 stages; 1F1B over p stages and m micro-batches
    // takes (m + p - 1) stage-times when transfers are free — here they are not free,
    // so compare to the analytical engine, which adds them the same way.
    Scenario s = test::scenario(kGpt3EightStages);
    SimulatedStep sim = simulate_step(s, test::calibration(), nullptr, false);
    StepResult est = estimate(s, test::calibration());
    EXPECT_NEAR(sim.result.step_time.value / est.step_time.value, 1.0, 0.02);
    EXPECT_EQ(sim.schedule, PipelineSchedule::one_f_one_b);
}

TEST(StepSim, AgreesWithTheAnalyticalEngineOnEveryValidationCase) {
    // The standing test of DESIGN.md: without contention the engines agree within 2%.
    for (const auto& c : load_validation_cases(test::catalog())) {
        SimulatedStep sim = simulate_step(c.scenario, test::calibration(), nullptr, false);
        StepResult est = estimate(c.scenario, test::calibration());
        std::cout << c.suite << "/" << c.name << ": event " << sim.result.step_time.value << " s, analytical "
                  << est.step_time.value << " s (" << sim.events << " events)\n";
        EXPECT_NEAR(sim.result.step_time.value / est.step_time.value, 1.0, 0.02) << c.suite << "/" << c.name;
    }
}

TEST(StepSim, GpipeIsNeverFasterAndIsDeterministic) {
    Scenario s = test::scenario(test::kLlama405b, {{"parallelism.vpp", "1"}});
    PipelineSchedule gpipe = PipelineSchedule::gpipe;
    SimulatedStep a = simulate_step(s, test::calibration(), &gpipe, false);
    SimulatedStep b = simulate_step(s, test::calibration(), nullptr, false);
    SimulatedStep c = simulate_step(s, test::calibration(), nullptr, false);
    EXPECT_GE(a.pipeline.value, b.pipeline.value * 0.999);
    EXPECT_EQ(b.pipeline.value, c.pipeline.value);
    EXPECT_EQ(b.events, c.events);
}

TEST(StepSim, TraceHasTheFieldsPerfettoNeeds) {
    Scenario s = test::scenario(test::kLlama405b);
    SimulatedStep sim = simulate_step(s, test::calibration(), nullptr, true);
    // 16 ranks x 16 micro-batches x 4 chunks x (forward + backward), plus the transfers
    ASSERT_GE(sim.trace.size(), std::size_t(16 * 16 * 4 * 2));
    std::string json = chrome_trace(s, sim);
    for (const char* key : {"\"traceEvents\"", "\"ph\": \"X\"", "\"ph\": \"M\"", "\"pid\"", "\"tid\"", "\"ts\"", "\"dur\"",
                            "\"name\": \"process_name\"", "\"name\": \"thread_name\""}) {
        EXPECT_NE(json.find(key), std::string::npos) << key;
    }
    // Spans on one compute stream never overlap.
    std::vector<std::pair<double, double>> rank0;
    for (const auto& t : sim.trace) {
        if (t.rank == 0 && !t.transfer) rank0.push_back({t.start.value, t.end.value});
    }
    std::sort(rank0.begin(), rank0.end());
    for (std::size_t i = 1; i < rank0.size(); ++i) EXPECT_LE(rank0[i - 1].second, rank0[i].first + 1e-12);
}

TEST(StepSim, AStragglerSlowsTheStepByTheExpectedAmount) {
    // GPT-3 175B over 8 stages, 1F1B, m = 96. The steady state runs at the pace of the
    // slowest stage (t_max, the last one, which also holds the output layer); fill and
    // drain pass once through the others. A GPU of stage 3 running 1.2x slower makes stage
    // 3 the slowest: expected change = m (1.2 t3 - t_max) + (t_max - t3).
    Scenario s = test::scenario(kGpt3EightStages);
    SimulatedStep base = simulate_step(s, test::calibration(), nullptr, false);
    SimulatedStep slow = simulate_step(s, test::calibration(), nullptr, false, StepWhatIf{3, 1.2});
    const StepAnalysis a = analyze_step(s, test::calibration());
    const double t3 = a.stages[3].total().value, t_max = a.stages[a.critical].total().value, m = 96;
    ASSERT_GT(1.2 * t3, t_max);
    const double expected = m * (1.2 * t3 - t_max) + (t_max - t3);
    EXPECT_NEAR((slow.pipeline - base.pipeline).value / expected, 1.0, 0.05);
    EXPECT_GT(slow.result.step_time, base.result.step_time);
    EXPECT_THROW(simulate_step(s, test::calibration(), nullptr, false, StepWhatIf{8, 1.2}), InputError);
}

TEST(PipelineSchedule, ZeroBubbleH1OrderAndMemory) {
    // Every rank runs each micro-batch's F, B and W once, B after F and W after B; rank i
    // starts with p - i forwards (as 1F1B) and never holds more than p micro-batches
    // between their F and their W (1F1B's first rank), W trailing B by i micro-batches.
    for (auto [p, m] : {std::pair<std::int64_t, std::int64_t>{4, 8}, {8, 16}, {4, 4}, {8, 3}}) {
        for (std::int64_t rank = 0; rank < p; ++rank) {
            const auto order = pipeline_order(PipelineSchedule::zb_h1, rank, p, 1, m);
            ASSERT_EQ(order.size(), std::size_t(3 * m));
            std::vector<int> f(std::size_t(m), -1), b(std::size_t(m), -1), w(std::size_t(m), -1);
            std::int64_t held = 0, peak = 0, first_backward = -1;
            for (std::size_t i = 0; i < order.size(); ++i) {
                const auto& t = order[i];
                auto& seen = t.weight ? w : t.forward ? f : b;
                EXPECT_EQ(seen[std::size_t(t.micro_batch)], -1);
                seen[std::size_t(t.micro_batch)] = int(i);
                held += t.forward ? 1 : t.weight ? -1 : 0;
                peak = std::max(peak, held);
                if (!t.forward && !t.weight && first_backward < 0) first_backward = std::int64_t(i);
            }
            for (std::int64_t j = 0; j < m; ++j) {
                EXPECT_LT(f[std::size_t(j)], b[std::size_t(j)]);
                EXPECT_LT(b[std::size_t(j)], w[std::size_t(j)]);
            }
            EXPECT_EQ(first_backward, std::min(m, p - rank));
            EXPECT_LE(peak, p);
        }
    }
}

TEST(StepSim, ZeroBubbleH1ShrinksTheBubble) {
    // With the backward split into B and a deferred W, the fill and drain lose about
    // 2 (p - 1) W against 1F1B (bubble (p-1)(F+B-W) instead of (p-1)(F+B+W)); stages
    // differ here and transfers block, so ask for at least half of it. The step never
    // beats the slowest stage's own work.
    Scenario s = test::scenario(kGpt3EightStages);
    PipelineSchedule zb = PipelineSchedule::zb_h1, one = PipelineSchedule::one_f_one_b;
    SimulatedStep a = simulate_step(s, test::calibration(), &one, false);
    SimulatedStep z = simulate_step(s, test::calibration(), &zb, false);
    const StepAnalysis an = analyze_step(s, test::calibration());
    double w_min = 1e30;
    for (const auto& st : an.stages) w_min = std::min(w_min, st.backward_pass.weight_gradient.value);
    ASSERT_GT(w_min, 0.0);
    EXPECT_LT(z.pipeline.value, a.pipeline.value - 7 * w_min);
    EXPECT_GT(z.pipeline.value, 96 * an.stages[an.critical].total().value);
}

TEST(StepSim, ZeroBubbleH1InEveryEngine) {
    // estimate, the event engine without contention and the planner's ranking all know
    // ZB-H1 (parallelism.schedule): its closed-form bubble (p-1)(F + B - W) (B input
    // gradients only) matches the simulated order within 2%, and beats 1F1B.
    for (const char* yaml : {R"(
model: gpt3-175b
cluster: dgx-a100
gpus: 1024
parallelism: {tp: 8, pp: 8, vpp: 1}
training: {seq_len: 2048, global_batch: 512, micro_batch: 1}
)",
                             R"(
model: mixtral-8x22b
cluster: dgx-h100
gpus: 256
parallelism: {tp: 2, pp: 4, ep: 8, vpp: 1}
training: {seq_len: 4096, global_batch: 256, micro_batch: 1}
)"}) {
        const Scenario one_f_one_b = test::scenario(yaml);
        const Scenario zb = test::scenario(yaml, {{"parallelism.schedule", "zb-h1"}});
        const StepResult est = estimate(zb, test::calibration());
        const SimulatedStep sim = simulate_step(zb, test::calibration(), nullptr, false);
        EXPECT_EQ(sim.schedule, PipelineSchedule::zb_h1);
        EXPECT_NEAR(sim.result.step_time.value / est.step_time.value, 1.0, 0.02);
        EXPECT_LT(est.breakdown.bubble.value, 0.8 * estimate(one_f_one_b, test::calibration()).breakdown.bubble.value);
    }
    // One chunk a rank: ZB-H1 with vpp 2 is refused, naming the field.
    EXPECT_THROW(test::scenario(test::kLlama405b, {{"parallelism.schedule", "zb-h1"}}), InputError);
}
