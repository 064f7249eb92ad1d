// The planner's SQLite output, read back with SQL.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <unistd.h>
#include <filesystem>

#include "colossim/plan.hpp"
#include "colossim/plan_report.hpp"
#include "helpers.hpp"

using namespace colossim;

namespace {
// Runs a query and returns the first column of each row as text.
std::vector<std::string> query(sqlite3* db, const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char* t = sqlite3_column_text(st, 0);
        out.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(st);
    return out;
}
}  // namespace

TEST(PlanSqlite, OneRowPerEstimatedPlanQueryableWithSql) {
    const std::string yaml = "model: gpt3-175b\ncluster: dgx-a100\ngpus: 1024\ntraining: {seq_len: 2048, global_batch: 1536}\n";
    Diagnostics d;
    Scenario base = load_scenario(yaml, "test", {}, test::catalog(), d, ScenarioCheck::fields_only);
    PlanOptions o;
    o.keep_all = true;
    o.top = 3;
    PlanResult r = search_plans(base, default_space(base, scenario_keys_given(yaml, "test", {})), o, test::calibration());

    auto path = std::filesystem::temp_directory_path() / ("colossim-test-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    write_plans_sqlite(path.string(), base, r.all);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);

    EXPECT_EQ(query(db, "SELECT COUNT(*) FROM plans"), std::vector<std::string>{std::to_string(r.evaluated)});
    // The fastest plan that fits, by SQL, is the planner's winner.
    const auto& win = r.best.front().parallelism;
    EXPECT_EQ(query(db, "SELECT tp || ',' || pp || ',' || vpp || ',' || zero || ',' || recompute || ',' || micro_batch "
                        "FROM plans WHERE fits = 1 ORDER BY objective, memory_bytes, tp, pp, cp, vpp, ep, micro_batch, "
                        "zero LIMIT 1"),
              std::vector<std::string>{std::to_string(win.tp) + "," + std::to_string(win.pp) + "," +
                                       std::to_string(win.vpp) + "," + std::to_string(win.zero) + "," +
                                       to_string(win.recompute) + "," + std::to_string(r.best.front().micro_batch)});
    // Rows that do not fit are there too, and every row belongs to the scenario.
    std::int64_t no_fit = r.rejected.count("does not fit in GPU memory") ? r.rejected.at("does not fit in GPU memory") : 0;
    EXPECT_EQ(query(db, "SELECT COUNT(*) FROM plans WHERE fits = 0"), std::vector<std::string>{std::to_string(no_fit)});
    EXPECT_EQ(query(db, "SELECT DISTINCT model || '/' || cluster || '/' || gpus FROM plans"),
              std::vector<std::string>{"gpt3-175b/dgx-a100/1024"});
    EXPECT_EQ(query(db, "SELECT COUNT(*) FROM plans WHERE tp * pp * cp * dp != gpus"), std::vector<std::string>{"0"});
    // A second write appends (a sweep writes one scenario after another).
    sqlite3_close(db);
    write_plans_sqlite(path.string(), base, r.all);
    ASSERT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(query(db, "SELECT COUNT(*) FROM plans"), std::vector<std::string>{std::to_string(2 * r.evaluated)});
    sqlite3_close(db);
    std::filesystem::remove(path);
}

TEST(PlanSqlite, UnwritablePathIsAnInputError) {
    Scenario base = test::scenario(test::kLlama405b);
    EXPECT_THROW(write_plans_sqlite("/nonexistent-dir/x.db", base, {}), OutputError);
}
