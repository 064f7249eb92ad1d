// `colossim goodput`, `colossim datacenter` and the failure overhead of `estimate --tokens`
// as a user runs them: fields, exit status, reproducibility, bad input.
#include <gtest/gtest.h>

#include <algorithm>

#include "cli_helpers.hpp"
#include "helpers.hpp"

using colossim::test::CliRun;
using colossim::test::run_cli;

namespace {
std::string llama(const std::string& command) {
    return command + " " + colossim::test::source_path("examples/llama3-405b.yaml") + " ";
}

void expect_fields(const CliRun& r, std::initializer_list<const char*> keys) {
    ASSERT_EQ(r.status, 0) << r.out;
    for (const char* key : keys) EXPECT_NE(r.out.find(std::string("\"") + key + "\""), std::string::npos) << key;
}
}  // namespace

TEST(CliGoodput, JsonHasEveryField) {
    CliRun r = run_cli(llama("goodput") + "--duration 54d --trials 200 --json");
    expect_fields(r, {"interruptions_expected", "job_mtbf_s", "checkpoint_interval_s", "checkpoint_write_s",
                      "restart_s", "goodput", "wall_clock_s", "mean", "p50", "p90", "p99", "interruptions",
                      "spares", "causes"});
}

TEST(CliGoodput, SeededRunsRepeat) {
    std::string cmd = llama("goodput") + "--duration 30d --trials 300 --seed 9 --json";
    CliRun a = run_cli(cmd), b = run_cli(cmd);
    ASSERT_EQ(a.status, 0) << a.out;
    EXPECT_EQ(a.out, b.out);
    EXPECT_NE(run_cli(llama("goodput") + "--duration 30d --trials 300 --seed 10 --json").out, a.out);
}

TEST(CliGoodput, TokensGiveTheWorkAndEstimateShowsFailures) {
    CliRun g = run_cli(llama("goodput") + "--trials 0");
    ASSERT_EQ(g.status, 0) << g.out;
    EXPECT_EQ(g.out.find("does not fit"), std::string::npos);
    // A job that cannot run is not priced silently.
    CliRun oom = run_cli(llama("goodput") + "--trials 0 --pp 8 --vpp 2");
    EXPECT_EQ(oom.status, 0);
    EXPECT_NE(oom.out.find("warning: the job does not fit in GPU memory: 81 GB a GPU"), std::string::npos) << oom.out;
    EXPECT_NE(g.out.find("goodput"), std::string::npos);
    CliRun e = run_cli(llama("estimate") + "--json");
    expect_fields(e, {"time_to_train_s", "time_to_train_with_failures_s", "goodput"});
    CliRun t = run_cli(llama("estimate"));
    EXPECT_NE(t.out.find("with failures"), std::string::npos) << t.out;
    // What-ifs on the hardware still estimate: a NIC faster than the fabric's ports is
    // counted a link a port. One size policy: beyond the cluster's largest build is a
    // warning; beyond what its fabric can hold (dgx-b200's 3 tiers of 64-port switches:
    // 65,536 GPUs) is refused, saying how to describe a bigger fabric.
    EXPECT_EQ(run_cli(llama("estimate") + "--nic-bw '800 Gbit/s'").status, 0);
    CliRun big = run_cli("estimate --model llama3-8b --cluster dgx-b200 --gpus 131072 --seq-len 8192 "
                         "--global-batch 131072 --tokens 1T --json");
    EXPECT_EQ(big.status, 2) << big.out;
    EXPECT_NE(big.out.find("gpus = 131072: at most 65536"), std::string::npos) << big.out;
    EXPECT_NE(big.out.find("describe a bigger fabric"), std::string::npos) << big.out;
    CliRun beyond = run_cli("estimate --model llama3-8b --cluster gb200-nvl72 --gpus 18432 --seq-len 8192 --global-batch 18432");
    EXPECT_EQ(beyond.status, 0) << beyond.out;
    EXPECT_NE(beyond.out.find("more than the largest gb200-nvl72 built (9216)"), std::string::npos) << beyond.out;
    EXPECT_EQ(run_cli("plan --model llama3-8b --cluster dgx-b200 --gpus 131072 --seq-len 8192 --global-batch 131072").status, 2);
    // Without tokens the new fields are null, as time_to_train_s is.
    CliRun n = run_cli("estimate --model llama3-8b --cluster dgx-h100 --gpus 8 --seq-len 8192 --global-batch 8 --json");
    EXPECT_NE(n.out.find("\"time_to_train_with_failures_s\": null"), std::string::npos) << n.out;
}

TEST(CliGoodput, BadInputIsOneLineAndStatus2) {
    CliRun t = run_cli(llama("goodput") + "--duration 54d --trials 100000000");
    EXPECT_EQ(t.status, 2);
    EXPECT_EQ(t.out, "colossim: error: trials = 100000000: a whole number from 0 to 10 M\n");
    CliRun bw = run_cli(llama("goodput") + "--duration 54d --storage-bw '0 TB/s'");
    EXPECT_EQ(bw.status, 2);
    EXPECT_EQ(bw.out, "colossim: error: storage_bandwidth = 0 TB/s: a positive quantity with its unit, e.g. "
                      "\"400 Gbit/s\"\n");
    EXPECT_EQ(run_cli(llama("goodput") + "--duration -3d").status, 2);
    EXPECT_EQ(run_cli(llama("goodput") + "--duration 54d --restart-time soon").status, 2);
    EXPECT_EQ(run_cli(llama("goodput") + "--duration 54d --failures nosuch").status, 2);
    CliRun none = run_cli("goodput --model llama3-8b --cluster dgx-h100 --gpus 8 --seq-len 8192 --global-batch 8");
    EXPECT_EQ(none.status, 2);
    EXPECT_NE(none.out.find("--duration"), std::string::npos);
}

TEST(CliDatacenter, JsonHasEveryField) {
    CliRun r = run_cli("datacenter --cluster colossus --gpus 100000 --json");
    expect_fields(r, {"nodes", "racks", "nvlink_domains", "switches", "leaf", "spine", "core", "links", "nic_leaf",
                      "transceivers", "it_power_mw", "facility_power_mw", "capex_usd", "power_cost_usd_per_year"});
    EXPECT_NE(r.out.find("\"nodes\": 12500"), std::string::npos);
    CliRun t = run_cli("datacenter --cluster dgx-h100 --gpus 1024 --duration 30d --price-gpu 30000");
    ASSERT_EQ(t.status, 0) << t.out;
    EXPECT_NE(t.out.find("2-tier"), std::string::npos) << t.out;
}

TEST(CliDatacenter, BadInputIsOneLineAndStatus2) {
    CliRun big = run_cli("datacenter --cluster colossus --gpus 600000");
    EXPECT_EQ(big.status, 2);
    EXPECT_EQ(big.out.rfind("colossim: error: gpus = 600000: at most 524288 GPUs on a 3-tier fat tree of 128-port SN5600 "
                            "switches (1 plane(s)); for more, describe a bigger fabric",
                            0),
              0u)
        << big.out;
    EXPECT_EQ(std::count(big.out.begin(), big.out.end(), '\n'), 1);  // one line
    EXPECT_EQ(run_cli("datacenter --cluster colossus --gpus 0").status, 2);
    EXPECT_EQ(run_cli("datacenter --cluster colossus --gpus 8 --price-gpu -1").status, 2);
    EXPECT_EQ(run_cli("datacenter --gpus 8").status, 2);
    EXPECT_EQ(run_cli("datacenter --cluster colosus --gpus 8").status, 2);
}
