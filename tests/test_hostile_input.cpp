// The hostile-input suite: every case of tests/data/hostile_inputs.tsv run through the CLI,
// each expected to end by itself with its exit status (2: bad input, 1: output lost), the
// words its message must carry, and output that is valid UTF-8 whatever it was given.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Case {
    int line = 0;
    int status = 0;
    std::string args;
    std::vector<std::string> words;
};

std::vector<Case> load_cases(const std::string& path) {
    std::ifstream in(path);
    std::vector<Case> cases;
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
        if (text.empty() || text[0] == '#') continue;
        std::istringstream fields(text);
        std::string status, args, words;
        std::getline(fields, status, '\t');
        std::getline(fields, args, '\t');
        std::getline(fields, words);
        Case c{line, std::atoi(status.c_str()), args, {}};
        std::size_t at = 0;
        while (!words.empty() && at <= words.size()) {
            const std::size_t bar = words.find(" | ", at);
            c.words.push_back(words.substr(at, bar == std::string::npos ? std::string::npos : bar - at));
            if (bar == std::string::npos) break;
            at = bar + 3;
        }
        cases.push_back(std::move(c));
    }
    return cases;
}

bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
        if (extra < 0 || i + std::size_t(extra) >= s.size()) return false;
        for (int k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(s[i + std::size_t(k)]) >> 6) != 0x2) return false;
        }
        i += std::size_t(extra) + 1;
    }
    return true;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// The fixture files the placeholders name, in a fresh folder.
std::vector<std::pair<std::string, std::string>> make_fixtures(const std::string& dir) {
    const std::string fifo = dir + "/fifo";
    EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    ::mkdir((dir + "/folder").c_str(), 0700);
    write(dir + "/big.yaml", std::string(17u << 20, ' '));
    write(dir + "/empty.yaml", "");
    std::mt19937 random(7);
    std::string bytes(4096, '\0');
    for (auto& b : bytes) b = char(random() & 0xff);
    write(dir + "/binary.bin", bytes);
    write(dir + "/latin1.yaml", "model: caf\xe9\ncluster: dgx-h100\xff\ngpus: 8\n");
    write(dir + "/deep.yaml", "a: " + std::string(10000, '[') + std::string(10000, ']') + "\n");
    std::string laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (char k = 'b'; k <= 'j'; ++k) {
        laughs += std::string(1, k) + ": &" + k + " [";
        for (int i = 0; i < 9; ++i) laughs += std::string(i ? ", " : "") + "*" + char(k - 1);
        laughs += "]\n";
    }
    write(dir + "/aliases.yaml", laughs);
    const std::string scenario =
        "model: llama3-8b\ncluster: dgx-h100\ngpus: 8\ntraining: {seq_len: 2048, global_batch: 64}\n";
    write(dir + "/scenario.yaml", scenario);
    std::string many = scenario;
    for (int i = 0; i < 200000; ++i) many += "unknown_key_" + std::to_string(i) + ": 1\n";
    write(dir + "/many.yaml", many);
    write(dir + "/dup.yaml", scenario + "gpus: 16\n");
    write(dir + "/bad-model.yaml", "name: m\nlayers: -3\nhidden: 4096\n");
    write(dir + "/bad-cluster.yaml", "name: c\ngpus_per_node: 8\n");
    write(dir + "/bad-gpu.yaml", "name: g\npeak_bf16: \"989 TFLOP/s\"\nhbm_capacity: \"80 GB\"\nhbm_bandwidth: \"3 TB/s\"\n"
                                 "nvlink_bandwidth: \"900 GB/s\"\ntdp: \"700 W\"\nsm_count: 132\nnvlink_efficiency: 1e308\n");
    write(dir + "/not-yaml.json", "{\"a\": [1, 2,\n");
    write(dir + "/bad-failures.yaml", "name: f\ncauses: 12\n");
    write(dir + "/bad-prices.yaml", "gpu: lots\n");
    write(dir + "/grid.yaml", "models: [llama3-8b]\nclusters: [dgx-h100]\ngpus: [16]\n"
                              "training: {seq_len: 2048, global_batch: 64}\n");
    return {{"{FIFO}", fifo},
            {"{DIR}", dir + "/folder"},
            {"{BIG}", dir + "/big.yaml"},
            {"{EMPTY}", dir + "/empty.yaml"},
            {"{BINARY}", dir + "/binary.bin"},
            {"{LATIN1}", dir + "/latin1.yaml"},
            {"{DEEP}", dir + "/deep.yaml"},
            {"{ALIASES}", dir + "/aliases.yaml"},
            {"{MANYKEYS}", dir + "/many.yaml"},
            {"{DUPKEYS}", dir + "/dup.yaml"},
            {"{SCENARIO}", dir + "/scenario.yaml"},
            {"{GRID}", dir + "/grid.yaml"},
            {"{BADMODEL}", dir + "/bad-model.yaml"},
            {"{BADCLUSTER}", dir + "/bad-cluster.yaml"},
            {"{BADGPU}", dir + "/bad-gpu.yaml"},
            {"{NOTYAML}", dir + "/not-yaml.json"},
            {"{BADFAILURES}", dir + "/bad-failures.yaml"},
            {"{BADPRICES}", dir + "/bad-prices.yaml"},
            {"{SRC}", std::string(COLOSSIM_SOURCE_DIR)},
            {"{OUT}", dir + "/out"},
            {"{NODIR}", dir + "/missing/out"}};
}

std::pair<int, std::string> run(const std::string& args) {
    // `timeout` turns a hang into status 124; the suite's cases all end in well under it.
    const std::string cmd = "timeout 60 " + std::string(COLOSSIM_BINARY) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf;
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) {
        if (out.size() < (8u << 20)) out.append(buf.data(), n);
    }
    const int st = pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace

TEST(HostileInput, EveryCaseEndsWithItsStatusAndAClearValidMessage) {
    const auto cases = load_cases(std::string(COLOSSIM_SOURCE_DIR) + "/tests/data/hostile_inputs.tsv");
    ASSERT_GE(cases.size(), 100u);
    std::string dir = ::testing::TempDir() + "hostile-XXXXXX";
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    const auto fixtures = make_fixtures(dir);
    for (const auto& c : cases) {
        std::string args = c.args;
        for (const auto& [name, path] : fixtures) {
            for (std::size_t at; (at = args.find(name)) != std::string::npos;) args.replace(at, name.size(), path);
        }
        const auto [status, out] = run(args);
        const std::string where = "hostile_inputs.tsv:" + std::to_string(c.line) + " `" + c.args + "`";
        EXPECT_NE(status, 124) << where << ": did not end";
        EXPECT_EQ(status, c.status) << where << ": " << out.substr(0, 300);
        EXPECT_TRUE(valid_utf8(out)) << where << ": output is not UTF-8";
        EXPECT_LT(out.size(), 64u << 10) << where << ": " << out.size() << " bytes of output";
        const std::string said = lower(out);
        for (const auto& w : c.words) EXPECT_NE(said.find(lower(w)), std::string::npos) << where << ": no '" << w << "' in: " << out.substr(0, 300);
    }
    std::system(("rm -rf '" + dir + "'").c_str());
}
