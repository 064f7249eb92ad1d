// The web server's JSON API (server::Api::handle) without sockets: each endpoint answers
// with the api layer's JSON (the CLI's --json), and each bad request gets the CLI's
// message with HTTP 400 (or 404/405/413), never a crash.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "colossim/api.hpp"
#include "colossim/server.hpp"

using namespace colossim;
using nlohmann::json;

namespace {

const Catalog& served_catalog() {
    static const Catalog c = Catalog::builtin().without_files();
    return c;
}

const server::Api& served() {
    static const server::Api a(served_catalog(), server::Limits{}, server::Assets{"/* chart */"});
    return a;
}

server::Reply post(const std::string& path, const json& body) { return served().handle("POST", path, "", body.dump()); }

const json kLlama = {{"flags",
                      {{"model", "llama3-70b"}, {"cluster", "dgx-h100"}, {"gpus", 64}, {"tp", 8}, {"pp", 2},
                       {"global_batch", 64}, {"seq_len", "8k"}}}};

}  // namespace

TEST(ServerApi, EstimateIsTheCliJson) {
    const server::Reply r = post("/api/estimate", kLlama);
    ASSERT_EQ(r.status, 200) << r.body;
    api::ScenarioRequest same{"", "request",
                              {{"model", "llama3-70b"}, {"cluster", "dgx-h100"}, {"gpus", "64"}, {"parallelism.tp", "8"},
                               {"parallelism.pp", "2"}, {"training.global_batch", "64"}, {"training.seq_len", "8k"}}};
    EXPECT_EQ(r.body, api::estimate(Catalog::builtin(), same).json + "\n");
    EXPECT_EQ(json::parse(r.body)["parallelism"]["dp"], 4);
}

TEST(ServerApi, MegatronNamesAndUnderscoresAreFlags) {
    json body = kLlama;
    body["flags"].erase("tp");
    body["flags"]["tensor_model_parallel_size"] = 4;
    const server::Reply r = post("/api/estimate", body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["parallelism"]["tp"], 4);
}

TEST(ServerApi, PastedHuggingFaceConfigIsAModel) {
    const json config = {{"model_type", "llama"},      {"hidden_size", 4096},        {"intermediate_size", 14336},
                         {"num_hidden_layers", 32},    {"num_attention_heads", 32}, {"num_key_value_heads", 8},
                         {"vocab_size", 128256},       {"max_position_embeddings", 8192}, {"rms_norm_eps", 1e-5}};
    const json body = {{"scenario", {{"model", config}}},
                       {"flags", {{"cluster", "dgx-h100"}, {"gpus", 8}, {"global_batch", 8}, {"seq_len", 8192}}}};
    const server::Reply r = post("/api/estimate", body);
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    EXPECT_NEAR(j["params_total"].get<double>(), 8.03e9, 0.01e9);  // Llama 3 8B
}

TEST(ServerApi, PlanCompareGoodputDatacenterCollective) {
    json plan = kLlama;
    for (const char* k : {"tp", "pp"}) plan["flags"].erase(k);
    plan["top"] = 3;
    server::Reply r = post("/api/plan", plan);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["plans"].size(), 3u);

    json other = kLlama;
    other["flags"]["pp"] = 4;
    r = post("/api/compare", {{"scenarios", {kLlama, other}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["scenarios"].size(), 2u);

    json good = kLlama;
    good["flags"]["tokens"] = "1T";
    good["options"] = {{"trials", 100}, {"restart_time", "10min"}};
    r = post("/api/goodput", good);
    ASSERT_EQ(r.status, 200) << r.body;
    const double goodput = json::parse(r.body)["goodput"].get<double>();
    EXPECT_GT(goodput, 0.5);
    EXPECT_LT(goodput, 1.0);

    r = post("/api/datacenter", {{"options", {{"cluster", "dgx-h100"}, {"gpus", 1024}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["nodes"], 128);

    r = post("/api/collective", {{"kind", "all-reduce"}, {"cluster", "dgx-h100"}, {"gpus", 16}, {"size", "1MiB..4MiB"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body).size(), 3u);

    // simulate: the CLI's simulate --json, and the trace inline when asked for.
    r = post("/api/simulate", {{"flags", {{"model", "llama3-8b"}, {"cluster", "dgx-h100"}, {"gpus", 16}, {"pp", 2},
                                          {"seq_len", 4096}, {"global_batch", 16}}}, {"trace", true}, {"mode", "symmetric"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const json sim = json::parse(r.body);
    EXPECT_EQ(sim["engine"], "event");
    EXPECT_EQ(sim["mode"], "symmetric");
    EXPECT_FALSE(sim["links"].empty());
    EXPECT_FALSE(sim["trace"]["traceEvents"].empty());

    r = post("/api/explain", kLlama);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(json::parse(r.body)["text"].get<std::string>().empty());
}

TEST(ServerApi, GetEndpoints) {
    server::Reply r = served().handle("GET", "/api/catalog", "", "");
    ASSERT_EQ(r.status, 200);
    const json c = json::parse(r.body);
    EXPECT_NE(std::find(c["models"].begin(), c["models"].end(), "llama3-405b"), c["models"].end());
    r = served().handle("GET", "/", "", "");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("/api/estimate"), std::string::npos);
    EXPECT_EQ(served().handle("GET", "/chart.js", "", "").body, "/* chart */");
    r = served().handle("GET", "/api/show", "kind=model&name=llama3-8b", "");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("llama3-8b"), std::string::npos);
}

// Each bad request: its status, and the field the message names.
TEST(ServerApi, BadRequestsNameTheField) {
    struct Case {
        std::string method, path, body;
        int status;
        std::string field;
    };
    const std::vector<Case> cases = {
        {"POST", "/api/estimate", "{not json", 400, "body"},
        {"POST", "/api/estimate", "[1, 2]", 400, "body"},
        {"POST", "/api/estimate", std::string(40, '[') + std::string(40, ']'), 400, "body"},
        {"POST", "/api/estimate", R"({"flags": {"tpp": 8}})", 400, "flags.tpp"},
        {"POST", "/api/estimate", R"({"flags": {"tp": [8]}})", 400, "flags.tp"},
        {"POST", "/api/estimate", R"({"flags": 8})", 400, "flags"},
        {"POST", "/api/estimate", R"({"scenario": 8})", 400, "scenario"},
        {"POST", "/api/estimate", R"({"flags": {"model": "/etc/passwd", "cluster": "dgx-h100", "gpus": 8, "seq_len": 4096, "global_batch": 8}})", 400, "model"},
        {"POST", "/api/estimate", R"({"flags": {"model": "llama3-8b", "cluster": "../x.yaml", "gpus": 8, "seq_len": 4096, "global_batch": 8}})", 400, "cluster"},
        {"POST", "/api/estimate", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": -8, "seq_len": 4096, "global_batch": 8}})", 400, "gpus"},
        {"POST", "/api/plan", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 1000000, "seq_len": 4096, "global_batch": 8}})", 400, "gpus"},
        {"POST", "/api/plan", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 8, "seq_len": 4096, "global_batch": 8}, "top": 100000})", 400, "top"},
        {"POST", "/api/plan", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 8, "seq_len": 4096, "global_batch": 8}, "objective": "speed"})", 400, "objective"},
        {"POST", "/api/simulate", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 2048, "seq_len": 4096, "global_batch": 2048}, "mode": "full"})", 400, "mode"},
        {"POST", "/api/simulate", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 8, "seq_len": 4096, "global_batch": 8}, "trace": "yes"})", 400, "trace"},
        {"POST", "/api/simulate", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 8, "seq_len": 4096, "global_batch": 8}, "slow_gpu": "7:2"})", 400, "--slow-gpu"},
        {"POST", "/api/collective", R"({"cluster": "dgx-h100", "gpus": 1000000})", 400, "gpus"},
        {"POST", "/api/collective", R"({"cluster": "dgx-h100", "gpus": 8, "size": "1B..1TB"})", 400, "size"},
        {"POST", "/api/goodput", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 8, "seq_len": 4096, "global_batch": 8}, "options": {"trials": 1e9}})", 400, "options.trials"},
        {"POST", "/api/goodput", R"({"flags": {"model": "llama3-8b", "cluster": "dgx-h100", "gpus": 8, "seq_len": 4096, "global_batch": 8}, "options": {"failures": "/tmp/f.yaml"}})", 400, "options.failures"},
        {"POST", "/api/goodput", R"({"options": {"trails": 10}})", 400, "options.trails"},
        {"POST", "/api/datacenter", R"({"options": {"cluster": "dgx-h100", "gpus": 1e12}})", 400, "options.gpus"},
        {"POST", "/api/compare", R"({"scenarios": [{}]})", 400, "scenarios"},
        {"POST", "/api/nothing", "{}", 404, ""},
        {"GET", "/api/estimate", "", 405, ""},
        {"GET", "/etc/passwd", "", 404, ""},
        {"DELETE", "/api/estimate", "", 405, ""},
        {"POST", "/api/estimate", std::string(2 << 20, ' '), 413, ""},
    };
    for (const auto& c : cases) {
        const server::Reply r = served().handle(c.method, c.path, "", c.body);
        EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body.substr(0, 80) << ": " << r.body;
        const json j = json::parse(r.body, nullptr, false);
        ASSERT_TRUE(j.is_object()) << r.body;
        EXPECT_TRUE(j.contains("error")) << r.body;
        if (!c.field.empty()) {
            EXPECT_EQ(j.value("field", ""), c.field) << r.body;
        }
    }
}

TEST(ServerApi, RefusesACatalogThatReadsFiles) {
    EXPECT_THROW(server::Api(Catalog::builtin(), server::Limits{}, server::Assets{}), InternalError);
}
