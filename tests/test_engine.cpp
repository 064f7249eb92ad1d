// Properties of the analytical engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "colossim/layer_ops.hpp"
#include "colossim/network_step.hpp"
#include "colossim/report.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
// DeepSeek-V3's own layout (arXiv 2412.19437 sec. 3.2.1): PP 16, EP 64, ZeRO-1, on H800.
const std::string kDeepSeekV3 = R"(
model: deepseek-v3
cluster: hgx-h800
gpus: 2048
parallelism: {tp: 1, pp: 16, ep: 64, zero: 1, recompute: none}
training: {seq_len: 4096, global_batch: 15360, micro_batch: 1}
)";

// ZeRO-1 on 32 DGX H100, its DP traffic not overlapped: what a step's DP time is made of.
const std::string kLlama70bZeroOneSerial = R"(
model: llama3-70b
cluster: dgx-h100
gpus: 256
parallelism: {tp: 8, pp: 1, zero: 1, recompute: full, dp_overlap: false}
training: {seq_len: 4096, global_batch: 256, micro_batch: 1}
)";

StepResult run(const std::vector<Override>& o = {}, const std::string& yaml = test::kLlama405b) {
    return estimate(test::scenario(yaml, o), test::calibration());
}
}  // namespace

TEST(Engine, BreakdownAddsUpToTheStepAndHasNoNegativePart) {
    StepResult r = run();
    const auto& b = r.breakdown;
    EXPECT_NEAR(b.total().value, r.step_time.value, 1e-12);
    for (Seconds part : {b.compute, b.tp_comm, b.cp_comm, b.ep_comm, b.pp_comm, b.dp_comm, b.bubble, b.optimizer}) {
        EXPECT_GE(part.value, 0.0);
    }
    EXPECT_GT(b.compute.value, 0.5 * r.step_time.value);
    EXPECT_GT(r.mfu, 0.2);
    EXPECT_LT(r.mfu, 0.71);  // below the GPU's own GEMM efficiency
}

TEST(Engine, MetricsAreConsistent) {
    Scenario s = test::scenario(test::kLlama405b);
    StepResult r = estimate(s, test::calibration());
    EXPECT_NEAR(r.tokens_per_s * r.step_time.value, 2048.0 * 8192, 1e-3);
    EXPECT_NEAR(r.time_to_train.value, 15.6e12 / r.tokens_per_s, 1e-6);
    EXPECT_NEAR(r.gpu_hours, 16384 * r.time_to_train.value / 3600, 1e-6);
    EXPECT_NEAR(r.cost_usd, r.gpu_hours * s.cluster.price_per_gpu_hour, 1e-6);
    double watts = s.cluster.gpu.tdp.value + s.cluster.host_power.value / 8;
    EXPECT_NEAR(r.energy_mwh, watts * 16384 * r.time_to_train.value * s.training.pue / 3.6e9, 1e-6);
    EXPECT_NEAR(r.mfu * s.cluster.gpu.peak_bf16.value, r.model_flops_per_gpu.value, 1.0);
}

TEST(Engine, RecomputationCostsTimeAndSavesMemory) {
    // Unfused attention: selective recomputation drops its s^2 softmax activations.
    StepResult none = run({{"parallelism.recompute", "none"}, {"training.attention", "unfused"}});
    StepResult sel = run({{"parallelism.recompute", "selective"}, {"training.attention", "unfused"}});
    StepResult full = run({{"parallelism.recompute", "full"}, {"training.attention", "unfused"}});
    EXPECT_LT(none.step_time, sel.step_time);
    EXPECT_LT(sel.step_time, full.step_time);
    EXPECT_GT(none.memory.activations, sel.memory.activations);
    EXPECT_GT(sel.memory.activations, full.memory.activations);
    EXPECT_DOUBLE_EQ(none.mfu, none.hfu);
    EXPECT_GT(full.hfu, 1.3 * full.mfu);  // one more forward of the layers: ~4/3
}

TEST(Engine, ZeroStagesShardModelStates) {
    StepResult z0 = run({{"parallelism.zero", "0"}});
    StepResult z1 = run({{"parallelism.zero", "1"}});
    StepResult z2 = run({{"parallelism.zero", "2"}});
    StepResult z3 = run({{"parallelism.zero", "3"}});
    EXPECT_NEAR(z1.memory.optimizer.value * 128, z0.memory.optimizer.value, 1.0);
    EXPECT_NEAR(z2.memory.gradients.value * 128, z1.memory.gradients.value, 1.0);
    EXPECT_NEAR(z3.memory.weights.value * 128, z2.memory.weights.value, 1.0);
    EXPECT_GE(z3.breakdown.dp_comm, z2.breakdown.dp_comm);
}

TEST(Engine, FitsVerdictFollowsCapacity) {
    StepResult small = run({{"parallelism.recompute", "full"}});
    EXPECT_TRUE(small.memory.fits);
    StepResult big = run({{"parallelism.recompute", "none"}, {"parallelism.vpp", "1"}, {"parallelism.zero", "0"}});
    EXPECT_FALSE(big.memory.fits);
    EXPECT_GT(big.memory.total, big.memory.capacity);
}

TEST(Engine, InterleavingShrinksTheBubble) {
    StepResult v1 = run({{"parallelism.vpp", "1"}});
    StepResult v4 = run({{"parallelism.vpp", "4"}});
    // 1F1B bubble (p-1)/m of the steady state; interleaving divides it by v
    EXPECT_NEAR(v1.breakdown.bubble / v4.breakdown.bubble, 4.0, 0.5);
    // m = 16 micro-batches, p = 16 stages: fill and drain cost (p - 1)/m of the steady state
    EXPECT_NEAR(v1.breakdown.bubble / (v1.breakdown.compute + v1.breakdown.tp_comm), 15.0 / 16.0, 0.05);
}

TEST(Engine, SlowerNetworkIsNeverFaster) {
    StepResult fast = run({{"parallelism.dp_overlap", "off"}});
    StepResult slow = run({{"parallelism.dp_overlap", "off"}, {"hardware.nic_bw", "100 Gbit/s"}});
    EXPECT_GT(slow.breakdown.dp_comm.value, 3.5 * fast.breakdown.dp_comm.value);
    EXPECT_GE(slow.step_time, fast.step_time);
    StepResult hidden = run();
    EXPECT_LT(hidden.breakdown.dp_comm, fast.breakdown.dp_comm);
}

TEST(Engine, MoreGpusSameBatchIsFasterPerStep) {
    StepResult a = run({{"gpus", "8192"}});
    StepResult b = run({{"gpus", "16384"}});
    EXPECT_LT(b.step_time, a.step_time);
    EXPECT_GT(a.model_flops_per_gpu, b.model_flops_per_gpu);  // the bubble grows as m halves
}

TEST(Engine, Fp8SpeedsUpTheGemms) {
    StepResult bf16 = run();
    StepResult fp8 = run({{"training.precision", "fp8"}});
    EXPECT_LT(fp8.breakdown.compute.value, 0.85 * bf16.breakdown.compute.value);
}

TEST(Engine, MixtureOfExpertsWithExpertParallelism) {
    StepResult r = run({}, kDeepSeekV3);
    EXPECT_GT(r.breakdown.ep_comm.value, 0.0);
    EXPECT_GT(r.mfu, 0.05);
    EXPECT_LT(r.mfu, 0.6);
    EXPECT_NEAR(r.params_active / 1e9, 37.5, 1.0);
}

TEST(Engine, OverlappedAllToAllsShowOnlyWhatComputeCannotCover) {
    // ep_overlap: each layer pass's all-to-alls run beside a component of another
    // micro-batch's pass of that layer; the exposed EP time falls, never below zero, and
    // the compute is untouched. Both engines agree on it.
    const std::string& v3 = kDeepSeekV3;
    StepResult plain = run({}, v3);
    StepResult overlapped = run({{"parallelism.ep_overlap", "on"}}, v3);
    EXPECT_LT(overlapped.breakdown.ep_comm.value, 0.5 * plain.breakdown.ep_comm.value);
    EXPECT_GE(overlapped.breakdown.ep_comm.value, 0.0);
    // Every stage's compute is untouched (the critical stage may change).
    const StepAnalysis a = analyze_step(test::scenario(v3), test::calibration());
    const StepAnalysis b = analyze_step(test::scenario(v3, {{"parallelism.ep_overlap", "on"}}), test::calibration());
    ASSERT_EQ(a.stages.size(), b.stages.size());
    for (std::size_t i = 0; i < a.stages.size(); ++i) {
        EXPECT_NEAR(a.stages[i].parts().compute.value, b.stages[i].parts().compute.value, 1e-9) << "stage " << i;
    }
    EXPECT_LT(overlapped.step_time.value, plain.step_time.value);
    NetworkStepOptions o;
    o.mode = SimMode::symmetric;
    const Scenario s = test::scenario(v3, {{"parallelism.ep_overlap", "on"}});
    const StepResult sim = simulate_network_step(s, test::calibration(), o).result;
    EXPECT_NEAR(sim.step_time.value / overlapped.step_time.value, 1.0, 0.05);
}

TEST(Engine, OverlappedAllToAllsPairWithOneComponentOfThePartnerPass) {
    // DualPipe's pairing (DeepSeek-V3 sec. 3.2.1, Fig. 4), as Megatron-Core's EP overlap
    // runs it: the backward's combine beside the forward's attention, the forward's
    // dispatch beside the backward's MoE side, the backward's dispatch beside the forward's
    // MoE side, the forward's combine beside the backward's attention. With one micro-batch
    // on one stage the step's exposed EP time is the layers' sum of the four, each what its
    // component cannot cover plus the slowdown of the part it covers; a pass's whole compute
    // (the rule before) would have hidden more.
    const Scenario s = test::scenario(R"(
model: {name: m, layers: 4, hidden: 4096, heads: 32, kv_heads: 8, vocab: 32000, max_seq_len: 4096, activation: swiglu,
        position_embedding: rope, tie_embeddings: false, bias: false,
        moe: {experts: 64, top_k: 8, ffn_hidden: 1024}}
cluster: dgx-h100
gpus: 32
parallelism: {ep: 32, recompute: none, ep_overlap: true}
training: {seq_len: 4096, global_batch: 32, micro_batch: 1, precision: bf16}
)");
    struct Side {
        double attention = 0, moe = 0, dispatch = 0, combine = 0;
    } f, b;
    bool moe_side[2] = {false, false};
    for (const auto& op : layer_ops(s, test::calibration())) {
        if (op.block != "moe" || op.pass == "recompute") continue;
        const bool fwd = op.pass == "forward";
        Side& side = fwd ? f : b;
        if (op.collective) {
            if (op.name == "ep_dispatch") side.dispatch += op.time.value;
            if (op.name == "ep_combine") side.combine += op.time.value;
            continue;
        }
        moe_side[fwd] = moe_side[fwd] || op.name == "router";
        (moe_side[fwd] ? side.moe : side.attention) += op.time.value;
    }
    ASSERT_GT(f.dispatch, 0.0);
    const double share = test::calibration().comm_sms / 132.0;  // an H100's SMs an NCCL collective holds
    auto shown = [share](double comm, double compute) {
        return std::max(comm, std::min(compute / (1 - share), compute + comm * share)) - compute;
    };
    const double paired = shown(b.combine, f.attention) + shown(f.dispatch, b.moe) + shown(b.dispatch, f.moe) +
                          shown(f.combine, b.attention);
    const StepResult r = estimate(s, test::calibration());
    EXPECT_NEAR(r.breakdown.ep_comm.value, 4 * paired, 1e-9 + 1e-6 * paired);
    const double whole = shown(f.dispatch + f.combine, f.attention + f.moe) + shown(b.dispatch + b.combine, b.attention + b.moe);
    EXPECT_GT(paired, whole);
}

TEST(Engine, ContextParallelism) {
    StepResult r = run({{"parallelism.cp", "16"}, {"training.seq_len", "131072"}, {"training.global_batch", "128"}});
    EXPECT_GE(r.breakdown.cp_comm.value, 0.0);
    EXPECT_GT(r.step_time.value, 0.0);
    EXPECT_TRUE(std::isfinite(r.mfu));
}

TEST(Engine, RecomputingSomeLayersCostsBetweenNoneAndFull) {
    // Megatron's block method: recompute_layers of each chunk recompute, the rest keep their
    // activations. Half the layers: half the recomputation and in between in memory.
    const std::string llama8b = R"(
model: llama3-8b
cluster: dgx-a100
gpus: 64
parallelism: {tp: 1, pp: 1, zero: 3, recompute: full, sequence_parallel: false}
training: {seq_len: 8192, global_batch: 64, micro_batch: 1}
)";
    const StepResult full = run({}, llama8b);
    const StepResult half = run({{"parallelism.recompute_layers", "16"}}, llama8b);
    const StepResult none = run({{"parallelism.recompute", "none"}}, llama8b);
    EXPECT_LT(half.step_time, full.step_time);
    EXPECT_GT(half.step_time, none.step_time);
    auto recomputed_flops = [&](const std::vector<Override>& o) {
        const Workload w = build_workload(test::scenario(llama8b, o));
        return (w.hardware_flops_per_step - w.model_flops_per_step).value;
    };
    EXPECT_NEAR(recomputed_flops({{"parallelism.recompute_layers", "16"}}) / recomputed_flops({}), 0.5, 1e-12);
    EXPECT_GT(half.memory.activations, full.memory.activations);
    EXPECT_LT(half.memory.activations, none.memory.activations);
    // All the layers (or more than a chunk has) is full recomputation.
    EXPECT_DOUBLE_EQ(run({{"parallelism.recompute_layers", "32"}}, llama8b).step_time.value, full.step_time.value);
    EXPECT_DOUBLE_EQ(recomputed_layer_fraction(test::scenario(llama8b, {{"parallelism.recompute_layers", "8"}}).parallelism, 32),
                     0.25);
}

TEST(Engine, MemoryHeadroomIsKeptFree) {
    // Llama 3 405B at TP 8 PP 16 VPP 4 uses 75.0 of 80 GB: it fits with the 5% default
    // headroom (76 GB usable), not with 10%, and any plan fits the whole card at 0.
    const StepResult base = run();
    ASSERT_GT(base.memory.total.value, 0.9 * base.memory.capacity.value);
    ASSERT_LT(base.memory.total.value, 0.95 * base.memory.capacity.value);
    EXPECT_TRUE(base.memory.fits);
    EXPECT_FALSE(run({{"training.memory_headroom", "0.1"}}).memory.fits);
    EXPECT_DOUBLE_EQ(run({{"training.memory_headroom", "0.1"}}).step_time.value, base.step_time.value);
}

// Mixtral 8x22B with FSDP (ZeRO-3) and EP 8 on 128 H100, a baseline of the MoE Parallel
// Folding paper (arXiv 2504.14960, Table 3).
const std::string kMixtralFsdpEp = R"(
model: mixtral-8x22b
cluster: dgx-h100
gpus: 128
parallelism: {tp: 2, ep: 8, zero: 3, recompute: none}
training: {seq_len: 4096, global_batch: 256, micro_batch: 1}
)";

TEST(Engine, OneHardwareQueueSerialisesZero3CollectivesOnly) {
    // CUDA_DEVICE_MAX_CONNECTIONS=1: ZeRO-3's gathers and reduce-scatters run as if not
    // overlapped (workload.cpp, data_parallel_overlaps); ZeRO-1 keeps its overlap.
    const StepResult queues8 = run({}, kMixtralFsdpEp);
    const StepResult queue1 = run({{"training.cuda_device_max_connections", "1"}}, kMixtralFsdpEp);
    const StepResult serial = run({{"parallelism.dp_overlap", "off"}}, kMixtralFsdpEp);
    EXPECT_GT(queue1.step_time.value, 1.2 * queues8.step_time.value);
    EXPECT_DOUBLE_EQ(queue1.step_time.value, serial.step_time.value);
    const std::vector<Override> zero1 = {{"parallelism.zero", "1"}, {"parallelism.tp", "4"}};
    std::vector<Override> zero1_queue1 = zero1;
    zero1_queue1.push_back({"training.cuda_device_max_connections", "1"});
    EXPECT_DOUBLE_EQ(run(zero1, kMixtralFsdpEp).step_time.value, run(zero1_queue1, kMixtralFsdpEp).step_time.value);
}

TEST(Engine, TpOverlapHidesAllButAChunkOfTheTpCollectives) {
    // Llama 3 405B at TP 8 with sequence parallelism: with --tp-comm-overlap the exposed TP
    // time falls to at least 1/tp of it (the first or last chunk) and no further, and the step
    // gets shorter; without sequence parallelism (Megatron requires it) nothing changes.
    const StepResult base = run();
    const StepResult overlapped = run({{"parallelism.tp_overlap", "on"}});
    EXPECT_LT(overlapped.breakdown.tp_comm.value, 0.5 * base.breakdown.tp_comm.value);
    EXPECT_GE(overlapped.breakdown.tp_comm.value, base.breakdown.tp_comm.value / 8 - 1e-9);
    EXPECT_LT(overlapped.step_time.value, base.step_time.value);
    EXPECT_DOUBLE_EQ(run({{"parallelism.sequence_parallel", "off"}, {"parallelism.tp_overlap", "on"}}).step_time.value,
                     run({{"parallelism.sequence_parallel", "off"}}).step_time.value);
}

TEST(Engine, AsyncTpLeavesTheBackwardsSummedReduceScattersExposed) {
    // PyTorch's AsyncTP fuses reduce_scatter(mm) only; the backward's reduce-scatters of the
    // attention input's gradient (wq + wk + wv) and the gated MLP's (w1 + w3) are sums, so 2
    // of a layer's 8 equal TP collectives stay whole on the stream. Against TE's overlap,
    // which pipelines all 8 (1/8 of each showing, the rest slowing the GEMMs by 24 of 132
    // SMs), the exposed TP time grows by about 2 x (1 - 1/8 - 7/8 x 0.18) of 8: 0.18 of the
    // unoverlapped TP time.
    const StepResult base = run();
    const StepResult te = run({{"parallelism.tp_overlap", "on"}});
    const StepResult torch = run({{"parallelism.tp_overlap", "on"}, {"parallelism.tp_impl", "torch"}});
    const double grown = (torch.breakdown.tp_comm - te.breakdown.tp_comm).value / base.breakdown.tp_comm.value;
    EXPECT_GT(grown, 0.15);
    EXPECT_LT(grown, 0.21);
    EXPECT_GT(torch.step_time.value, te.step_time.value);
    EXPECT_LT(torch.step_time.value, base.step_time.value);
    // the rule both engines and estimate --ops use
    const Scenario s = test::scenario(test::kLlama405b, {{"parallelism.tp_overlap", "on"}, {"parallelism.tp_impl", "torch"}});
    int exposed = 0;
    for (const auto& c : build_workload(s).dense_layer.backward.comm) exposed += tp_overlap_pipelines(c, s.parallelism) ? 0 : 1;
    EXPECT_EQ(exposed, 2);
}

TEST(Engine, FineGrainedExpertsWaitOnTheHostUnlessGraphed) {
    // Qwen3-30B-A3B's 128 experts over EP 8 (16 local) at micro-batch 1 on 8 B200: TE's
    // GroupedLinear issues a GEMM a local expert (73 us of CPU each, calibration
    // expert_gemm_host_time), 2 in the forward and 4 in the backward a layer, more than the
    // GPU needs for them: the passes wait on the host. CUDA graphs of the iteration, or one
    // grouped kernel (training.grouped_gemm fused), issue nothing a expert.
    const std::string yaml = R"(
model: {name: q, family: qwen3_moe, layers: 48, hidden: 2048, heads: 32, kv_heads: 4, head_dim: 128, vocab: 151936,
        max_seq_len: 4096, activation: swiglu, position_embedding: rope, tie_embeddings: false, bias: false,
        moe: {experts: 128, top_k: 8, ffn_hidden: 768}}
cluster: dgx-b200
gpus: 8
parallelism: {ep: 8, etp: 1, recompute: none}
training: {seq_len: 4096, global_batch: 64, micro_batch: 1, precision: bf16}
)";
    const StepResult te = run({}, yaml);
    const StepResult graphed = run({{"training.cuda_graphs", "on"}}, yaml);
    const StepResult fused = run({{"training.grouped_gemm", "fused"}}, yaml);
    EXPECT_GT(te.breakdown.host.value, 0.2 * te.step_time.value);
    EXPECT_EQ(graphed.breakdown.host.value, 0.0);
    EXPECT_EQ(fused.breakdown.host.value, 0.0);
    EXPECT_NEAR(te.step_time.value - graphed.step_time.value, te.breakdown.host.value, 0.01 * te.step_time.value);
    // A host-bound layer takes its issue time: 16 x 6 expert calls x 73 us, plus 3 us a
    // launch of everything else, a micro-batch (8 of them) a layer (48).
    const Scenario s = test::scenario(yaml);
    const Workload w = build_workload(s);
    const CostModel cost(s, test::calibration());
    double launches = 0;
    for (const OpList* pass : {&w.moe_layer.forward, &w.moe_layer.backward})
        for (const auto& op : pass->compute) launches += op.kernels;
    const double issue = 16 * 6 * 73e-6 + launches * 3e-6;
    const double layers_time = (te.breakdown.compute + te.breakdown.host).value;
    EXPECT_NEAR(layers_time / (issue * 48 * 8), 1.0, 0.1);  // the embedding and head add a little
    // The event engine runs the same passes: the same step and host wait.
    NetworkStepOptions o;
    o.mode = SimMode::symmetric;
    const StepResult sim = simulate_network_step(s, test::calibration(), o).result;
    EXPECT_NEAR(sim.step_time.value / te.step_time.value, 1.0, 0.01);
    EXPECT_NEAR(sim.breakdown.host.value, te.breakdown.host.value, 1e-9);
    // estimate --ops shows each op's issue time: the forward expert_fc1 is 16 calls and a launch.
    for (const auto& o : layer_ops(s, test::calibration())) {
        if (o.block == "moe" && o.pass == "forward" && o.name == "expert_fc1") {
            EXPECT_NEAR(o.host.value, 16 * 73e-6 + 3e-6, 1e-9);
        }
    }
}

TEST(Engine, Bf16GradientsHalveTheBufferAndTheirReduction) {
    // training.grad_reduce bf16 (Megatron-Core grad_reduce_in_fp32 off): the gradient buffer
    // takes 2 bytes a parameter, not 4, and the gradients' reduce-scatter moves half the bytes.
    const std::string& yaml = kLlama70bZeroOneSerial;
    const StepResult fp32 = run({}, yaml), bf16 = run({{"training.grad_reduce", "bf16"}}, yaml);
    EXPECT_NEAR(bf16.memory.gradients.value, 0.5 * fp32.memory.gradients.value, 1e-6 * fp32.memory.gradients.value);
    // ZeRO-1, not overlapped: a reduce-scatter of the gradients (4 or 2 bytes a parameter)
    // and an all-gather of the 16-bit weights (2): 6 bytes of traffic become 4. Each
    // bucket's call keeps its latency, so the time falls a little less.
    const double ratio = bf16.breakdown.dp_comm.value / fp32.breakdown.dp_comm.value;
    EXPECT_GT(ratio, 4.0 / 6.0);
    EXPECT_LT(ratio, 4.0 / 6.0 + 0.04);
}

TEST(Engine, DataParallelBucketsGrowWithTheGroupAsMegatronCore) {
    // DistributedDataParallelConfig.bucket_size: max(40M, 1M x dp) parameters, so that a
    // large DP group's calls stay bandwidth-bound; ZeRO-3 keeps one unit a layer.
    Scenario s = test::scenario(test::kLlama405b);
    const Calibration cal = test::calibration();
    const StageWork st = build_workload(s).stages.front();
    s.parallelism.dp = 8;
    EXPECT_EQ(data_parallel_buckets(s, st, 0.79e9, cal), 20);  // 40M a bucket
    s.parallelism.dp = 128;
    EXPECT_EQ(data_parallel_buckets(s, st, 0.79e9, cal), 7);   // 128M a bucket
}

TEST(Engine, EveryBucketPaysItsCollectivesLatency) {
    // ZeRO-1, not overlapped: halving the bucket doubles the calls; the bytes stay, so the
    // DP time grows by one ring latency (the closed form's) per added call.
    const std::string& yaml = kLlama70bZeroOneSerial;
    const Scenario s = test::scenario(yaml);
    Calibration big = test::calibration(), small = test::calibration();
    small.ddp_bucket_params = big.ddp_bucket_params / 2;
    const StageWork st = build_workload(s).stages.front();
    const double added = double(data_parallel_buckets(s, st, st.params, small) - data_parallel_buckets(s, st, st.params, big));
    ASSERT_GT(added, 10);
    const CostModel cost(s, big);
    const GroupPlacement dp = cost.placement(CommGroup::dp);
    const double latency = cost.collective_latency(CollectiveKind::reduce_scatter, dp).value +
                           cost.collective_latency(CollectiveKind::all_gather, dp).value;
    const double grown = estimate(s, small).breakdown.dp_comm.value - estimate(s, big).breakdown.dp_comm.value;
    EXPECT_NEAR(grown, added * latency, 0.05 * added * latency);
}

TEST(LayerOps, ShowWhereTheEstimatesComputeGoes) {
    // `estimate --ops`: one layer's ops priced as the estimate prices them. With no
    // pipeline, no overlap and every layer alike, the estimate's compute is the layer's
    // ops times layers times micro-batches, plus the embedding and head.
    const Scenario s = test::scenario(R"(
model: llama3-8b
cluster: dgx-h100
gpus: 8
parallelism: {tp: 8, pp: 1, zero: 1, recompute: selective, sequence_parallel: true}
training: {seq_len: 8192, global_batch: 4, micro_batch: 1}
)");
    const std::vector<LayerOp> ops = layer_ops(s, test::calibration());
    const auto find = [&](const char* pass, const char* name) -> const LayerOp* {
        for (const auto& o : ops) {
            if (o.pass == pass && o.name == name) return &o;
        }
        return nullptr;
    };
    const LayerOp* fwd = find("forward", "fc1");
    const LayerOp* bwd = find("backward", "fc1");
    ASSERT_TRUE(fwd && bwd);
    EXPECT_EQ(bwd->count, 2);  // dgrad and wgrad
    EXPECT_NEAR(bwd->flops.value, 2 * fwd->flops.value, 1e-6 * fwd->flops.value);
    ASSERT_TRUE(find("recompute", "flash_attention"));  // selective: the attention core again
    const LayerOp* gather = find("forward", "tp_all_gather_attention");
    ASSERT_TRUE(gather);
    EXPECT_TRUE(gather->collective);
    EXPECT_EQ(gather->kind, "all-gather");
    EXPECT_FALSE(gather->overlapped);
    double layer_compute = 0;
    for (const auto& o : ops) {
        if (!o.collective) layer_compute += o.time.value;
    }
    const StepResult r = estimate(s, test::calibration());
    const double layers_work = layer_compute * double(s.model.layers) * double(r.micro_batches);
    EXPECT_GT(r.breakdown.compute.value, layers_work);         // plus the embedding and head
    EXPECT_LT(r.breakdown.compute.value, 1.15 * layers_work);  // which are small beside 32 layers
    // The table and the JSON say the same.
    EXPECT_NE(layer_ops_table(ops).find("dense layer total"), std::string::npos);
    EXPECT_NE(layer_ops_json(ops).find("\"op\": \"fc1\""), std::string::npos);
    // TP overlap marks the TP collectives as partly hidden.
    const Scenario overlapped = test::scenario(R"(
model: llama3-8b
cluster: dgx-h100
gpus: 8
parallelism: {tp: 8, pp: 1, zero: 1, recompute: none, sequence_parallel: true, tp_overlap: true}
training: {seq_len: 8192, global_batch: 4, micro_batch: 1}
)");
    for (const auto& o : layer_ops(overlapped, test::calibration())) {
        if (o.name == "tp_all_gather_attention") {
            EXPECT_TRUE(o.overlapped);
        }
        EXPECT_NE(o.pass, "recompute");
    }
}
