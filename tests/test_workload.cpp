// FLOP and activation counts against the papers' closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "colossim/cost.hpp"
#include "colossim/workload.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
// A GPT of Narayanan et al.'s weak-scaling family (SC'21 Table 1 row 7).
std::string gpt(const std::string& parallelism, const std::string& training) {
    return R"(
cluster: dgx-a100
model: {name: gpt, layers: 80, hidden: 12288, ffn_hidden: 49152, heads: 96, vocab: 51200, max_seq_len: 2048,
        activation: gelu, position_embedding: learned, tie_embeddings: true, bias: true}
gpus: 1536
parallelism: )" + parallelism + "\ntraining: " + training + "\n";
}
}  // namespace

TEST(Flops, HardwareFlopsAreMegatronEquation3WithFullRecompute) {
    Scenario s = test::scenario(gpt("{tp: 8, pp: 8, recompute: full, sequence_parallel: false}",
                                    "{seq_len: 2048, global_batch: 2304, micro_batch: 2, attention: unfused}"));
    Workload w = build_workload(s);
    // Narayanan et al. SC'21 eq. 3: F = 96 B s l h^2 (1 + s/6h + V/16lh)
    const double B = 2304, sq = 2048, l = 80, h = 12288, V = 51200;
    const double expected = 96 * B * sq * l * h * h * (1 + sq / (6 * h) + V / (16 * l * h));
    EXPECT_NEAR(w.hardware_flops_per_step.value / expected, 1.0, 1e-9);
    // Without recomputation the layers' forward counts 3x instead of 4x: 72 B s l h^2 (1 + s/6h + V/12lh)
    const double model = 72 * B * sq * l * h * h * (1 + sq / (6 * h) + V / (12 * l * h));
    EXPECT_NEAR(w.model_flops_per_step.value / model, 1.0, 1e-9);
}

TEST(Flops, IndependentOfHowTheJobIsSplit) {
    Scenario a = test::scenario(gpt("{tp: 8, pp: 8, recompute: none}", "{seq_len: 2048, global_batch: 2304, micro_batch: 2}"));
    Scenario b = test::scenario(gpt("{tp: 4, pp: 4, cp: 2, recompute: none}", "{seq_len: 2048, global_batch: 2304, micro_batch: 1}"));
    EXPECT_NEAR(build_workload(a).model_flops_per_step / build_workload(b).model_flops_per_step, 1.0, 1e-9);
}

TEST(Flops, MoeCountsOnlyTheRoutedExperts) {
    // Mixtral 8x7B: per token the model FLOPs are about 2 x active parameters (12.9B)
    // plus attention; with a short sequence attention is small.
    Scenario s = test::scenario(R"(
model: mixtral-8x7b
cluster: dgx-h100
gpus: 64
parallelism: {tp: 2, pp: 4, ep: 8, recompute: none}
training: {seq_len: 256, global_batch: 64, micro_batch: 1}
)");
    Workload w = build_workload(s);
    double tokens = 64.0 * 256;
    double per_token_forward = w.model_flops_per_step.value / 3.0 / tokens;
    double active_matmul = 2.0 * (w.params.active - w.params.embedding);  // no FLOPs for the lookup
    EXPECT_NEAR(per_token_forward / active_matmul, 1.0, 0.02);
}

namespace {
double activation_ratio(const std::string& parallelism) {
    // Korthikanti et al.'s setting: MHA, 4h GELU MLP, dropout, unfused attention.
    Scenario s = test::scenario(gpt(parallelism, "{seq_len: 2048, global_batch: 2304, micro_batch: 1, attention: unfused, dropout: true}"));
    return activation_bytes_per_layer(s, false).value;
}
}  // namespace

TEST(Activations, KorthikantiClosedForms) {
    const double s = 2048, b = 1, h = 12288, a = 96, t = 8;
    const double sbh = s * b * h;
    // Korthikanti et al. 2022, Table 2 (per layer, bytes)
    EXPECT_DOUBLE_EQ(activation_ratio("{tp: 1, pp: 8, recompute: none}"), sbh * (34 + 5 * a * s / h));
    EXPECT_DOUBLE_EQ(activation_ratio("{tp: 8, pp: 8, recompute: none, sequence_parallel: false}"),
                     sbh * (10 + 24 / t + 5 * a * s / (h * t)));
    EXPECT_DOUBLE_EQ(activation_ratio("{tp: 8, pp: 8, recompute: none, sequence_parallel: true}"),
                     sbh * (34 / t + 5 * a * s / (h * t)));
    EXPECT_DOUBLE_EQ(activation_ratio("{tp: 8, pp: 8, recompute: selective, sequence_parallel: false}"), sbh * (10 + 24 / t));
    EXPECT_DOUBLE_EQ(activation_ratio("{tp: 8, pp: 8, recompute: selective, sequence_parallel: true}"), sbh * 34 / t);
    EXPECT_DOUBLE_EQ(activation_ratio("{tp: 8, pp: 8, recompute: full, sequence_parallel: false}"), 2 * sbh);
}

TEST(Activations, GqaAndSwigluTermsAreTheirOwn) {
    // Llama 3 405B, TP 8 + SP, flash attention, no dropout: per token
    // norms 4h/t, QKV input 2h/t... see activations.cpp; written out here by hand.
    Scenario s = test::scenario(test::kLlama405b);
    const double h = 16384, f = 53248, t = 8, a = 128, kv = 8, d = 128;
    const double attention = (4 * h) / t + (2 * (a + kv) * d + 2 * kv * d + 2 * a * d) / t + 4 * a / t;
    const double mlp = (4 * h) / t + (2 * f * 2 + 2 * f) / t;
    EXPECT_DOUBLE_EQ(activation_bytes_per_layer(s, false).value, (attention + mlp) * 8192);
}

TEST(Activations, TorchTitansPerOpCheckpointingKeepsWhatItSaves) {
    // Llama 3 8B, no TP, per-op selective AC: layer input, wq and wv outputs, the attention
    // output and its log-sum-exp, w1 and w2 outputs; 16,384 tokens a micro-batch.
    Scenario s = test::scenario(R"(
model: llama3-8b
cluster: dgx-h100
gpus: 8
parallelism: {tp: 1, zero: 3, recompute: selective-op}
training: {seq_len: 8192, global_batch: 16, micro_batch: 2}
)");
    const double h = 4096, f = 14336, a = 32, kv = 8, d = 128;
    const double kept = 2 * h + 2 * a * d + 2 * kv * d + 2 * a * d + 4 * a + 2 * f + 2 * h;
    EXPECT_DOUBLE_EQ(activation_bytes_per_layer(s, false).value, kept * 16384);
    s.parallelism.recompute = Recompute::none;  // keeping everything is more than twice that
    EXPECT_GT(activation_bytes_per_layer(s, false).value, 2 * kept * 16384);
}

TEST(Fp8, LinearLayersRunInFp8AndCastTheirInputsTheOutputLayerAndRouterStay16Bit) {
    // Transformer Engine / Float8 recipes: every linear layer quantizes its input (read 2
    // bytes, write 1 an element) and runs at the FP8 peak; the LM head and router do not.
    Scenario s = test::scenario(test::kLlama405b, {{"training.precision", "fp8"}});
    Workload w = build_workload(s);
    int fp8_gemms = 0, casts = 0;
    for (const auto& op : w.dense_layer.forward.compute) {
        if (op.kind == ComputeKind::gemm) fp8_gemms += op.low_precision;
        if (std::string_view(op.name) == "fp8_cast") ++casts;
    }
    EXPECT_EQ(fp8_gemms, 4);  // qkv, out_proj, fc1, fc2
    EXPECT_EQ(casts, 4);
    for (const auto& op : w.head.forward.compute) {
        if (op.kind == ComputeKind::gemm) {
            EXPECT_FALSE(op.low_precision) << op.name;
        }
    }
    for (const auto& op : w.dense_layer.backward.compute) {
        if (op.kind == ComputeKind::gemm) {
            EXPECT_TRUE(op.low_precision) << op.name;  // dgrad and wgrad too
        }
    }
    // A 16-bit run has neither.
    Workload bf16 = build_workload(test::scenario(test::kLlama405b));
    for (const auto& op : bf16.dense_layer.forward.compute) {
        EXPECT_FALSE(op.low_precision);
        EXPECT_NE(std::string_view(op.name), "fp8_cast");
    }
    // The cost model prices an FP8 GEMM at the FP8 peak: the 16-bit time x bf16 peak / fp8 peak
    // where the GPU file gives FP8 the 16-bit efficiency.
    s.cluster.gpu.gemm_efficiency_fp8 = s.cluster.gpu.gemm_efficiency;
    CostModel cost(s, test::calibration());
    ComputeOp g;
    g.kind = ComputeKind::gemm;
    g.m = g.n = g.k = 8192;
    g.flops = Flops(2.0 * 8192 * 8192 * 8192);
    ComputeOp f = g;
    f.low_precision = true;
    const double overhead = test::calibration().kernel_overhead.value;
    const double ratio = s.cluster.gpu.peak_bf16.value / s.cluster.gpu.peak_fp8->value;  // H100: 989.4 / 1978.9
    EXPECT_NEAR((cost.compute(f).value - overhead) / (cost.compute(g).value - overhead), ratio, 1e-9);
    // A GPU file's gemm_efficiency_fp8 scales the FP8 GEMMs alone.
    Scenario measured = s;
    measured.cluster.gpu.gemm_efficiency_fp8 = measured.cluster.gpu.gemm_efficiency / 2;
    CostModel half(measured, test::calibration());
    EXPECT_NEAR((half.compute(f).value - overhead) / (cost.compute(f).value - overhead), 2.0, 1e-9);
    EXPECT_DOUBLE_EQ(half.compute(g).value, cost.compute(g).value);
}

TEST(Mla, AttentionUsesTheRealHeadWidths) {
    // DeepSeek-V3's MLA: query/key heads 128 + 64 = 192 wide, value heads 128 (not
    // hidden / heads = 56). Model FLOPs of the core per layer, full square, both products:
    // 2 b s^2 heads (d_qk + d_v).
    Scenario s = test::scenario(R"(
model: deepseek-v3
cluster: hgx-h800
gpus: 2048
parallelism: {tp: 1, pp: 16, ep: 64, zero: 1}
training: {seq_len: 4096, global_batch: 4096, micro_batch: 1}
)");
    EXPECT_EQ(s.model.head_dim, 192);
    EXPECT_EQ(s.model.mla.v_head_dim, 128);
    Workload w = build_workload(s);
    const double expected = 2.0 * 4096.0 * 4096.0 * 128 * (192 + 128);
    EXPECT_NEAR(w.moe_layer.attention_model_flops.value / expected, 1.0, 1e-12);
}

TEST(Flops, TorchTitanOpCheckpointingRecomputesEverySecondMatmul) {
    // selective-op replays out_proj (h x h) and fc2 (h x 4h) of every layer's forward: on
    // the GPT above 2 B s l (h^2 + 4 h^2) = 10 B s l h^2 more than the model FLOPs, and no
    // attention (its output is kept).
    Scenario s = test::scenario(gpt("{tp: 8, pp: 8, recompute: selective-op, sequence_parallel: false}",
                                    "{seq_len: 2048, global_batch: 2304, micro_batch: 2}"));
    Workload w = build_workload(s);
    const double B = 2304, sq = 2048, l = 80, h = 12288;
    EXPECT_NEAR((w.hardware_flops_per_step - w.model_flops_per_step).value / (10 * B * sq * l * h * h), 1.0, 1e-9);
    EXPECT_STREQ(to_string(s.parallelism.recompute), "selective-op");
}

TEST(Flops, TorchTitanOpCheckpointingGathersTheSequenceParallelInputsAgain) {
    // TorchTitan's save list keeps reduce_scatter_tensor outputs but not all_gather_into_tensor
    // ones, so under sequence parallelism the replay gathers the attention's and the MLP's
    // inputs again (their column-parallel weight gradients need them), and reduces nothing.
    auto replayed = [](const char* sp) {
        Scenario s = test::scenario(gpt(std::string("{tp: 8, pp: 8, recompute: selective-op, sequence_parallel: ") + sp + "}",
                                        "{seq_len: 2048, global_batch: 2304, micro_batch: 2}"));
        return build_workload(s).dense_layer.recompute.comm;
    };
    const auto with_sp = replayed("true");
    ASSERT_EQ(with_sp.size(), 2u);
    for (const auto& c : with_sp) {
        EXPECT_EQ(c.kind, CollectiveKind::all_gather);
        EXPECT_EQ(c.group, CommGroup::tp);
        EXPECT_NEAR(c.bytes.value, 2.0 * 2 * 2048 * 12288, 1.0);  // the gathered bf16 input
    }
    EXPECT_TRUE(replayed("false").empty());  // all-reduces are outputs, kept
}

TEST(TensorParallel, PyTorchsBatchFirstLayoutCopiesEachSequenceParallelCollective) {
    // DTensor shards [b, s, h] on dim 1: a functional all-gather fills dim 0 and then chunks
    // and concatenates into dim 1, a reduce-scatter concatenates dim 1's chunks first; each
    // is a copy of the whole tensor (read + write) on the compute stream. Megatron's
    // sequence-first layout needs none; AsyncTP's fused collectives need none either, so
    // under it only the backward's two summed reduce-scatters keep theirs.
    auto copies = [](const std::vector<Override>& o) {
        const Workload w = build_workload(test::scenario(test::kLlama405b, o));
        std::vector<double> fwd, bwd;
        for (const auto& op : w.dense_layer.forward.compute)
            if (std::string_view(op.name) == "tp_layout_copy") fwd.push_back(op.bytes.value);
        for (const auto& op : w.dense_layer.backward.compute)
            if (std::string_view(op.name) == "tp_layout_copy") bwd.push_back(op.bytes.value);
        return std::pair{fwd, bwd};
    };
    const double whole = 2.0 * 8192 * 16384;  // one micro-batch's bf16 [s, h], Llama 3 405B
    const auto [fwd, bwd] = copies({{"parallelism.tp_impl", "torch"}});
    ASSERT_EQ(fwd.size(), 4u);  // attention and MLP: a gather and a reduce-scatter each
    ASSERT_EQ(bwd.size(), 4u);  // their transposes
    for (double b : fwd) EXPECT_NEAR(b, 2 * whole, 1.0);
    for (double b : bwd) EXPECT_NEAR(b, 2 * whole, 1.0);  // the collective's size, not mirrored twice
    EXPECT_TRUE(copies({}).first.empty());  // te (Megatron-Core) gathers on dim 0
    EXPECT_TRUE(copies({{"parallelism.tp_impl", "torch"}, {"parallelism.sequence_parallel", "off"}}).first.empty());
    const auto [async_fwd, async_bwd] = copies({{"parallelism.tp_impl", "torch"}, {"parallelism.tp_overlap", "on"}});
    EXPECT_TRUE(async_fwd.empty());
    EXPECT_EQ(async_bwd.size(), 2u);
    // the old key still reads
    EXPECT_EQ(test::scenario(test::kLlama405b, {{"parallelism.tp_overlap_impl", "torch"}}).parallelism.tp_impl, TpImpl::torch);
}

TEST(Moe, ExpertTensorParallelGathersTheReceivedTokens) {
    // Megatron-Core's all-to-all dispatcher with expert TP: after the EP all-to-all the
    // tokens are all-gathered over the expert-TP group, and the experts' outputs
    // reduce-scattered before the combine; the gathered buffer is etp x a rank's routed
    // tokens (tokens / tp x top-k, 16-bit). Without expert TP neither runs.
    auto moe_comms = [](int etp) {
        Scenario s = test::scenario(R"(
model: mixtral-8x7b
cluster: dgx-h100
gpus: 64
parallelism: {tp: 4, pp: 2, ep: 8, etp: )" + std::to_string(etp) + R"(, recompute: none}
training: {seq_len: 4096, global_batch: 64, micro_batch: 1}
)");
        std::vector<CollectiveOp> out;
        for (const auto& c : build_workload(s).moe_layer.forward.comm) {
            if (c.group == CommGroup::etp) out.push_back(c);
        }
        return out;
    };
    const auto with = moe_comms(4);
    ASSERT_EQ(with.size(), 2u);
    EXPECT_EQ(with[0].kind, CollectiveKind::all_gather);
    EXPECT_EQ(with[1].kind, CollectiveKind::reduce_scatter);
    const double routed = 4096.0 / 4 * 2;  // tokens / tp x top-2
    EXPECT_DOUBLE_EQ(with[0].bytes.value, 2.0 * routed * 4 * 4096);
    EXPECT_TRUE(moe_comms(1).empty());
}

namespace {
const ComputeOp* find_op(const OpList& ops, std::string_view name) {
    for (const auto& op : ops.compute) {
        if (name == op.name) return &op;
    }
    return nullptr;
}
}  // namespace

TEST(Moe, TheAllToAllDispatcherRegroupsAndCopiesTheGatheredTokens) {
    // Megatron-Core's all-to-all dispatcher: tokens arrive grouped by source rank, so with
    // several local experts sort_chunks_by_idxs regroups them (and back before the combine);
    // with expert TP the list all_gather copies its flat result out and the list
    // reduce_scatter copies its chunks in. Each reads and writes the gathered tokens once, in
    // either pass (not mirrored twice); DeepEP's path has none of them.
    auto copies = [](int experts, int etp, const char* dispatcher) {
        const Workload w = build_workload(test::scenario(R"(
model: {name: m, layers: 8, hidden: 4096, heads: 32, kv_heads: 8, vocab: 32000, max_seq_len: 4096, activation: swiglu,
        position_embedding: rope, tie_embeddings: false, bias: false,
        moe: {experts: )" + std::to_string(experts) + R"(, top_k: 2, ffn_hidden: 1024}}
cluster: dgx-h100
gpus: 64
parallelism: {tp: 2, ep: 8, etp: )" + std::to_string(etp) + R"(, recompute: none, sequence_parallel: true, moe_dispatcher: )" +
                                                         dispatcher + R"(}
training: {seq_len: 4096, global_batch: 64, micro_batch: 1}
)"));
        std::map<std::string, std::pair<double, double>> out;  // name -> forward, backward bytes
        for (const auto& op : w.moe_layer.forward.compute) out[op.name].first += op.bytes.value;
        for (const auto& op : w.moe_layer.backward.compute) out[op.name].second += op.bytes.value;
        return out;
    };
    const double gathered = 2.0 * (4096.0 / 2 * 2) * 2 * 4096;  // 16-bit: tokens / tp x top-2 x etp x h
    const auto both = copies(64, 2, "alltoall");
    for (const char* name : {"sort_by_expert", "unsort_by_expert", "etp_gather_copy_out", "etp_reduce_copy_in"}) {
        ASSERT_TRUE(both.count(name)) << name;
        EXPECT_NEAR(both.at(name).first, 2 * gathered, 1.0) << name;
        EXPECT_NEAR(both.at(name).second, 2 * gathered, 1.0) << name;
    }
    const auto one_local = copies(8, 1, "alltoall");  // 8 experts over EP 8, no expert TP
    EXPECT_FALSE(one_local.count("sort_by_expert"));
    EXPECT_FALSE(one_local.count("etp_gather_copy_out"));
    EXPECT_FALSE(copies(64, 2, "deepep").count("sort_by_expert"));
}

TEST(Moe, MegatronRoutesTheSequenceParallelShardWithoutGatheringIt) {
    // Megatron-Core's MoE layer hands this rank's 1/tp of the tokens to the router and the
    // dispatcher as they are: no sequence-parallel all-gather before it and no
    // reduce-scatter after, unless a shared expert (a TP MLP) needs them; PyTorch's MoE TP
    // gathers the sequence first. The norm and the residual add run either way.
    auto tp_comms = [](const std::string& shared, const std::vector<Override>& o) {
        const Workload w = build_workload(test::scenario(R"(
model: {name: m, layers: 8, hidden: 4096, heads: 32, kv_heads: 8, vocab: 32000, max_seq_len: 4096, activation: swiglu,
        position_embedding: rope, tie_embeddings: false, bias: false,
        moe: {experts: 8, top_k: 2, ffn_hidden: 14336)" + shared + R"(}}
cluster: dgx-h100
gpus: 64
parallelism: {tp: 4, ep: 8, recompute: none, sequence_parallel: true}
training: {seq_len: 4096, global_batch: 64, micro_batch: 1}
)", o));
        int n = 0;
        for (const auto& c : w.moe_layer.forward.comm) n += c.group == CommGroup::tp ? 1 : 0;
        EXPECT_NE(find_op(w.moe_layer.forward, "mlp_norm"), nullptr);
        EXPECT_NE(find_op(w.moe_layer.forward, "mlp_residual"), nullptr);
        return n;
    };
    EXPECT_EQ(tp_comms("", {}), 2);  // the attention's gather and reduce-scatter alone
    EXPECT_EQ(tp_comms(", shared_experts: 1, shared_ffn_hidden: 4096", {}), 4);
    EXPECT_EQ(tp_comms("", {{"parallelism.tp_impl", "torch"}}), 4);
}


TEST(Elementwise, EagerPyTorchMovesMoreBytesThanFusedKernels) {
    // TorchTitan's RMSNorm in fp32 (36 bytes an element, 8 kernels) against one fused
    // kernel (read 2, write 2); rotary 20 against 4; SwiGLU 10 against 6; GQA's repeat_kv
    // and the logits' fp32 upcast run only eagerly.
    const std::string llama = R"(
model: llama3-8b
cluster: dgx-h100
gpus: 8
parallelism: {tp: 1, zero: 3, recompute: none, sequence_parallel: false}
training: {seq_len: 8192, global_batch: 8, micro_batch: 1}
)";
    const Workload fused = build_workload(test::scenario(llama));
    const Workload eager = build_workload(test::scenario(llama, {{"training.elementwise", "eager"}}));
    const double tokens = 8192, h = 4096;
    const ComputeOp* norm_f = find_op(fused.dense_layer.forward, "attention_norm");
    const ComputeOp* norm_e = find_op(eager.dense_layer.forward, "attention_norm");
    ASSERT_TRUE(norm_f && norm_e);
    EXPECT_DOUBLE_EQ(norm_f->bytes.value, 4 * tokens * h);
    EXPECT_DOUBLE_EQ(norm_e->bytes.value, 36 * tokens * h);
    EXPECT_EQ(norm_e->kernels, 8);
    EXPECT_TRUE(norm_f->row_reduction);
    EXPECT_FALSE(norm_e->row_reduction);
    EXPECT_DOUBLE_EQ(find_op(eager.dense_layer.forward, "rotary")->bytes.value / find_op(fused.dense_layer.forward, "rotary")->bytes.value, 5.0);
    EXPECT_DOUBLE_EQ(find_op(eager.dense_layer.forward, "activation")->bytes.value / find_op(fused.dense_layer.forward, "activation")->bytes.value, 10.0 / 6.0);
    EXPECT_TRUE(find_op(eager.dense_layer.forward, "repeat_kv"));
    EXPECT_FALSE(find_op(fused.dense_layer.forward, "repeat_kv"));
    EXPECT_TRUE(find_op(eager.head.forward, "logits_to_fp32"));
    // FLOPs do not change: eager is slower, not more work.
    EXPECT_DOUBLE_EQ(eager.model_flops_per_step.value, fused.model_flops_per_step.value);
}

TEST(Elementwise, LayerNormGeluModelsCostTheSameEagerly) {
    // F.layer_norm and F.gelu are single ATen kernels: a GPT with learned positions has no
    // eager-only traffic in its layers.
    Scenario fused = test::scenario(gpt("{tp: 8, pp: 8, sequence_parallel: false}", "{seq_len: 2048, global_batch: 2304}"));
    Scenario eager = test::scenario(gpt("{tp: 8, pp: 8, sequence_parallel: false}",
                                        "{seq_len: 2048, global_batch: 2304, elementwise: eager}"));
    EXPECT_EQ(fused.model.norm, Norm::layernorm);
    const Workload a = build_workload(fused), b = build_workload(eager);
    ASSERT_EQ(a.dense_layer.forward.compute.size(), b.dense_layer.forward.compute.size());
    for (std::size_t i = 0; i < a.dense_layer.forward.compute.size(); ++i) {
        EXPECT_DOUBLE_EQ(a.dense_layer.forward.compute[i].bytes.value, b.dense_layer.forward.compute[i].bytes.value)
            << a.dense_layer.forward.compute[i].name;
    }
}

namespace {
const CollectiveOp* find_comm(const std::vector<CollectiveOp>& ops, std::string_view name, CollectiveKind kind) {
    for (const auto& c : ops) {
        if (name == c.name && c.kind == kind) return &c;
    }
    return nullptr;
}
}  // namespace

TEST(ContextParallel, PyTorchsRingMovesEveryQueryHeadAndMergesInFp32) {
    // Llama 3 8B (32 query heads, 8 KV heads), CP 8. PyTorch's context parallel (TorchTitan)
    // rotates K and V after repeat_kv and dK, dV in fp32, and merges each step's output
    // by eager fp32 ops; Transformer Engine's ring sends the KV heads in bf16, merged fused.
    const std::string yaml = R"(
model: llama3-8b
cluster: dgx-h100
gpus: 8
parallelism: {tp: 1, cp: 8, zero: 3}
training: {seq_len: 262144, global_batch: 1, micro_batch: 1}
)";
    const Workload te = build_workload(test::scenario(yaml));
    const Workload torch = build_workload(test::scenario(yaml, {{"parallelism.cp_impl", "torch"}}));
    const auto* kv_te = find_comm(te.dense_layer.forward.comm, "cp_kv_exchange", CollectiveKind::all_gather);
    const auto* kv_torch = find_comm(torch.dense_layer.forward.comm, "cp_kv_exchange", CollectiveKind::all_gather);
    ASSERT_TRUE(kv_te && kv_torch);
    EXPECT_DOUBLE_EQ(kv_torch->bytes.value / kv_te->bytes.value, 32.0 / 8.0);
    const auto* grad_te = find_comm(te.dense_layer.backward.comm, "cp_kv_exchange", CollectiveKind::reduce_scatter);
    const auto* grad_torch = find_comm(torch.dense_layer.backward.comm, "cp_kv_exchange", CollectiveKind::reduce_scatter);
    ASSERT_TRUE(grad_te && grad_torch);
    EXPECT_DOUBLE_EQ(grad_torch->bytes.value / grad_te->bytes.value, 2.0 * 32.0 / 8.0);
    EXPECT_FALSE(find_op(te.dense_layer.forward, "cp_merge"));
    const ComputeOp* merge = find_op(torch.dense_layer.forward, "cp_merge");
    ASSERT_TRUE(merge);
    const double out = 262144.0 / 8 * 32 * 128;  // local tokens x query heads x head dim
    EXPECT_DOUBLE_EQ(merge->bytes.value, (32.0 * 7 + 12) * out);
    // Both engines run the exchanges beside 1/cp of the attention (the first step) only.
    EXPECT_DOUBLE_EQ(cp_overlap_share(test::scenario(yaml).parallelism), 1.0);
    EXPECT_DOUBLE_EQ(cp_overlap_share(test::scenario(yaml, {{"parallelism.cp_impl", "torch"}}).parallelism), 1.0 / 8);
}

TEST(Fsdp2, CopiesEachLayersParametersOutOfEveryGatherAndItsGradientsIntoTheReduction) {
    // PyTorch FSDP2 (parallelism.zero_impl fsdp2) copies the gathered buffer out into each
    // parameter before the forward and the backward (4 bytes a parameter) and the bf16
    // gradients into the reduce-scatter's buffer in the reduce dtype (2 + 4 in fp32).
    const std::vector<Override> fsdp2 = {{"parallelism.zero", "3"}, {"parallelism.zero_impl", "fsdp2"}};
    const Scenario s = test::scenario(test::kLlama405b, fsdp2);
    const Workload w = build_workload(s);
    const ParamCounts pc = count_parameters(s.model);
    const double layer = pc.attention / double(s.parallelism.tp) + pc.norms + pc.dense_mlp / double(s.parallelism.tp);
    const auto bytes = [](const OpList& ops, std::string_view name) {
        double b = 0;
        for (const auto& op : ops.compute) {
            if (name == op.name) b += op.bytes.value;
        }
        return b;
    };
    EXPECT_DOUBLE_EQ(bytes(w.dense_layer.forward, "fsdp2_copy_out"), 4.0 * layer);
    EXPECT_DOUBLE_EQ(bytes(w.dense_layer.backward, "fsdp2_copy_out"), 4.0 * layer);
    EXPECT_DOUBLE_EQ(bytes(w.dense_layer.backward, "fsdp2_reduce_copy_in"), 6.0 * layer);  // fp32 gradients
    Scenario bf16_grads = test::scenario(test::kLlama405b, {{"parallelism.zero", "3"}, {"parallelism.zero_impl", "fsdp2"},
                                                            {"training.grad_reduce", "bf16"}});
    EXPECT_DOUBLE_EQ(bytes(build_workload(bf16_grads).dense_layer.backward, "fsdp2_reduce_copy_in"), 4.0 * layer);
    // Flat buffers (Megatron-FSDP, FSDP1, DeepSpeed) gather and reduce in place; ZeRO-2 keeps
    // the weights gathered through the step.
    for (const Scenario& none : {test::scenario(test::kLlama405b, {{"parallelism.zero", "3"}}),
                                 test::scenario(test::kLlama405b, {{"parallelism.zero", "2"}, {"parallelism.zero_impl", "fsdp2"}})}) {
        const Workload n = build_workload(none);
        EXPECT_EQ(bytes(n.dense_layer.forward, "fsdp2_copy_out"), 0.0);
        EXPECT_EQ(bytes(n.dense_layer.backward, "fsdp2_reduce_copy_in"), 0.0);
    }
    // Priced in both engines: the step is slower by at least the copies' HBM time.
    const Scenario flat = test::scenario(test::kLlama405b, {{"parallelism.zero", "3"}});
    EXPECT_GT(estimate(s, test::calibration()).step_time.value, estimate(flat, test::calibration()).step_time.value);
}
