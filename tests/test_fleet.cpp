// The fleet twin against closed forms and published figures: Erlang C queueing, one job
// alone against `goodput`'s closed form, Llama 3's interruptions, Kokolis et al.'s job
// failure rates by size (reported), and the mechanisms one by one: switches, placement,
// backfill, preemption, drains, spares, traces, determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli_helpers.hpp"
#include "colossim/fleet.hpp"
#include "colossim/fleet_report.hpp"
#include "colossim/plan.hpp"
#include "helpers.hpp"

namespace colossim {
namespace {

// An InputError whose field contains `field_part`.
#define EXPECT_INPUT_ERROR(expr, field_part)                                                    \
    do {                                                                                        \
        try {                                                                                   \
            (void)(expr);                                                                       \
            ADD_FAILURE() << "no error from " #expr;                                            \
        } catch (const InputError& e) {                                                         \
            EXPECT_NE(e.field().find(field_part), std::string::npos) << e.field() << ": " << e.what(); \
        }                                                                                       \
    } while (0)

FleetSpec fleet(const std::string& yaml, const std::vector<Override>& overrides = {}) {
    Diagnostics d;
    return load_fleet(yaml, "test", overrides, test::catalog(), d);
}

std::string temp_file(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("colossim-fleet-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << text;
    return path.string();
}

const JobOutcome& job_named(const FleetReplication& r, const std::string& name) {
    for (const auto& j : r.jobs) {
        if (j.name == name) return j;
    }
    throw std::runtime_error("no job " + name);
}

// M/M/c: the chance an arrival waits (Erlang C) and the mean wait C / (c mu - lambda).
double erlang_c_wait(int c, double lambda, double mu) {
    const double a = lambda / mu;
    double term = 1, sum = 1;  // a^k / k!, summed for k < c
    for (int k = 1; k < c; ++k) {
        term *= a / k;
        sum += term;
    }
    const double last = term * a / c;  // a^c / c!
    const double rho = a / c;
    const double pw = last / (1 - rho) / (sum + last / (1 - rho));
    return pw / (c * mu - lambda);
}

TEST(Fleet, SingleGpuJobsQueueAsErlangC) {
    // 64 GPUs, Poisson arrivals, exponential 1 h jobs at 85% load, no failures: M/M/64.
    const FleetSpec f = fleet(R"(
cluster: dgx-h100
gpus: 64
days: 400
failures: off
policy: fifo
sample_interval: 1d
generator:
  mix: {sizes: {1: 1}, durations: {distribution: exponential, mean: 1h}}
  jobs: 10000000
  load: 0.85
)");
    FleetRunOptions o;
    o.threads = 2;
    auto reps = run_fleet(f, o);
    double wait = 0, n = 0;
    for (const auto& r : reps) {
        for (const auto& j : r.jobs) {
            if (j.first_start_s < 0) continue;
            wait += j.first_start_s - j.arrival_s;
            n += 1;
        }
    }
    const double lambda = 0.85 * 64 / 3600, mu = 1.0 / 3600;
    const double expected = erlang_c_wait(64, lambda, mu);
    EXPECT_GT(n, 400000);
    std::printf("[ fleet Erlang C ] mean wait %.1f s simulated, %.1f s closed form (%.0f jobs)\n", wait / n, expected, n);
    EXPECT_NEAR(wait / n / expected, 1.0, 0.05) << "simulated " << wait / n << " s, Erlang C " << expected << " s";
}

TEST(Fleet, OneJobAloneMatchesTheGoodputClosedForm) {
    // 16,384 H100 of a 24,576-GPU fleet (idle nodes replace failed ones at once), 30 days
    // of work; the closed form with as many spares as it needs.
    const std::string yaml = R"(
cluster: dgx-h100
gpus: 24576
days: 60
replications: 16
jobs:
  - name: llama
    gpus: 16384
    model: llama3-70b
    parallelism: {tp: 8, pp: 4}
    training: {seq_len: 8192, global_batch: 4096, micro_batch: 1}
    duration: 30d
)";
    const FleetSpec f = fleet(yaml);
    ASSERT_EQ(f.priced.size(), 1u);
    RunModel m = f.priced[0].run;
    m.spares = 1'000'000;
    const double closed = expected_goodput(m).goodput;
    FleetRunOptions o;
    o.threads = 2;
    const auto reps = run_fleet(f, o);
    double ettr = 0;
    for (const auto& r : reps) {
        const JobOutcome& j = job_named(r, "llama");
        ASSERT_GE(j.end_s, 0) << "the job finishes inside the horizon";
        ettr += j.ettr() / double(reps.size());
    }
    std::printf("[ fleet goodput ] one job alone: ETTR %.4f over %zu replications, closed form %.4f\n", ettr, reps.size(), closed);
    EXPECT_LT(closed, 0.97) << "failures cost something here, or the check says little";
    EXPECT_NEAR(ettr / closed, 1.0, 0.02) << "fleet " << ettr << ", closed form " << closed;
}

TEST(Fleet, Llama3RunSeesItsInterruptions) {
    // Dubey et al. 2024 (Llama 3), sec. 3.3.4: 419 unexpected interruptions in 54 days on
    // 16,384 H100, run in a 24,576-GPU cluster (Meta, "Building Meta's GenAI
    // Infrastructure", 2024). The job outlives the horizon.
    const FleetSpec f = fleet(R"(
cluster: dgx-h100
gpus: 24576
days: 54
replications: 8
jobs:
  - {name: llama3, gpus: 16384, duration: 80d, checkpoint_interval: 30min}
)");
    FleetRunOptions o;
    o.threads = 2;
    const auto reps = run_fleet(f, o);
    double interruptions = 0;
    for (const auto& r : reps) interruptions += double(job_named(r, "llama3").interruptions) / double(reps.size());
    std::printf("[ fleet Llama 3 ] %.1f unexpected interruptions in 54 days (published 419)\n", interruptions);
    EXPECT_NEAR(interruptions / 419.0, 1.0, 0.20) << interruptions << " interruptions";
}

TEST(Fleet, JobFailureRatesBySizeAsTheProfileSaysAndBesideKokolis) {
    // Kokolis et al., HPCA'25, Fig. 7 (quoted): MTTF 47.7 days for 8-GPU jobs and 7.9 h
    // for 1,024-GPU jobs on Meta's RSC-1 (A100). colossim's default profile is Llama 3's
    // H100 run; the fleet's MTTF by size must follow it, and is printed beside Kokolis.
    const FleetSpec f = fleet(R"(
cluster: dgx-h100
gpus: 16384
days: 120
replications: 2
jobs:
  - {name: eight, gpus: 8, duration: 1000d, count: 256}
  - {name: big, gpus: 1024, duration: 1000d, count: 4}
)");
    FleetRunOptions o;
    o.threads = 2;
    const auto reps = run_fleet(f, o);
    const FleetSummary s = summarize_fleet(f, reps);
    Diagnostics d;
    for (const auto& [label, gpus, kokolis_h] : {std::tuple{"2-8", 8, 47.7 * 24}, std::tuple{"513-4096", 1024, 7.9}}) {
        const SizeClassSummary* z = nullptr;
        for (const auto& c : s.sizes) {
            if (c.label == label) z = &c;
        }
        ASSERT_NE(z, nullptr);
        const JobFailureRates r = job_failure_rates(*f.failures, job_components(f.cluster, gpus, d));
        const double profile_h = 1 / r.unexpected.value / 3600;
        // A one-node job fails as the profile says. A job across leaf groups also fails with
        // the uplinks it crosses, and its replacement nodes land where there is room
        // (another pod, when its own is full), so it spans more of the fabric as it goes:
        // its MTTF may only fall below the profile's closed form, by at most a third.
        if (gpus == 8) EXPECT_NEAR(z->mttf_h / profile_h, 1.0, 0.1) << label;
        else EXPECT_TRUE(z->mttf_h < profile_h * 1.05 && z->mttf_h > profile_h * 0.67) << label << " " << z->mttf_h;
        std::printf("[ fleet MTTF ] %4d-GPU jobs: %.1f h (profile %.1f h); Kokolis RSC-1 %.1f h: ratio %.2f\n", gpus,
                    z->mttf_h, profile_h, kokolis_h, z->mttf_h / kokolis_h);
    }
}

TEST(Fleet, ALeafSwitchFailureInterruptsEveryJobBelowIt) {
    const std::string profile = temp_file("switch.yaml", R"(
name: switches
observed: {duration: 30d, gpus: 512, nodes: 64, nics: 512, links: 1024, switches: 24, jobs: 1}
unexpected:
  leaf_switch: {per: switch, count: 6}
detection: "1 min"
restart: "1 min"
repair: "2 d"
storage_bandwidth: "1 TB/s"
node_storage_bandwidth: "25 GB/s"
host_copy_bandwidth: "25 GB/s"
)");
    // 64 one-node jobs fill two leaf groups of 32 nodes; spines are picked too, and those
    // interrupt only jobs that leave their group: none here.
    const FleetSpec f = fleet("cluster: dgx-h100\ngpus: 512\ndays: 30\nfailures: " + profile +
                              "\njobs:\n  - {name: node, gpus: 8, duration: 60d, count: 64}\n");
    const FleetReplication r = run_fleet_replication(f, 0, false);
    std::remove(profile.c_str());
    std::int64_t interrupted = 0;
    for (const auto& j : r.jobs) interrupted += j.interruptions;
    ASSERT_GT(r.failures.at("leaf_switch"), 0);
    EXPECT_GT(interrupted, 0);
    EXPECT_EQ(interrupted % f.layout.nodes_per_group, 0) << "a leaf failure takes its whole group";
}

TEST(Fleet, ScatteredPlacementSplitsNvlinkDomainsAndCostsStepTime) {
    // GB200 NVL72: 18 trays of 4 GPUs a domain. A 144-GPU job packed fills two domains;
    // scattered over a half-busy fleet it shares them, and its EP all-to-all leaves NVLink.
    const std::string yaml = R"(
cluster: gb200-nvl72
gpus: 2304
days: 2
failures: off
jobs:
  - {name: filler, gpus: 4, duration: 10d, count: 200}
  - name: moe
    arrival: 1h
    gpus: 144
    model: mixtral-8x7b
    parallelism: {tp: 2, ep: 8, pp: 1}
    training: {seq_len: 4096, global_batch: 576, micro_batch: 1}
    duration: 12h
)";
    const auto packed = run_fleet_replication(fleet(yaml), 0, false);
    const auto scattered = run_fleet_replication(fleet(yaml, {{"placement", "scattered"}}), 0, false);
    const JobOutcome& p = job_named(packed, "moe");
    const JobOutcome& s = job_named(scattered, "moe");
    EXPECT_FALSE(p.split_domain);
    EXPECT_TRUE(s.split_domain);
    EXPECT_GT(s.step_s, p.step_s * 1.01);
    EXPECT_GT(s.work_s, p.work_s);
}

TEST(Fleet, PlacementShapeDividesBandwidthByTheTiersItCrosses) {
    FleetLayout l;
    l.leaf_oversubscription = 2;
    l.spine_oversubscription = 3;
    Diagnostics d;
    const ClusterSpec c = test::catalog().cluster("dgx-h100", "cluster", d);
    EXPECT_DOUBLE_EQ(cluster_as_placed(c, l, {0, false}).nic_bandwidth.value, c.nic_bandwidth.value);
    EXPECT_DOUBLE_EQ(cluster_as_placed(c, l, {1, false}).nic_bandwidth.value, c.nic_bandwidth.value / 2);
    EXPECT_DOUBLE_EQ(cluster_as_placed(c, l, {2, false}).nic_bandwidth.value, c.nic_bandwidth.value / 6);
    EXPECT_EQ(cluster_as_placed(c, l, {0, true}).nvlink_domain, c.gpus_per_node);
}

TEST(Fleet, LayoutFollowsTheFabric) {
    Diagnostics d;
    const ClusterSpec c = test::catalog().cluster("colossus", "cluster", d);
    const FleetLayout l = fleet_layout(c, 200000, d);
    // SN5600: 64 x 800G = 128 x 400G ports, non-blocking: 64 down a leaf, rail-optimised
    // groups of 64 nodes; a pod is 64 leaves = 8 groups (4,096 GPUs).
    EXPECT_EQ(l.nodes, 25000);
    EXPECT_EQ(l.tiers, 3);
    EXPECT_EQ(l.nodes_per_group, 64);
    EXPECT_EQ(l.groups_per_pod, 8);
    EXPECT_EQ(l.links[0], 200000);
}

TEST(Fleet, BackfillShortensWaitsWithoutDelayingTheFirstJob) {
    const std::string yaml = R"(
cluster: dgx-h100
gpus: 512
days: 10
failures: off
jobs:
  - {name: running, gpus: 256, duration: 10h}
  - {name: wide, gpus: 512, arrival: 1min, duration: 5h}
  - {name: short, gpus: 8, arrival: 2min, duration: 2h, count: 20}
)";
    const auto fifo = run_fleet_replication(fleet(yaml, {{"policy", "fifo"}}), 0, false);
    const auto easy = run_fleet_replication(fleet(yaml, {{"policy", "backfill"}}), 0, false);
    EXPECT_DOUBLE_EQ(job_named(fifo, "wide").first_start_s, job_named(easy, "wide").first_start_s);
    EXPECT_GT(job_named(fifo, "short-0").first_start_s, job_named(fifo, "wide").first_start_s);
    EXPECT_LT(job_named(easy, "short-0").first_start_s, 3600) << "backfilled beside the running job";
}

TEST(Fleet, AHigherPriorityJobPreemptsLowerOnes) {
    const std::string yaml = R"(
cluster: dgx-h100
gpus: 256
days: 5
failures: off
jobs:
  - {name: low, gpus: 8, duration: 3d, count: 32}
  - {name: urgent, gpus: 128, arrival: 1h, priority: 5, duration: 6h}
)";
    const auto r = run_fleet_replication(fleet(yaml), 0, false);
    EXPECT_DOUBLE_EQ(job_named(r, "urgent").first_start_s, 3600);
    EXPECT_EQ(r.preemptions, 16);
    const auto none = run_fleet_replication(fleet(yaml + "preemption: false\n"), 0, false);
    EXPECT_GT(job_named(none, "urgent").first_start_s, 2 * kSecondsPerDay);
}

TEST(Fleet, SparesAndDrainsDoWhatTheySay) {
    const std::string yaml = R"(
cluster: dgx-h100
gpus: 4096
days: 30
jobs:
  - {name: big, gpus: 4096, duration: 20d}
)";
    // The job holds the whole fleet: without spares a failed node stops it until repaired.
    const auto bare = run_fleet_replication(fleet(yaml), 0, false);
    EXPECT_GT(bare.requeues, 0);
    EXPECT_EQ(bare.spares_used, 0);
    const auto spared = run_fleet_replication(
        fleet("cluster: dgx-h100\ngpus: 4096\ndays: 30\nspares: 26\njobs:\n  - {name: big, gpus: 3840, duration: 20d}\n"), 0,
        false);
    EXPECT_GT(spared.spares_used, 0);
    EXPECT_GT(job_named(spared, "big").ettr(), job_named(bare, "big").ettr());
    const auto drained = run_fleet_replication(fleet(yaml + "drain_after: 1\n"), 0, false);
    EXPECT_GT(drained.nodes_drained, 0);
    EXPECT_EQ(bare.nodes_drained, 0) << "three failures of one node in 30 days are rare at Llama 3's rates";
}

TEST(Fleet, ResultsDependOnTheSeedOnlyNotOnThreads) {
    const std::string yaml = R"(
cluster: dgx-h100
gpus: 2048
days: 20
replications: 4
generator: {mix: acme-kalos, jobs: 20000, load: 0.6}
jobs:
  - {name: big, gpus: 1024, duration: 10d, priority: 3}
)";
    const FleetSpec f = fleet(yaml);
    FleetRunOptions one, two;
    one.threads = 1;
    two.threads = 2;
    const auto a = run_fleet(f, one), b = run_fleet(f, two);
    EXPECT_EQ(fleet_json(f, summarize_fleet(f, a), a, {}), fleet_json(f, summarize_fleet(f, b), b, {}));
    // Replications split as MPI ranks split them give the same runs.
    FleetRunOptions tail;
    tail.first = 2;
    tail.count = 2;
    const auto c = run_fleet(f, tail);
    EXPECT_EQ(fleet_jobs_csv({c[1]}), fleet_jobs_csv({a[3]}));
    const auto other = run_fleet(fleet(yaml, {{"seed", "7"}}), one);
    EXPECT_NE(fleet_jobs_csv(other), fleet_jobs_csv(a));
}

TEST(Fleet, TracesReadAsDocumentedAndRefuseBadRows) {
    const auto jobs = read_job_trace("# a comment\narrival,gpus,duration,priority,name\n0,8,3600,1,a\n60.5,1,10,,b\n", "t.csv");
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].name, "a");
    EXPECT_EQ(jobs[0].priority, 1);
    EXPECT_DOUBLE_EQ(jobs[1].arrival.value, 60.5);
    const auto json = read_job_trace(R"([{"arrival": 0, "gpus": 16, "duration": 7200, "name": "x"}])", "t.json");
    ASSERT_EQ(json.size(), 1u);
    EXPECT_EQ(json[0].gpus, 16);
    EXPECT_INPUT_ERROR(read_job_trace("arrival,gpus,duration\n0,eight,10\n", "t.csv"), "t.csv: line 2.gpus");
    EXPECT_INPUT_ERROR(read_job_trace("arrival,gpus,time\n", "t.csv"), "header");
    EXPECT_INPUT_ERROR(read_job_trace("arrival,gpus,duration\n0,8\n", "t.csv"), "line 2");
    EXPECT_INPUT_ERROR(read_job_trace("arrival,gpus,duration\n-5,8,10\n", "t.csv"), "arrival");
    EXPECT_INPUT_ERROR(read_job_trace(R"([{"arrival": 0, "gpus": 1, "duration": 1, "nodes": 2}])", "t.json"), "nodes");
    EXPECT_INPUT_ERROR(read_job_trace("[1, 2", "t.json"), "t.json");
}

TEST(Fleet, ScenarioErrorsNameTheField) {
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 100\ndays: 1\njobs: [{gpus: 8, duration: 1h}]\n"), "gpus");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\njobs: [{gpus: 128, duration: 1h}]\n"), "jobs[0].gpus");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\njobs: [{gpus: 8}]\n"), "jobs[0].duration");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\npolicy: lifo\njobs: [{gpus: 8, duration: 1h}]\n"), "policy");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\nspares: 80%\njobs: [{gpus: 8, duration: 1h}]\n"), "spares");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\ngenerator: {mix: nope, jobs: 10, load: 0.5}\n"), "generator.mix");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\ngenerator: {mix: philly, jobs: 10}\n"), "generator.load");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\n"), "jobs");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\njobs: [{gpus: 8, model: llama3-8b, cluster: dgx-a100, duration: 1h}]\n"),
                       "jobs[0].cluster");
    EXPECT_INPUT_ERROR(fleet("cluster: dgx-h100\ngpus: 64\ndays: 1\njobs: [{gpus: 64, model: llama3-8b, parallelism: {tp: 3}, "
                             "training: {seq_len: 4096, global_batch: 64, micro_batch: 1}, duration: 1h}]\n"),
                       "jobs[0].");
}

TEST(Fleet, CommandWritesItsFilesAndRefusesBadInput) {
    const std::string scenario = temp_file("cli.yaml", "cluster: dgx-h100\ngpus: 256\ndays: 3\n"
                                                       "generator: {mix: philly, jobs: 2000, load: 0.5}\n");
    const auto dir = std::filesystem::temp_directory_path() / ("colossim-fleet-csv-" + std::to_string(::getpid()));
    const std::string trace = dir.string() + "-trace.json";
    auto ok = test::run_cli("fleet " + scenario + " --csv " + dir.string() + " --trace " + trace + " --json");
    EXPECT_EQ(ok.status, 0) << ok.out;
    EXPECT_NE(ok.out.find("\"utilisation\""), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(dir / "jobs.csv"));
    EXPECT_TRUE(std::filesystem::exists(dir / "timeseries.csv"));
    EXPECT_TRUE(std::filesystem::exists(trace));
    auto bad = test::run_cli("fleet " + scenario + " --policy lifo");
    EXPECT_EQ(bad.status, 2) << bad.out;
    EXPECT_NE(bad.out.find("policy"), std::string::npos);
    auto unwritable = test::run_cli("fleet " + scenario + " --csv " + scenario);
    EXPECT_EQ(unwritable.status, 1) << unwritable.out;
    std::filesystem::remove_all(dir);
    std::remove(trace.c_str());
    std::remove(scenario.c_str());
}

}  // namespace
}  // namespace colossim

namespace colossim {
namespace {
TEST(Fleet, MpiRanksPrintWhatOneProcessPrints) {
    const std::string scenario = temp_file("mpi.yaml", "cluster: dgx-h100\ngpus: 1024\ndays: 5\nreplications: 5\n"
                                                       "generator: {mix: acme-kalos, jobs: 3000, load: 0.6}\n");
    auto single = test::run_cli("fleet " + scenario + " --json");
    ASSERT_EQ(single.status, 0) << single.out;
    if (std::system("command -v mpirun > /dev/null 2>&1") != 0) GTEST_SKIP() << "mpirun is not installed";
    // As the sweep's MPI test: no leak check under mpirun (OpenMPI's plugins are unloaded first).
    const std::string cmd = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 OMPI_ALLOW_RUN_AS_ROOT=1 "
                            "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 3 " +
                            std::string(COLOSSIM_BINARY) + " fleet " + scenario + " --json 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0);
    EXPECT_EQ(out, single.out);
    std::remove(scenario.c_str());
}
}  // namespace
}  // namespace colossim

namespace colossim {
namespace {
TEST(Fleet, AJobWithoutAPlanRunsThePlannersBest) {
    const FleetSpec f = fleet(R"(
cluster: dgx-h100
gpus: 1024
days: 2
failures: off
jobs:
  - name: auto
    gpus: 512
    model: llama3-70b
    training: {seq_len: 8192, global_batch: 512}
    duration: 1d
)");
    ASSERT_EQ(f.priced.size(), 1u);
    // The planner's first row for the same scenario.
    Diagnostics d;
    const std::string text = "model: llama3-70b\ncluster: dgx-h100\ngpus: 512\ntraining: {seq_len: 8192, global_batch: 512}\n";
    const Scenario base = load_scenario(text, "t", {}, test::catalog(), d, ScenarioCheck::fields_only);
    PlanOptions o;
    o.top = 1;
    const PlanResult plans = search_plans(base, default_space(base, scenario_keys_given(text, "t", {})), o, test::calibration());
    ASSERT_FALSE(plans.best.empty());
    EXPECT_EQ(f.priced[0].scenario.parallelism.tp, plans.best[0].parallelism.tp);
    EXPECT_EQ(f.priced[0].scenario.parallelism.pp, plans.best[0].parallelism.pp);
    EXPECT_NEAR(f.priced[0].step[0].value, plans.best[0].result.step_time.value, 1e-9);
    const auto r = run_fleet_replication(f, 0, false);
    EXPECT_NE(fleet_json(f, summarize_fleet(f, {r}), {r}, {}).find("\"plan\": \"tp "), std::string::npos);
}
}  // namespace
}  // namespace colossim

#include "colossim/topology.hpp"

namespace colossim {
namespace {
TEST(Fleet, LeafGroupsAndPodsAreTheEventEnginesLeavesAndPods) {
    // One rule (leaf_layout) for both: a fleet leaf group's NICs sit on the same leaves in
    // the simulated network, and its pod is the network's pod, on every catalog cluster.
    for (const std::string& name : test::catalog().names(CatalogKind::cluster)) {
        Diagnostics d;
        const ClusterSpec c = test::catalog().cluster(name, "cluster", d);
        const std::int64_t gpus = 64 * 72;  // whole nodes of every catalog cluster, 3 tiers on most
        const FleetLayout l = fleet_layout(c, gpus, d);
        const Topology t(c, gpus, test::calibration(), false, "gpus");
        for (std::int64_t node = 0; node + 1 < l.nodes; ++node) {
            const std::int64_t a = node * l.gpus_per_node, b = a + l.gpus_per_node;  // first GPU of this and the next node
            const bool same_group = node / l.nodes_per_group == (node + 1) / l.nodes_per_group;
            EXPECT_EQ(t.leaf_of(a) == t.leaf_of(b), same_group) << name << " node " << node;
            const bool same_pod = node / l.nodes_per_group / l.groups_per_pod == (node + 1) / l.nodes_per_group / l.groups_per_pod;
            EXPECT_EQ(t.pod_of_leaf(t.leaf_of(a)) == t.pod_of_leaf(t.leaf_of(b)), same_pod) << name << " node " << node;
        }
    }
}
}  // namespace
}  // namespace colossim
