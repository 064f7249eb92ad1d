// `--emit`: a plan as Megatron-LM, NeMo 2.0 and TorchTitan launch arguments; every name
// emitted must be one the framework defines (tests/data/frameworks/, read from their
// sources at the commits the files name).
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "cli_helpers.hpp"
#include "colossim/launch_config.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
std::set<std::string> names_in(const std::string& file) {
    std::ifstream in(test::source_path("tests/data/frameworks/" + file));
    std::set<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != '#') out.insert(line);
    }
    return out;
}

// Plans that between them use every branch of the emitters: dense and MoE, MLA, ZeRO 0-3,
// each recompute mode, virtual stages, CP, EP, FP8, eager kernels.
std::vector<Scenario> plans() {
    return {test::scenario(test::kLlama405b, {{"parallelism.tp_overlap", "on"}, {"training.grad_reduce", "bf16"}}),
            test::scenario(test::kLlama405b, {{"parallelism.zero", "3"}, {"parallelism.recompute", "full"},
                                              {"parallelism.recompute_layers", "2"}, {"training.precision", "fp8"}}),
            test::scenario(test::kLlama405b, {{"parallelism.zero", "0"}, {"parallelism.recompute", "selective-op"},
                                              {"parallelism.vpp", "1"}, {"parallelism.cp", "2"}, {"training.global_batch", "1024"},
                                              {"training.elementwise", "eager"}}),
            test::scenario(R"(
model: deepseek-v3
cluster: hgx-h800
gpus: 2048
parallelism: {tp: 1, pp: 16, ep: 64, zero: 1, recompute: full, ep_overlap: true}
training: {seq_len: 4096, global_batch: 15360, micro_batch: 1, tokens: 14.8T}
)"),
            test::scenario(R"(
model: mixtral-8x7b
cluster: dgx-h100
gpus: 64
parallelism: {tp: 4, pp: 2, ep: 8, etp: 1, recompute: selective}
training: {seq_len: 4096, global_batch: 256, micro_batch: 1}
)")};
}
}  // namespace

TEST(LaunchConfig, EveryNameIsTheFrameworksOwn) {
    const std::pair<LaunchFramework, std::string> frameworks[] = {
        {LaunchFramework::megatron, "megatron-lm-arguments.txt"},
        {LaunchFramework::nemo, "nemo2-megatron-strategy.txt"},
        {LaunchFramework::torchtitan, "torchtitan-job-config.txt"}};
    for (const auto& [framework, file] : frameworks) {
        const auto known = names_in(file);
        ASSERT_GT(known.size(), 20u) << file;
        for (const Scenario& s : plans()) {
            const LaunchConfig c = launch_config(s, framework);
            ASSERT_FALSE(c.names.empty());
            for (const auto& n : c.names) EXPECT_TRUE(known.count(n)) << file << " has no " << n;
        }
    }
}

TEST(LaunchConfig, TheValuesAreThePlans) {
    const Scenario s = test::scenario(test::kLlama405b);
    const std::string megatron = launch_config(s, LaunchFramework::megatron).text;
    EXPECT_NE(megatron.find("--tensor-model-parallel-size 8"), std::string::npos);
    EXPECT_NE(megatron.find("--pipeline-model-parallel-size 16"), std::string::npos);
    EXPECT_NE(megatron.find("--num-query-groups 8"), std::string::npos);
    EXPECT_NE(megatron.find("--global-batch-size " + std::to_string(s.training.global_batch)), std::string::npos);
    const std::string titan = launch_config(s, LaunchFramework::torchtitan).text;
    EXPECT_NE(titan.find("[parallelism]\n"), std::string::npos);
    EXPECT_EQ(titan.find("[training]"), titan.rfind("[training]"));  // a TOML table appears once
    EXPECT_NE(titan.find("tensor_parallel_degree = 8"), std::string::npos);
    EXPECT_NE(titan.find("data_parallel_shard_degree = " + std::to_string(s.parallelism.dp)), std::string::npos);
    const LaunchConfig nemo = launch_config(s, LaunchFramework::nemo);
    EXPECT_NE(nemo.text.find("trainer.strategy.pipeline_model_parallel_size=16"), std::string::npos);
    // What does not carry over is said, not hidden: TorchTitan has no Megatron-style selective.
    const Scenario selective = test::scenario(test::kLlama405b, {{"parallelism.recompute", "selective"}});
    const LaunchConfig t = launch_config(selective, LaunchFramework::torchtitan);
    EXPECT_FALSE(t.notes.empty());
    EXPECT_NE(t.text.find("# Megatron's selective recomputation"), std::string::npos);
    EXPECT_THROW(parse_launch_framework("deepspeed"), InputError);
    // The attention kernel priced is the one asked of Megatron-Core (cuDNN is its "fused").
    EXPECT_NE(megatron.find("--attention-backend flash"), std::string::npos);
    const Scenario cudnn = test::scenario(test::kLlama405b, {{"training.attention", "cudnn"}});
    EXPECT_NE(launch_config(cudnn, LaunchFramework::megatron).text.find("--attention-backend fused"), std::string::npos);
}

TEST(LaunchConfig, AsyncTpIsEmittedExactlyWhenItIsPriced) {
    // The cost model overlaps TP communication only with sequence parallelism
    // (tp_overlaps); the TorchTitan config asks for AsyncTP by the same rule.
    const auto titan = [](const char* sp) {
        const Scenario s = test::scenario(test::kLlama405b, {{"parallelism.tp_overlap", "true"},
                                                             {"parallelism.sequence_parallel", sp}});
        return launch_config(s, LaunchFramework::torchtitan).text;
    };
    EXPECT_NE(titan("true").find("enable_async_tensor_parallel = true"), std::string::npos);
    EXPECT_EQ(titan("false").find("enable_async_tensor_parallel"), std::string::npos);
}

TEST(LaunchConfig, CommandLine) {
    const std::string file = std::string(COLOSSIM_SOURCE_DIR) + "/examples/llama3-405b.yaml";
    auto r = test::run_cli("estimate " + file + " --emit megatron");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out.rfind("# colossim predicts: step", 0), 0u);
    EXPECT_NE(r.out.find("--tensor-model-parallel-size 8"), std::string::npos);
    r = test::run_cli("plan --model llama3-8b --cluster dgx-h100 --gpus 64 --seq-len 8192 --global-batch 64 --emit torchtitan");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("[parallelism]"), std::string::npos);
    EXPECT_EQ(test::run_cli("estimate " + file + " --emit deepspeed").status, 2);
    EXPECT_EQ(test::run_cli("estimate " + file + " --emit megatron --json").status, 2);
    EXPECT_EQ(test::run_cli("plan --model llama3-8b --cluster dgx-h100 --gpus 64..128 --seq-len 8192 --global-batch 64 "
                            "--tokens 1T --emit nemo").status, 2);
}
