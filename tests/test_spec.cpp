// Reading models (our YAML, HuggingFace config.json), hardware and scenarios.
#include <gtest/gtest.h>

#include "colossim/catalog.hpp"
#include "colossim/workload.hpp"
#include "helpers.hpp"

using namespace colossim;
using colossim::test::catalog;
using colossim::test::source_path;

namespace {
ModelSpec hf(const std::string& file) {
    Diagnostics d;
    return catalog().model(source_path("tests/data/hf/" + file), "model", d);
}
}  // namespace

TEST(Catalog, HasTheNamedEntries) {
    auto gpus = catalog().names(CatalogKind::gpu);
    for (const char* g : {"a100-40gb", "a100-80gb", "h100-sxm", "h800", "h200", "b200", "gb200", "mi300x"}) {
        EXPECT_NE(std::find(gpus.begin(), gpus.end(), g), gpus.end()) << g;
    }
    auto clusters = catalog().names(CatalogKind::cluster);
    for (const char* c : {"dgx-a100", "dgx-h100", "hgx-h800", "dgx-b200", "gb200-nvl72", "colossus"}) {
        EXPECT_NE(std::find(clusters.begin(), clusters.end(), c), clusters.end()) << c;
    }
    auto models = catalog().names(CatalogKind::model);
    for (const char* m : {"gpt3-175b", "llama2-7b", "llama2-13b", "llama2-70b", "llama3-8b", "llama3-70b", "llama3-405b",
                          "mixtral-8x7b", "mixtral-8x22b", "deepseek-v3"}) {
        EXPECT_NE(std::find(models.begin(), models.end(), m), models.end()) << m;
    }
}

TEST(Catalog, EveryEntryParsesAndCitesItsSources) {
    Diagnostics d;
    for (const auto& n : catalog().names(CatalogKind::model)) EXPECT_FALSE(catalog().model(n, "model", d).sources.empty()) << n;
    for (const auto& n : catalog().names(CatalogKind::gpu)) EXPECT_FALSE(catalog().gpu(n, "gpu", d).sources.empty()) << n;
    for (const auto& n : catalog().names(CatalogKind::cluster)) {
        EXPECT_FALSE(catalog().cluster(n, "cluster", d).sources.empty()) << n;
    }
    EXPECT_TRUE(d.warnings.empty()) << d.warnings.front();
}

TEST(Catalog, GpuFiguresAreParsedWithTheirUnits) {
    Diagnostics d;
    GpuSpec h100 = catalog().gpu("h100-sxm", "gpu", d);
    EXPECT_DOUBLE_EQ(h100.peak_bf16.value, 989.4e12);
    EXPECT_DOUBLE_EQ(h100.hbm_capacity.value, 80e9);
    EXPECT_DOUBLE_EQ(h100.nvlink_per_direction().value, 450e9);
    ClusterSpec a100 = catalog().cluster("dgx-a100", "cluster", d);
    EXPECT_DOUBLE_EQ(a100.nic_bandwidth.value, 25e9);  // 200 Gbit/s
    EXPECT_EQ(a100.gpu.name, "a100-80gb");
    EXPECT_EQ(catalog().cluster("gb200-nvl72", "cluster", d).nvlink_domain, 72);
}

TEST(HfConfig, Gpt2UsesItsOwnFieldNames) {
    ModelSpec m = hf("gpt2.json");
    EXPECT_EQ(m.layers, 12);
    EXPECT_EQ(m.hidden, 768);
    EXPECT_EQ(m.ffn_hidden, 3072);  // n_inner null: 4 x n_embd
    EXPECT_EQ(m.max_seq_len, 1024);
    EXPECT_TRUE(m.tie_embeddings);
    EXPECT_EQ(m.activation, Activation::gelu);
    EXPECT_EQ(m.position_embedding, PositionEmbedding::learned);
    EXPECT_EQ(m.norm, Norm::layernorm);  // layer_norm_epsilon
}

TEST(HfConfig, Llama405bMatchesTheCatalog) {
    ModelSpec m = hf("llama3.1-405b.json");
    Diagnostics d;
    ModelSpec c = catalog().model("llama3-405b", "model", d);
    EXPECT_EQ(m.layers, c.layers);
    EXPECT_EQ(m.hidden, c.hidden);
    EXPECT_EQ(m.ffn_hidden, c.ffn_hidden);
    EXPECT_EQ(m.kv_heads, 8);
    EXPECT_EQ(m.vocab, c.vocab);
    EXPECT_EQ(m.activation, Activation::swiglu);
    EXPECT_EQ(m.norm, Norm::rmsnorm);  // rms_norm_eps
    EXPECT_FALSE(m.tie_embeddings);
    EXPECT_NEAR(count_parameters(m).total, count_parameters(c).total, 1.0);
}

TEST(HfConfig, DenseFamilies) {
    EXPECT_EQ(hf("mistral-7b-v0.1.json").kv_heads, 8);
    EXPECT_EQ(hf("qwen2-7b.json").family, "qwen2");
    ModelSpec q3 = hf("qwen3-8b.json");
    EXPECT_EQ(q3.head_dim, 128);
    ModelSpec nemo = hf("minitron-4b.json");
    EXPECT_EQ(nemo.activation, Activation::squared_relu);  // hidden_act relu2, not gated
    EXPECT_EQ(nemo.head_dim, 128);
    EXPECT_EQ(nemo.norm, Norm::layernorm);  // norm_eps: Nemotron's LayerNorm1P
}

TEST(HfConfig, MixtureOfExpertsFamilies) {
    ModelSpec mx = hf("mixtral-8x7b.json");
    EXPECT_EQ(mx.moe.experts, 8);
    EXPECT_EQ(mx.moe.top_k, 2);
    EXPECT_EQ(mx.moe.ffn_hidden, 14336);
    EXPECT_NEAR(count_parameters(mx).total / 1e9, 46.7, 0.1);  // Mistral AI: 46.7B
    EXPECT_NEAR(count_parameters(mx).active / 1e9, 12.9, 0.1); // 12.9B active

    ModelSpec q2 = hf("qwen2-57b-a14b.json");
    EXPECT_EQ(q2.moe.experts, 64);
    EXPECT_EQ(q2.moe.shared_experts, 1);
    EXPECT_EQ(q2.moe.shared_ffn_hidden, 20480);
    EXPECT_NEAR(count_parameters(q2).total / 1e9, 57.4, 0.5);   // Qwen2 report: 57B, 14B active
    EXPECT_NEAR(count_parameters(q2).active / 1e9, 14.2, 0.5);

    ModelSpec q3 = hf("qwen3-30b-a3b.json");
    EXPECT_EQ(q3.moe.experts, 128);
    EXPECT_EQ(q3.moe.ffn_hidden, 768);
    EXPECT_NEAR(count_parameters(q3).total / 1e9, 30.5, 0.5);   // Qwen3: 30.5B, 3.3B active
    EXPECT_NEAR(count_parameters(q3).active / 1e9, 3.3, 0.2);
}

TEST(HfConfig, DeepSeekV3WithMla) {
    ModelSpec m = hf("deepseek-v3.json");
    EXPECT_TRUE(m.mla.enabled());
    EXPECT_EQ(m.mla.kv_lora_rank, 512);
    EXPECT_EQ(m.mla.q_lora_rank, 1536);
    EXPECT_EQ(m.moe.first_dense_layers, 3);
    EXPECT_EQ(m.moe.shared_experts, 1);
    EXPECT_EQ(m.moe.groups, 8);  // n_group, topk_group: node-limited routing
    EXPECT_EQ(m.moe.group_top_k, 4);
    // DeepSeek-V3 report (arXiv 2412.19437): 671B total, 37B activated, main model without MTP.
    EXPECT_NEAR(count_parameters(m).total / 1e9, 671.0, 1.0);
    EXPECT_NEAR(count_parameters(m).active / 1e9, 37.5, 1.0);
}

TEST(Catalog, KnownModelParameterCounts) {
    Diagnostics d;
    auto total = [&](const char* n) { return count_parameters(catalog().model(n, "model", d)).total / 1e9; };
    EXPECT_NEAR(total("gpt3-175b"), 174.6, 0.5);   // Brown et al. 2020: 175B
    EXPECT_NEAR(total("llama2-7b"), 6.74, 0.01);   // HF safetensors: 6,738,415,616
    EXPECT_NEAR(total("llama2-70b"), 68.98, 0.05);
    EXPECT_NEAR(total("llama3-8b"), 8.03, 0.01);
    EXPECT_NEAR(total("llama3-405b"), 405.85, 0.1);
}

TEST(Scenario, FlagsOverrideTheFile) {
    Scenario s = test::scenario(test::kLlama405b, {{"parallelism.tp", "4"}, {"gpus", "8192"}});
    EXPECT_EQ(s.parallelism.tp, 4);
    EXPECT_EQ(s.gpus, 8192);
    EXPECT_EQ(s.parallelism.dp, 8192 / (4 * 16));
}

TEST(Scenario, DpDefaultsToGpusOverModelRanks) {
    Scenario s = test::scenario(test::kLlama405b);
    EXPECT_EQ(s.parallelism.dp, 128);
    EXPECT_DOUBLE_EQ(s.training.tokens, 15.6e12);
    EXPECT_DOUBLE_EQ(s.training.price_per_gpu_hour, s.cluster.price_per_gpu_hour);
}

TEST(Scenario, WhatIfHardwareOverrides) {
    Scenario s = test::scenario(test::kLlama405b, {{"hardware.nic_bw", "100 Gbit/s"}, {"hardware.gpu", "h200"}});
    EXPECT_DOUBLE_EQ(s.cluster.nic_bandwidth.value, 12.5e9);
    EXPECT_EQ(s.cluster.gpu.name, "h200");
}

TEST(Scenario, UnknownKeysAreWarnedAboutByName) {
    Diagnostics d;
    std::string yaml = std::string(test::kLlama405b) + "colour: blue\n";
    load_scenario(yaml, "test", {{"parallelism.tpp", "8"}}, catalog(), d);
    ASSERT_EQ(d.warnings.size(), 2u);
    EXPECT_NE(d.warnings[0].find("parallelism.tpp"), std::string::npos);
    EXPECT_NE(d.warnings[1].find("colour"), std::string::npos);
}

TEST(StageLayers, Llama405bOn16StagesIs7Then8sThen7) {
    Scenario s = test::scenario(test::kLlama405b);
    auto layers = stage_layers(s.model, s.parallelism);
    ASSERT_EQ(layers.size(), 16u);
    EXPECT_EQ(layers.front(), 7);
    EXPECT_EQ(layers.back(), 7);
    for (std::size_t i = 1; i + 1 < layers.size(); ++i) EXPECT_EQ(layers[i], 8);
}

TEST(StageLayers, EvenAndExplicitSplits) {
    ModelSpec m;
    m.layers = 96;
    Parallelism p;
    p.pp = 16;
    for (auto l : stage_layers(m, p)) EXPECT_EQ(l, 6);
    p.first_stage_layers = 2;
    p.last_stage_layers = 10;
    auto l = stage_layers(m, p);
    EXPECT_EQ(l.front(), 2);
    EXPECT_EQ(l.back(), 10);
    EXPECT_EQ(l[1], 6);  // (96 - 2 - 10) / 14 middle stages
    p.last_stage_layers = 2;  // 92 layers over 14 stages does not divide
    EXPECT_THROW(stage_layers(m, p), InputError);
}

namespace {
double billions(double v) { return v / 1e9; }
}  // namespace

TEST(HfConfig, EveryFamilyCountsItsPublishedParameters) {
    // config.json shapes of the families users bring (tests/data/hf/), against the
    // parameter counts their model cards / the HuggingFace hub publish (billions; total,
    // and active for MoE). Llama 4 Scout's 109 B include its vision tower (not modelled).
    struct Published {
        const char* file;
        double total, active, tolerance;
    };
    const Published cases[] = {
        {"gemma-7b.json", 8.54, 0, 0.01},       {"gemma-2-9b.json", 9.24, 0, 0.01},
        {"phi-3-mini-4k.json", 3.82, 0, 0.01},  {"olmo-2-1124-7b.json", 7.30, 0, 0.01},
        {"olmoe-1b-7b.json", 6.92, 1.28, 0.01}, {"falcon-7b.json", 7.22, 0, 0.01},
        {"falcon-40b.json", 41.8, 0, 0.01},     {"granite-3.0-8b.json", 8.17, 0, 0.01},
        {"glm-4-9b.json", 9.40, 0, 0.01},       {"internlm2-7b.json", 7.74, 0, 0.01},
        {"command-r-v01.json", 35.0, 0, 0.01},  {"starcoder2-15b.json", 16.0, 0, 0.01},
        {"phi-3.5-moe.json", 41.9, 6.6, 0.01},  {"llama-4-scout.json", 109, 17, 0.02},
    };
    for (const auto& c : cases) {
        const ModelSpec m = hf(c.file);
        const ParamCounts p = count_parameters(m);
        EXPECT_NEAR(billions(p.total) / c.total, 1.0, c.tolerance) << c.file << ": " << billions(p.total) << " B";
        if (c.active > 0) {
            EXPECT_NEAR(billions(p.active) / c.active, 1.0, 0.02) << c.file << ": " << billions(p.active) << " B active";
        }
    }
}

TEST(HfConfig, FamiliesKeepTheirRealDifferences) {
    const ModelSpec gemma = hf("gemma-7b.json");
    EXPECT_EQ(gemma.head_dim, 256);  // 16 x 256 = 4096 attention width on a 3072-wide model
    EXPECT_TRUE(gemma.gated_mlp());  // GeGLU
    EXPECT_TRUE(gemma.tie_embeddings);
    const ModelSpec gemma2 = hf("gemma-2-9b.json");
    EXPECT_EQ(gemma2.sliding_window, 4096);
    EXPECT_EQ(gemma2.local_layers, 21);  // every second layer local
    EXPECT_DOUBLE_EQ(gemma2.attention_share(4096), 1.0);
    // At 8K a 4K-window layer computes 3/4 of the causal square: (2sw - w^2)/s^2.
    EXPECT_DOUBLE_EQ(gemma2.attention_share(8192), 0.5 + 0.5 * 0.75);
    Diagnostics d;
    const ModelSpec gemma3 = catalog().model(test::source_path("tests/data/hf/gemma-3-4b-it.json"), "model", d);
    EXPECT_EQ(gemma3.family, "gemma3_text");
    EXPECT_EQ(gemma3.local_layers, 34 - 34 / 6);  // 5 local to 1 global
    ASSERT_FALSE(d.warnings.empty());
    EXPECT_NE(d.warnings.back().find("vision tower is not modelled"), std::string::npos);
    const ModelSpec falcon = hf("falcon-7b.json");
    EXPECT_EQ(falcon.kv_heads, 1);  // multi-query
    EXPECT_TRUE(falcon.parallel_block);
    EXPECT_FALSE(falcon.gated_mlp());
    EXPECT_EQ(falcon.ffn_hidden, 4 * 4544);
    EXPECT_EQ(hf("falcon-40b.json").kv_heads, 8);
    EXPECT_TRUE(hf("command-r-v01.json").parallel_block);
    EXPECT_EQ(hf("command-r-v01.json").norm, Norm::layernorm);
    const ModelSpec starcoder = hf("starcoder2-15b.json");
    EXPECT_FALSE(starcoder.gated_mlp());
    EXPECT_TRUE(starcoder.bias);
    EXPECT_EQ(starcoder.local_layers, 40);
    const ModelSpec scout = hf("llama-4-scout.json");
    EXPECT_EQ(scout.moe.experts, 16);
    EXPECT_EQ(scout.moe.shared_experts, 1);
    EXPECT_EQ(scout.dense_layers(), 0);
    EXPECT_EQ(hf("olmoe-1b-7b.json").moe.experts, 64);
}

TEST(HfConfig, ParallelBlocksReduceOnceALayer) {
    // Falcon's attention and MLP share one norm and one tensor-parallel reduction.
    const std::string yaml = "model: " + test::source_path("tests/data/hf/falcon-40b.json") +
                             "\ncluster: dgx-h100\ngpus: 8\nparallelism: {tp: 8, sequence_parallel: true}\n"
                             "training: {seq_len: 2048, global_batch: 8}\n";
    const Workload w = build_workload(test::scenario(yaml));
    int reduces = 0, gathers = 0;
    for (const auto& c : w.dense_layer.forward.comm) {
        reduces += c.kind == CollectiveKind::reduce_scatter;
        gathers += c.kind == CollectiveKind::all_gather;
    }
    EXPECT_EQ(reduces, 1);
    EXPECT_EQ(gathers, 1);
}
