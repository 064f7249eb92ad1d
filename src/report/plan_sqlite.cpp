// Planner results into SQLite, one row per plan, so a sweep can be queried with SQL.
#include <sqlite3.h>

#include "colossim/errors.hpp"
#include "colossim/plan_report.hpp"

namespace colossim {

namespace {
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS plans (
  id INTEGER PRIMARY KEY,
  model TEXT, cluster TEXT, gpu TEXT, gpus INTEGER, seq_len INTEGER, global_batch INTEGER,
  tp INTEGER, pp INTEGER, vpp INTEGER, dp INTEGER, cp INTEGER, ep INTEGER, zero INTEGER,
  recompute TEXT, sequence_parallel INTEGER, micro_batch INTEGER,
  step_time_s REAL, mfu REAL, hfu REAL, tokens_per_s REAL, memory_bytes REAL, fits INTEGER,
  compute_s REAL, tp_comm_s REAL, cp_comm_s REAL, ep_comm_s REAL, pp_comm_s REAL, dp_comm_s REAL,
  bubble_s REAL, optimizer_s REAL, host_s REAL, time_to_train_s REAL, cost_usd REAL, objective REAL);
)sql";

constexpr const char* kInsert =
    "INSERT INTO plans (model, cluster, gpu, gpus, seq_len, global_batch, tp, pp, vpp, dp, cp, ep, zero, recompute, "
    "sequence_parallel, micro_batch, step_time_s, mfu, hfu, tokens_per_s, memory_bytes, fits, compute_s, tp_comm_s, "
    "cp_comm_s, ep_comm_s, pp_comm_s, dp_comm_s, bubble_s, optimizer_s, host_s, time_to_train_s, cost_usd, objective) VALUES "
    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

// Owns the connection and statement; turns SQLite failures into OutputErrors on --db.
class Database {
public:
    explicit Database(const std::string& path) : path_(path) {
        try {
            if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) fail("cannot open");
            exec(kSchema);
            exec("BEGIN");
            if (sqlite3_prepare_v2(db_, kInsert, -1, &insert_, nullptr) != SQLITE_OK) fail("cannot prepare insert");
        } catch (...) {
            // sqlite3_open hands back a handle even when it fails; no destructor runs here.
            sqlite3_finalize(insert_);
            sqlite3_close(db_);
            throw;
        }
    }
    ~Database() {
        sqlite3_finalize(insert_);
        sqlite3_close(db_);
    }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void insert(const Scenario& base, const PlanRow& row) {
        const auto& p = row.parallelism;
        const auto& r = row.result;
        const auto& b = r.breakdown;
        int i = 0;
        auto text = [&](const std::string& v) { sqlite3_bind_text(insert_, ++i, v.c_str(), -1, SQLITE_TRANSIENT); };
        auto integer = [&](std::int64_t v) { sqlite3_bind_int64(insert_, ++i, v); };
        auto real = [&](double v) { sqlite3_bind_double(insert_, ++i, v); };
        text(base.model.name);
        text(base.cluster.name);
        text(base.cluster.gpu.name);
        integer(p.tp * p.pp * p.cp * p.dp);
        integer(base.training.seq_len);
        integer(base.training.global_batch);
        for (std::int64_t v : {p.tp, p.pp, p.vpp, p.dp, p.cp, p.ep, std::int64_t(p.zero)}) integer(v);
        text(to_string(p.recompute));
        integer(p.sequence_parallel ? 1 : 0);
        integer(row.micro_batch);
        for (double v : {r.step_time.value, r.mfu, r.hfu, r.tokens_per_s, r.memory.total.value}) real(v);
        integer(r.memory.fits ? 1 : 0);
        for (double v : {b.compute.value, b.tp_comm.value, b.cp_comm.value, b.ep_comm.value, b.pp_comm.value,
                         b.dp_comm.value, b.bubble.value, b.optimizer.value, b.host.value, r.time_to_train.value, r.cost_usd,
                         row.objective}) {
            real(v);
        }
        if (sqlite3_step(insert_) != SQLITE_DONE) fail("cannot insert");
        sqlite3_reset(insert_);
    }

    void commit() { exec("COMMIT"); }

private:
    void exec(const char* sql) {
        char* message = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
            std::string m = message ? message : "";
            sqlite3_free(message);
            fail(m.c_str());
        }
    }
    [[noreturn]] void fail(const char* what) {
        // An output that could not be written: exit status 1, as a --csv that cannot be.
        throw OutputError("SQLite file (--db)", path_, std::string(what) + ": " + sqlite3_errmsg(db_));
    }

    std::string path_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
};
}  // namespace

void write_plans_sqlite(const std::string& path, const Scenario& base, const std::vector<PlanRow>& rows) {
    Database db(path);
    for (const auto& row : rows) db.insert(base, row);
    db.commit();
}

}  // namespace colossim
