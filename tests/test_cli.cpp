// The colossim command as a user runs it: output fields, exit status, error messages.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cli_helpers.hpp"
#include "helpers.hpp"

namespace {
using colossim::test::CliRun;
using colossim::test::run_cli;

const std::string kFlagship =
    "estimate --model llama3-405b --cluster dgx-h100 --gpus 16384 --tp 8 --pp 16 --seq-len 8192 "
    "--global-batch 2048 --micro-batch 1 --json";
}  // namespace

TEST(Cli, FlagshipJsonHasEveryField) {
    CliRun r = run_cli(kFlagship + " --tokens 15.6T");
    ASSERT_EQ(r.status, 0) << r.out;
    for (const char* key : {"\"step_time_s\"", "\"mfu\"", "\"hfu\"", "\"model_tflops_per_gpu\"",
                            "\"hardware_tflops_per_gpu\"", "\"tokens_per_s\"", "\"breakdown\"", "\"memory\"",
                            "\"weights_bytes\"", "\"gradients_bytes\"", "\"optimizer_bytes\"", "\"activations_bytes\"",
                            "\"total_bytes\"", "\"capacity_bytes\"", "\"fits\"", "\"time_to_train_s\"", "\"gpu_hours\"",
                            "\"energy_mwh\"", "\"cost_usd\""}) {
        EXPECT_NE(r.out.find(key), std::string::npos) << key;
    }
}

TEST(Cli, HuggingFaceConfigGivesTheSameEstimate) {
    CliRun a = run_cli(kFlagship);
    CliRun b = run_cli("estimate --model " + colossim::test::source_path("tests/data/hf/llama3.1-405b.json") +
                     " --cluster dgx-h100 --gpus 16384 --tp 8 --pp 16 --seq-len 8192 --global-batch 2048 "
                     "--micro-batch 1 --json");
    ASSERT_EQ(b.status, 0) << b.out;
    auto field = [](const std::string& s, const std::string& k) {
        auto p = s.find("\"" + k + "\"");
        return s.substr(p, s.find('\n', p) - p);
    };
    EXPECT_EQ(field(a.out, "step_time_s"), field(b.out, "step_time_s"));
}

TEST(Cli, ScenarioFileAndFlags) {
    CliRun e = run_cli("estimate " + colossim::test::source_path("examples/llama3-405b.yaml") + " --zero 1 --json");
    ASSERT_EQ(e.status, 0) << e.out;
    EXPECT_NE(e.out.find("\"zero\": 1"), std::string::npos);
    EXPECT_NE(e.out.find("\"vpp\": 4"), std::string::npos);  // from the file
}

TEST(Cli, BadInputIsOneLineAndStatus2) {
    CliRun r = run_cli("estimate --model llama3-450b --cluster dgx-h100 --gpus 8 --seq-len 8 --global-batch 8");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "colossim: error: model = llama3-450b: did you mean 'llama3-405b'? (a model from `colossim list "
                     "models` or a file path)\n");
    CliRun t = run_cli("estimate --model llama3-405b --cluster dgx-h100 --gpus 24 --tp 3 --seq-len 8 --global-batch 8");
    EXPECT_EQ(t.status, 2);
    EXPECT_EQ(t.out, "colossim: error: parallelism.tp = 3: must divide attention heads (128); valid: 1, 2, 4, 8, 16, "
                     "32, 64, 128\n");
    EXPECT_EQ(run_cli("estimate --frobnicate").status, 2);
    EXPECT_EQ(run_cli("estimate /nonexistent.yaml").status, 2);
}

TEST(Cli, SwitchFlagsTakeOnOff) {
    CliRun r = run_cli(kFlagship + " --sequence-parallel off");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("\"sequence_parallel\": false"), std::string::npos);
}

TEST(Cli, EverySwitchWorksBareAndWithAValue) {
    // The help says "flag alone: on": bare at the end, bare before the scenario file (it
    // must not swallow it), and with on/off/true/false/yes/no.
    const std::string file = std::string(COLOSSIM_SOURCE_DIR) + "/examples/llama3-405b.yaml";
    for (const std::string flag : {"sequence-parallel", "dp-overlap", "dropout"}) {
        const std::string key = flag == "dropout" ? "" : (flag == "sequence-parallel" ? "sequence_parallel" : "dp_overlap");
        auto value_of = [&](const CliRun& r) {
            const auto p = r.out.find("\"" + key + "\": ");
            return p == std::string::npos ? std::string() : r.out.substr(p + key.size() + 4, 4);
        };
        CliRun off = run_cli("estimate " + file + " --json --" + flag + " off");
        for (const std::string& form : {" --" + flag, " --" + flag + " on", " --" + flag + "=true", " --" + flag + " yes"}) {
            CliRun at_end = run_cli("estimate " + file + " --json" + form);
            CliRun before = run_cli("estimate" + form + " " + file + " --json");
            ASSERT_EQ(at_end.status, 0) << form << ": " << at_end.out;
            ASSERT_EQ(before.status, 0) << form << ": " << before.out;
            EXPECT_EQ(at_end.out, before.out) << form;
            EXPECT_NE(at_end.out, off.out) << form << " must differ from off";
            if (!key.empty()) {
                EXPECT_EQ(value_of(at_end), "true") << form;
            }
        }
        for (const std::string& form : {" --" + flag + " off", " --" + flag + "=false", " --" + flag + " no"}) {
            CliRun r = run_cli("estimate " + file + " --json" + form);
            ASSERT_EQ(r.status, 0) << form;
            EXPECT_EQ(r.out, off.out) << form;
        }
        EXPECT_EQ(run_cli("estimate " + file + " --" + flag + " maybe").status, 2);
    }
}

TEST(Cli, AFailedWriteOfStandardOutputIsExit1) {
    // /dev/full accepts nothing: the output is lost, so success would be a lie.
    EXPECT_EQ(run_cli(kFlagship + " > /dev/full").status, 1);
    EXPECT_EQ(run_cli("list gpus > /dev/full").status, 1);
    EXPECT_EQ(run_cli("validate --json > /dev/full").status, 1);
    EXPECT_EQ(run_cli(kFlagship + " > /dev/null").status, 0);
}

TEST(Cli, FilesThatAreNotRegularOrTooBigAreRefusedBeforeReading) {
    // /dev/zero never ends, a FIFO blocks, a directory reads as nothing, 17 MiB is over
    // the 16 MiB bound: each is exit 2 naming the flag, at once.
    const std::string fifo = std::string(COLOSSIM_BINARY) + ".test-fifo";
    const std::string big = std::string(COLOSSIM_BINARY) + ".test-big.yaml";
    std::remove(fifo.c_str());
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    {
        std::FILE* f = std::fopen(big.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        const std::string line(1 << 20, '#');
        for (int i = 0; i < 17; ++i) std::fwrite(line.data(), 1, line.size(), f);
        std::fclose(f);
    }
    const std::string rest = " --cluster dgx-h100 --gpus 8 --seq-len 8 --global-batch 8";
    for (const std::string& model : {std::string("/dev/zero"), fifo, std::string("/tmp")}) {
        CliRun r = run_cli("estimate --model " + model + rest);
        EXPECT_EQ(r.status, 2) << model;
        EXPECT_NE(r.out.find("model = " + model + ": a regular file"), std::string::npos) << r.out;
    }
    CliRun r = run_cli("estimate " + big);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.out.find("at most 16 MiB"), std::string::npos) << r.out;
    EXPECT_EQ(run_cli("estimate --cluster /dev/urandom --model llama3-8b --gpus 8 --seq-len 8 --global-batch 8").status, 2);
    // validate --suite reads through the same bounded reader; an empty suite and an
    // absurd published figure are refused too.
    for (const std::string& suite : {std::string("/dev/zero"), fifo, std::string("/tmp"), big}) {
        EXPECT_EQ(run_cli("validate --suite " + suite).status, 2) << suite;
    }
    const std::string empty = std::string(COLOSSIM_BINARY) + ".test-empty.yaml";
    const std::string absurd = std::string(COLOSSIM_BINARY) + ".test-absurd.yaml";
    std::fclose(std::fopen(empty.c_str(), "wb"));
    {
        std::FILE* f = std::fopen(absurd.c_str(), "wb");
        std::fputs("suite: x\nsource: y\nmetric: step_time_s\ncases:\n  - {name: a, published: 1e308, model: llama3-8b, "
                   "cluster: dgx-h100, gpus: 8, training: {seq_len: 8, global_batch: 8}}\n", f);
        std::fclose(f);
    }
    CliRun e = run_cli("validate --suite " + empty);
    EXPECT_EQ(e.status, 2);
    EXPECT_NE(e.out.find("empty"), std::string::npos) << e.out;
    CliRun a = run_cli("validate --suite " + absurd);
    EXPECT_EQ(a.status, 2);
    EXPECT_NE(a.out.find("at most 1e9"), std::string::npos) << a.out;
    std::remove(empty.c_str());
    std::remove(absurd.c_str());
    std::remove(fifo.c_str());
    std::remove(big.c_str());
}

TEST(Cli, ThousandsOfUnknownKeysGiveTwentyWarningsAndACount) {
    const std::string file = std::string(COLOSSIM_BINARY) + ".test-keys.yaml";
    {
        std::FILE* f = std::fopen(file.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::fputs("model: llama3-8b\ncluster: dgx-h100\ngpus: 8\ntraining: {seq_len: 8, global_batch: 8}\n", f);
        for (int i = 0; i < 5000; ++i) std::fprintf(f, "unknown_%d: 1\n", i);
        std::fclose(f);
    }
    CliRun r = run_cli("estimate " + file + " --json");
    EXPECT_EQ(r.status, 0);
    std::size_t lines = 0;
    for (std::size_t p = 0; (p = r.out.find("colossim: warning:", p)) != std::string::npos; ++p) ++lines;
    EXPECT_EQ(lines, 21u);
    EXPECT_NE(r.out.find("... and 4980 more warnings"), std::string::npos);
    std::remove(file.c_str());
}

TEST(Cli, VersionAndSubcommandTypos) {
    CliRun v = run_cli("--version");
    EXPECT_EQ(v.status, 0);
    EXPECT_EQ(v.out.rfind("colossim ", 0), 0u) << v.out;
    CliRun typo = run_cli("estimat --model llama3-8b");
    EXPECT_EQ(typo.status, 2);
    EXPECT_NE(typo.out.find("did you mean 'estimate'?"), std::string::npos) << typo.out;
    EXPECT_EQ(run_cli("frobnicate").status, 2);
}

TEST(Cli, MegatronArgumentNamesAreAliases) {
    // Megatron-LM's names for the same settings give the same estimate, and --help lists them.
    const std::string ours = run_cli(kFlagship + " --vpp 4 --dp-overlap off").out;
    CliRun theirs = run_cli(
        "estimate --model llama3-405b --cluster dgx-h100 --gpus 16384 --tensor-model-parallel-size 8 "
        "--pipeline-model-parallel-size 16 --virtual-pipeline-model-parallel-size 4 --seq-length 8192 "
        "--global-batch-size 2048 --micro-batch-size 1 --overlap-grad-reduce off --json");
    EXPECT_EQ(theirs.status, 0) << theirs.out;
    EXPECT_EQ(theirs.out, ours);
    const std::string help = run_cli("estimate --help").out;
    for (const char* name : {"--tensor-model-parallel-size", "--expert-model-parallel-size", "--seq-length",
                             "--recompute-granularity", "--decoder-first-pipeline-num-layers"}) {
        EXPECT_NE(help.find(name), std::string::npos) << name;
    }
    CliRun bare = run_cli(kFlagship + " --overlap-grad-reduce");  // a switch alone means on
    EXPECT_EQ(bare.status, 0) << bare.out;
}

TEST(Cli, MistypedFlagNamesTheClosest) {
    CliRun r = run_cli("estimate --model llama3-8b --tpp 8");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.out.find("--tpp is not a flag of 'estimate'; did you mean --tp?"), std::string::npos) << r.out;
    CliRun m = run_cli("plan --model llama3-8b --seq-lenght 8192");
    EXPECT_EQ(m.status, 2);
    EXPECT_NE(m.out.find("did you mean --seq-len"), std::string::npos) << m.out;  // --seq-len or --seq-length
}

TEST(Cli, SequenceLengthsInKAreBinary) {
    // "8k" tokens is 8,192 as papers write it, not 8,000; "1M" is 1,048,576.
    EXPECT_EQ(run_cli(kFlagship).out, run_cli(
        "estimate --model llama3-405b --cluster dgx-h100 --gpus 16384 --tp 8 --pp 16 --seq-len 8k "
        "--global-batch 2048 --micro-batch 1 --json").out);
    const std::string long_context = "estimate --model llama3-8b --cluster dgx-h100 --gpus 8 --global-batch 1 --cp 8 --json --seq-len ";
    CliRun big = run_cli(long_context + "1M");
    EXPECT_EQ(big.status, 0) << big.out;
    EXPECT_EQ(big.out, run_cli(long_context + "1048576").out);
    CliRun bad = run_cli("estimate --model llama3-8b --cluster dgx-h100 --gpus 8 --seq-len 8.5x --global-batch 8");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.out.find("training.seq_len = 8.5x"), std::string::npos) << bad.out;
}

TEST(Cli, DurationsNeedTheirUnit) {
    // "--duration 54" could be seconds or days: refused, naming the field and the fix.
    CliRun g = run_cli("goodput " + colossim::test::source_path("examples/llama3-405b.yaml") + " --duration 54");
    EXPECT_EQ(g.status, 2);
    EXPECT_NE(g.out.find("duration = 54: a duration with its unit"), std::string::npos) << g.out;
    CliRun d = run_cli("datacenter --cluster dgx-h100 --gpus 1024 --duration 90");
    EXPECT_EQ(d.status, 2);
    EXPECT_NE(d.out.find("e.g. \"54d\""), std::string::npos) << d.out;
    EXPECT_EQ(run_cli("datacenter --cluster dgx-h100 --gpus 1024 --duration 90d").status, 0);
}

TEST(Cli, Fp8MfuIsAgainstTheBf16Peak) {
    // As published FP8 runs report it: the FP8 run's MFU rises with its throughput.
    const std::string base = "estimate --model llama3-70b --cluster dgx-h100 --gpus 64 --tp 8 --pp 1 --seq-len 8192 "
                             "--global-batch 64 --micro-batch 1 --json --precision ";
    auto mfu = [](const std::string& json) {
        const auto at = json.find("\"mfu\": ");
        return std::stod(json.substr(at + 7));
    };
    auto tokens = [](const std::string& json) {
        const auto at = json.find("\"tokens_per_s\": ");
        return std::stod(json.substr(at + 16));
    };
    const std::string bf16 = run_cli(base + "bf16").out, fp8 = run_cli(base + "fp8").out;
    EXPECT_GT(tokens(fp8), tokens(bf16));
    EXPECT_NEAR(mfu(fp8) / mfu(bf16), tokens(fp8) / tokens(bf16), 1e-9);
    EXPECT_NE(run_cli(base + "fp8").out.find("\"mfu\""), std::string::npos);
}

TEST(Cli, ListShowValidate) {
    CliRun l = run_cli("list gpus");
    EXPECT_EQ(l.status, 0);
    EXPECT_NE(l.out.find("h100-sxm\n"), std::string::npos);
    CliRun s = run_cli("show cluster colossus");
    EXPECT_EQ(s.status, 0);
    EXPECT_NE(s.out.find("h100"), std::string::npos);
    EXPECT_EQ(run_cli("show gpu h1000").status, 2);
    CliRun v = run_cli("validate");
    EXPECT_EQ(v.status, 0);
    EXPECT_NE(v.out.find("mean absolute error"), std::string::npos);
}

namespace {
std::string without_line(std::string s, const std::string& key) {
    auto p = s.find("\"" + key + "\"");
    if (p == std::string::npos) return s;
    auto start = s.rfind('\n', p);
    return s.erase(start, s.find('\n', p) - start);
}
const std::string kPlanAnyCount = "plan --model gpt3-175b --cluster dgx-a100 --seq-len 2048 --global-batch 1536 ";
const std::string kPlan = kPlanAnyCount + "--gpus 1024 ";
}  // namespace

TEST(CliPlan, JsonFieldsAndSameOutputForAnyThreadCount) {
    CliRun one = run_cli(kPlan + "--json --top 5 --threads 1");
    CliRun two = run_cli(kPlan + "--json --top 5 --threads 2");
    ASSERT_EQ(one.status, 0) << one.out;
    for (const char* key : {"\"evaluated\"", "\"elapsed_s\"", "\"rejected\"", "\"plans\"", "\"tp\"", "\"pp\"", "\"vpp\"",
                            "\"dp\"", "\"cp\"", "\"ep\"", "\"zero\"", "\"recompute\"", "\"sequence_parallel\"",
                            "\"micro_batch\"", "\"step_time_s\"", "\"mfu\"", "\"memory\""}) {
        EXPECT_NE(one.out.find(key), std::string::npos) << key;
    }
    EXPECT_EQ(without_line(one.out, "elapsed_s"), without_line(two.out, "elapsed_s"));
}

TEST(CliPlan, RangesDeadlinesAndRefusals) {
    CliRun pareto = run_cli(kPlanAnyCount + "--gpus 256..1024 --tokens 300B");
    EXPECT_EQ(pareto.status, 0) << pareto.out;
    EXPECT_NE(pareto.out.find("Pareto front"), std::string::npos);
    CliRun deadline = run_cli(kPlanAnyCount + "--gpus 256..4096 --tokens 300B --deadline 60d");
    EXPECT_EQ(deadline.status, 0) << deadline.out;
    EXPECT_NE(deadline.out.find("fewest GPUs that meet"), std::string::npos);
    EXPECT_EQ(run_cli(kPlan + "--deadline 60d").status, 2);  // needs --tokens
    CliRun refined = run_cli(kPlan + "--refine 3");
    EXPECT_EQ(refined.status, 0) << refined.out;
    EXPECT_NE(refined.out.find("re-ranked by the event engine"), std::string::npos);
    EXPECT_EQ(run_cli(kPlanAnyCount + "--gpus 256..1024 --tokens 300B --refine 2").status, 2);
    EXPECT_EQ(run_cli(kPlanAnyCount + "--gpus 4096..1024 --tokens 1T").status, 2);
}

TEST(CliSweep, MpiRanksPrintWhatOneProcessPrints) {
    const std::string grid = colossim::test::source_path("examples/sweep.yaml");
    CliRun single = run_cli("sweep " + grid + " --json");
    ASSERT_EQ(single.status, 0) << single.out;
    if (std::system("command -v mpirun > /dev/null 2>&1") != 0) GTEST_SKIP() << "mpirun is not installed";
    // Under the sanitizer build (scripts/check-sanitizers.sh) the ranks keep ASan and UBSan
    // but not LeakSanitizer: OpenMPI's plugins are unloaded before the leak check, so their
    // allocations cannot be told from ours by a suppression (the single-process sweep
    // above is leak-checked).
    std::string cmd = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 OMPI_ALLOW_RUN_AS_ROOT=1 "
                      "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 3 " +
                      std::string(COLOSSIM_BINARY) + " sweep " + grid + " --json 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf;
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    EXPECT_EQ(pclose(p), 0);
    EXPECT_EQ(out, single.out);
}

TEST(CliSimulate, JsonTraceAndRefusals) {
    const std::string file = colossim::test::source_path("examples/llama3-405b.yaml");
    const std::string trace = "/tmp/colossim-test-trace-" + std::to_string(::getpid()) + ".json";
    CliRun r = run_cli("simulate " + file + " --json --trace " + trace);
    ASSERT_EQ(r.status, 0) << r.out;
    for (const char* key : {"\"step_time_s\"", "\"mfu\"", "\"breakdown\"", "\"memory\"", "\"engine\": \"event\"",
                            "\"schedule\": \"interleaved\"", "\"events\"", "\"mode\": \"symmetric\"", "\"links\"",
                            "\"level\": \"nic\"", "\"peak_utilization\"", "\"stages\"", "\"collectives_end_s\""}) {
        EXPECT_NE(r.out.find(key), std::string::npos) << key;
    }
    std::ifstream in(trace);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"traceEvents\""), std::string::npos);
    EXPECT_NE(text.find("\"ph\": \"X\""), std::string::npos);
    std::remove(trace.c_str());
    EXPECT_EQ(run_cli("simulate " + file + " --vpp 1 --schedule interleaved").status, 2);
    EXPECT_EQ(run_cli("simulate " + file + " --schedule zigzag").status, 2);
    EXPECT_EQ(run_cli("simulate " + file + " --slow-gpu 3x:1.2").status, 2);  // the whole value must parse
    EXPECT_EQ(run_cli("simulate " + file + " --slow-gpu 3:1.2").status, 0);
    // Refusals name the flag: a full-mode trace too large to open, a one-NIC fault in
    // symmetric mode, network flags without the network, a GPU that does not exist.
    EXPECT_EQ(run_cli("simulate " + file + " --mode full --trace " + trace).status, 2);
    CliRun sym = run_cli("simulate " + file + " --mode symmetric --lost-nic 3");
    EXPECT_EQ(sym.status, 2);
    EXPECT_NE(sym.out.find("--mode"), std::string::npos) << sym.out;
    EXPECT_EQ(run_cli("simulate " + file + " --contention off --mode full").status, 2);
    EXPECT_EQ(run_cli("simulate " + file + " --mode full --gpus 64 --pp 2 --vpp 1 --slow-nic 99:0.5").status, 2);
    EXPECT_EQ(run_cli("simulate " + file + " --mode full --gpus 64 --pp 2 --vpp 1 --slow-nic 9:1.5").status, 2);
    EXPECT_EQ(run_cli("simulate " + colossim::test::source_path("examples/llama3-405b-1m-gpus.yaml") + " --mode full").status, 2);
    for (const char* bad : {"--slow-nic -1:0.5", "--slow-uplink 99999:0.5", "--slow-uplink -1:0.5", "--slow-gpu -1:2"}) {
        CliRun r2 = run_cli("simulate " + file + " --mode full --gpus 64 --pp 2 --vpp 1 " + bad);
        EXPECT_EQ(r2.status, 2) << bad << "\n" << r2.out;
        EXPECT_NE(r2.out.find(std::string(bad).substr(0, std::string(bad).find(' '))), std::string::npos) << r2.out;
    }
}

TEST(CliCollective, TableAndRefusals) {
    CliRun r = run_cli("collective all-reduce --cluster dgx-h100 --gpus 8 --size 1MiB..4MiB");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("busbw GB/s"), std::string::npos);
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2 + 3);  // title, header, 3 sizes
    // A run that would start too many flows is refused at once, not left to run for hours.
    CliRun big = run_cli("collective all-reduce --cluster dgx-h100 --gpus 4096 --algorithm ring");
    EXPECT_EQ(big.status, 2);
    EXPECT_NE(big.out.find("flows"), std::string::npos);
    EXPECT_EQ(run_cli("collective all-reduce --cluster dgx-h100 --gpus 16 --slow-nic 99:0.5").status, 2);
}

TEST(Cli, OutputFilesAreWrittenWholeOrNotAtAll) {
    // A file a flag names is written under a temporary name and renamed: a directory that
    // is not there, a directory, or a FIFO is exit 1 with the reason, and no half file.
    const std::string plan = "plan --model llama3-8b --cluster dgx-h100 --gpus 64 --seq-len 8192 --global-batch 64 ";
    CliRun missing = run_cli(plan + "--csv /nonexistent-dir/plans.csv");
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.out.find("output file (--csv) /nonexistent-dir/plans.csv: No such file or directory"), std::string::npos)
        << missing.out;
    EXPECT_EQ(run_cli(plan + "--csv /tmp").status, 1);
    const std::string fifo = std::string(COLOSSIM_BINARY) + ".test-out.fifo";
    std::remove(fifo.c_str());
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    CliRun f = run_cli(plan + "--csv " + fifo);  // must not wait for a reader
    EXPECT_EQ(f.status, 1);
    EXPECT_NE(f.out.find("not a regular file"), std::string::npos);
    std::remove(fifo.c_str());
    const std::string good = std::string(COLOSSIM_BINARY) + ".test-out.csv";
    EXPECT_EQ(run_cli(plan + "--csv " + good).status, 0);
    std::ifstream in(good);
    std::string header;
    std::getline(in, header);
    EXPECT_EQ(header.rfind("model,cluster,", 0), 0u) << header;
    std::remove(good.c_str());
}

// Progress bars: on a terminal (a pseudo-terminal from util-linux's `script`) the commands
// that can take seconds draw one on standard error up to 100%; never with --json, and never
// into a pipe (every other CLI test reads through one and would see it).
TEST(Cli, ProgressOnATerminalOnly) {
    if (std::system("command -v script > /dev/null 2>&1") != 0) GTEST_SKIP() << "script (util-linux) is not installed";
    const std::string grid = ::testing::TempDir() + "progress-grid.yaml";
    std::ofstream(grid) << "models: [llama3-8b]\nclusters: [dgx-h100]\ngpus: [64]\n"
                           "training: {seq_len: 8192, global_batch: 256}\n";
    const std::string scenario = std::string(COLOSSIM_SOURCE_DIR) + "/examples/llama3-405b-pp8.yaml";
    const std::vector<std::string> commands = {
        "simulate " + scenario + " --gpus 64 --global-batch 16",
        "goodput " + scenario + " --gpus 64 --global-batch 16 --duration 54d --trials 2000",
        "sweep " + grid,
        "validate --engine event",
        "collective all-reduce --cluster dgx-h100 --gpus 64 --size 1MiB..64MiB",
    };
    const auto on_terminal = [](const std::string& args) {
        const std::string cmd = "script -qec '" + std::string(COLOSSIM_BINARY) + " " + args + "' /dev/null 2>&1";
        FILE* p = popen(cmd.c_str(), "r");
        std::string out;
        char buf[4096];
        while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
        const int st = pclose(p);
        return CliRun{WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
    };
    for (const auto& c : commands) {
        const auto bar = [](const std::string& out) { return out.find("] 100%") != std::string::npos; };
        const CliRun tty = on_terminal(c);
        EXPECT_EQ(tty.status, 0) << c << ": " << tty.out.substr(0, 400);
        EXPECT_TRUE(bar(tty.out)) << c;
        if (c.rfind("validate", 0) == 0) continue;  // 4 s a run (a minute under ASan): once is enough
        EXPECT_FALSE(bar(on_terminal(c + " --json").out)) << c << " --json";
        EXPECT_FALSE(bar(run_cli(c).out)) << c << " into a pipe";
    }
}

// Every switch every subcommand's --help documents ("[flag alone: on]") parses in each
// form: bare at the end, bare before the scenario file, and with on/off/true/false/yes/no.
TEST(Cli, EveryDocumentedSwitchOfEverySubcommandParsesInEveryForm) {
    // A small job, so that each of the ~150 runs takes milliseconds (also under ASan).
    const std::string file = ::testing::TempDir() + "switch-walk.yaml";
    std::ofstream(file) << "model: llama3-8b\ncluster: dgx-h100\ngpus: 16\nparallelism: {tp: 2, pp: 2}\n"
                           "training: {seq_len: 2048, global_batch: 32}\n";
    const std::vector<std::pair<std::string, std::string>> commands = {
        {"estimate", ""},
        {"plan", " --top 1 --threads 1"},
        {"simulate", ""},
        {"goodput", " --duration 1d --trials 10"},
        {"compare", " " + file},
        {"sweep", ""}, {"datacenter", ""}, {"collective", ""}, {"validate", ""}, {"serve", ""},
        {"list", ""}, {"show", ""},
    };
    int checked = 0;
    for (const auto& [command, rest] : commands) {
        const std::string help = run_cli(command + " --help").out;
        std::istringstream lines(help);
        std::string line, last_flag;
        std::vector<std::string> switches;
        while (std::getline(lines, line)) {
            const auto dash = line.find("--");
            if (dash != std::string::npos && line.find_first_not_of(' ') == dash) {
                last_flag = line.substr(dash + 2, line.find_first_of(" ,", dash) - dash - 2);
            }
            if (line.find("[flag alone: on]") != std::string::npos) switches.push_back(last_flag);
        }
        for (const auto& flag : switches) {
            for (const std::string& form : {" --" + flag, " --" + flag + " on", " --" + flag + " off", " --" + flag + "=true",
                                           " --" + flag + " false", " --" + flag + " yes", " --" + flag + " no"}) {
                const CliRun at_end = run_cli(command + " " + file + rest + form);
                EXPECT_EQ(at_end.status, 0) << command << form << ": " << at_end.out.substr(0, 300);
                ++checked;
            }
            const CliRun before = run_cli(command + " --" + flag + " " + file + rest);
            EXPECT_EQ(before.status, 0) << command << " --" << flag << " before the file: " << before.out.substr(0, 300);
        }
    }
    EXPECT_GE(checked, 7 * 21);  // 4 scenario switches in 5 commands, and simulate's --contention
}
