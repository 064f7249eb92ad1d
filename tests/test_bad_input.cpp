// Every kind of bad input gets an InputError naming the field, the value and what is valid.
#include <gtest/gtest.h>

#include "helpers.hpp"

using namespace colossim;

namespace {
// Loads the flagship scenario with `overrides`; expects an InputError on `field` whose
// message contains `fragment`.
void expect_error(const std::vector<Override>& overrides, const std::string& field, const std::string& fragment,
                  const std::string& yaml = test::kLlama405b) {
    try {
        test::scenario(yaml, overrides);
        FAIL() << "no error for field " << field;
    } catch (const InputError& e) {
        EXPECT_EQ(e.field(), field) << e.what();
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
}
}  // namespace

TEST(BadInput, UnknownNamesSuggestTheClosest) {
    expect_error({{"model", "llama3-450b"}}, "model", "did you mean 'llama3-405b'");
    expect_error({{"cluster", "dgx-h10"}}, "cluster", "did you mean 'dgx-h100'");
    expect_error({{"hardware.gpu", "h100"}}, "hardware.gpu", "did you mean");
}

TEST(BadInput, MissingFields) {
    expect_error({}, "training.seq_len", "required", "model: llama3-8b\ncluster: dgx-h100\ngpus: 8\ntraining: {global_batch: 8}\n");
    expect_error({}, "training.global_batch", "required", "model: llama3-8b\ncluster: dgx-h100\ngpus: 8\ntraining: {seq_len: 8}\n");
    expect_error({}, "model", "required", "cluster: dgx-h100\ngpus: 8\ntraining: {seq_len: 8, global_batch: 8}\n");
    expect_error({}, "gpus", "required", "model: llama3-8b\ncluster: dgx-h100\ntraining: {seq_len: 8, global_batch: 8}\n");
}

TEST(BadInput, NegativeZeroAndNonNumbers) {
    expect_error({{"parallelism.tp", "0"}}, "parallelism.tp", "a whole number from 1");
    expect_error({{"parallelism.pp", "-4"}}, "parallelism.pp", "a whole number from 1");
    expect_error({{"gpus", "1e15"}}, "gpus", "to 1 T");
    expect_error({{"gpus", "many"}}, "gpus", "whole number");
    expect_error({{"training.micro_batch", "1.5"}}, "training.micro_batch", "whole number");
    expect_error({{"hardware.nic_bw", "0 Gbit/s"}}, "hardware.nic_bw", "positive");
    expect_error({{"hardware.nic_bw", "400"}}, "hardware.nic_bw", "400 Gbit/s");
    expect_error({{"parallelism.recompute", "some"}}, "parallelism.recompute", "none selective full");
    expect_error({{"parallelism.zero", "4"}}, "parallelism.zero", "0 1 2 3");
    expect_error({{"training.precision", "fp4"}}, "training.precision", "bf16");
    expect_error({{"training.cuda_device_max_connections", "0"}}, "training.cuda_device_max_connections", "from 1 to 32");
    expect_error({{"training.cuda_device_max_connections", "64"}}, "training.cuda_device_max_connections", "from 1 to 32");
}

TEST(BadInput, SizesThatDoNotDivide) {
    expect_error({{"parallelism.tp", "3"}, {"gpus", "768"}}, "parallelism.tp", "must divide attention heads (128)");
    expect_error({{"parallelism.tp", "16"}}, "parallelism.tp", "key/value heads (8)");
    expect_error({{"gpus", "1000"}}, "gpus", "multiple of tp*pp*cp = 128");
    expect_error({{"training.global_batch", "1000"}}, "training.global_batch", "multiple of micro_batch x dp");
    expect_error({{"parallelism.cp", "3"}, {"gpus", "384"}}, "parallelism.cp", "2*cp must divide seq_len");
    // experts: Mixtral's 8 experts cannot be split 3 ways
    expect_error({{"model", "mixtral-8x7b"}, {"parallelism.ep", "3"}, {"parallelism.tp", "1"}, {"parallelism.pp", "1"},
                  {"gpus", "48"}, {"training.global_batch", "48"}},
                 "parallelism.ep", "must divide the experts (8)");
    expect_error({{"model", "llama3-8b"}, {"parallelism.ep", "2"}}, "parallelism.ep", "no experts");
}

TEST(BadInput, ProductOfSizesMustMatchTheGpus) {
    expect_error({{"parallelism.dp", "64"}}, "parallelism.dp", "must equal gpus = 16384");
}

TEST(BadInput, PipelineStagesWithoutLayers) {
    expect_error({{"model", "llama3-8b"}, {"parallelism.pp", "64"}, {"parallelism.vpp", "1"}, {"gpus", "512"},
                  {"training.global_batch", "512"}},
                 "parallelism.pp", "without layers");
    expect_error({{"parallelism.vpp", "16"}}, "parallelism.vpp", "at most the layers of every stage");
    // the interleaved schedule takes micro-batches in groups of pp: 2048 / 256 = 8 is not a multiple of 16
    expect_error({{"parallelism.tp", "4"}}, "parallelism.vpp", "a multiple of pp = 16");
}

TEST(BadInput, MalformedYamlAndJson) {
    // The message says what the file was for.
    expect_error({}, "scenario", "the scenario file is not valid YAML", "model: [llama\n");
    expect_error({}, "scenario", "the scenario file holds a single value", "just a sentence\n");
    expect_error({}, "scenario", "the scenario file holds a list", "- a\n- b\n");
    Diagnostics d;
    std::string path = test::source_path("tests/data/bad/broken-config.json");
    try {
        test::catalog().model(path, "model", d);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_EQ(e.field(), "model");
        EXPECT_EQ(e.value(), path);
        EXPECT_NE(std::string(e.what()).find("the model file"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("line"), std::string::npos);
    }
}

TEST(BadInput, HfConfigOfAnUnknownFamily) {
    Diagnostics d;
    std::string path = test::source_path("tests/data/bad/unknown-family.json");
    try {
        test::catalog().model(path, "model", d);
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(e.field().find("model_type"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("llama"), std::string::npos);
    }
}

TEST(BadInput, MissingFile) {
    expect_error({{"model", "/nonexistent/config.json"}}, "model", "readable file");
}

TEST(BadInput, NewScenarioFieldsRefuseHostileValues) {
    // Sequence lengths with K/M suffixes, the MoE overlap switch, the kernel and
    // checkpointing choices added with the accuracy work ("0.5k" is 512, a whole number, and
    // passes; "0.3k" is 307.2 and does not).
    for (const char* v : {"1e308", "1e308k", "0k", "-8k", "8kk", "8Mk", "0.3k", "17M", ""}) {
        expect_error({{"training.seq_len", v}}, "training.seq_len", "tokens");
    }
    expect_error({{"parallelism.ep_overlap", "maybe"}}, "parallelism.ep_overlap", "on");
    expect_error({{"training.attention", "flash3"}}, "training.attention", "flash1");
    expect_error({{"parallelism.recompute", "op"}}, "parallelism.recompute", "selective-op");
    expect_error({{"training.elementwise", "compiled"}}, "training.elementwise", "eager");
    expect_error({{"parallelism.moe_dispatcher", "nccl"}}, "parallelism.moe_dispatcher", "deepep");
    // group-limited routing: groups divide the experts; the chosen groups hold top_k experts
    auto moe_model = [](const char* groups) {
        return std::string("model: {name: m, layers: 4, hidden: 1024, heads: 8, vocab: 1000, max_seq_len: 2048, ") +
               "activation: swiglu, moe: {experts: 64, top_k: 8, ffn_hidden: 512, " + groups +
               "}}\ncluster: dgx-h100\ngpus: 8\ntraining: {seq_len: 2048, global_batch: 8}\n";
    };
    expect_error({}, "model.moe.groups", "divide", moe_model("groups: 6, group_top_k: 2"));
    expect_error({}, "model.moe.group_top_k", "top_k", moe_model("groups: 16, group_top_k: 1"));
    expect_error({}, "model.moe.group_top_k", "moe.groups", moe_model("group_top_k: 2"));
    expect_error({{"parallelism.recompute_layers", "4"}, {"parallelism.recompute", "selective"}},
                 "parallelism.recompute_layers", "recompute is full");
    expect_error({{"parallelism.recompute_layers", "1000"}, {"parallelism.recompute", "full"}}, "parallelism.recompute_layers",
                 "layers");
    expect_error({{"parallelism.recompute_layers", "-1"}, {"parallelism.recompute", "full"}}, "parallelism.recompute_layers", "");
    // A segment is 1..nodes of one NVLink domain (dgx-h100: the 8-GPU node itself).
    for (const char* v : {"0", "2", "-1", "1e9", "x"}) expect_error({{"hardware.segment", v}}, "hardware.segment", "1");
}

TEST(BadInput, MessagesAreValidUtf8WhateverTheInput) {
    // Control bytes and bytes that are not UTF-8 are escaped; real UTF-8 passes through.
    EXPECT_EQ(printable(std::string("a\x01" "b\xff" "c")), "a\\x01b\\xffc");
    EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                 // overlong '/'
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");         // a surrogate
    EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");                  // cut short
    try {
        test::scenario(test::kLlama405b, {{"model", "llama\x01\xfe"}});
        FAIL();
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()).find('\x01'), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("llama\\x01\\xfe"), std::string::npos);
        EXPECT_EQ(e.value(), "llama\x01\xfe");  // the value itself is kept as given
    }
    Diagnostics d;
    d.warn("key '\x1b[31m' ignored");
    EXPECT_EQ(d.warnings.front(), "key '\\x1b[31m' ignored");
}

TEST(BadInput, ARepeatedKeyTakesItsLastValueWithAWarning) {
    Diagnostics d;
    const Scenario s = load_scenario("model: llama3-8b\ncluster: dgx-h100\ngpus: 8\nmodel: llama3-70b\n"
                                     "training: {seq_len: 4096, global_batch: 8, seq_len: 8192}\n",
                                     "dup.yaml", {}, test::catalog(), d);
    EXPECT_EQ(s.model.name, "llama3-70b");
    EXPECT_EQ(s.training.seq_len, 8192);
    ASSERT_EQ(d.warnings.size(), 2u);
    EXPECT_NE(d.warnings[0].find("model is given more than once"), std::string::npos);
    EXPECT_NE(d.warnings[1].find("training.seq_len"), std::string::npos);
}

TEST(BadInput, QuantitiesOutsideAnyPhysicalRange) {
    for (const char* v : {"1e-300 B/s", "1e300 B/s", "inf B/s", "0 B/s"}) expect_error({{"hardware.nic_bw", v}}, "hardware.nic_bw", "");
    expect_error({{"hardware.nic_bw", "1e-300 B/s"}}, "hardware.nic_bw", "1 kB/s to 10 PB/s");
    expect_error({{"hardware.nvlink_bw", "1e30 GB/s"}}, "hardware.nvlink_bw", "10 PB/s");
    expect_error({{"hardware.gpus_per_node", "1000000000"}}, "hardware.gpus_per_node", "1 to 1024");
}
