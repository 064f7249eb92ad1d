// `sweep`: plan every scenario of a grid file. Under mpirun the scenarios are dealt
// round-robin to the ranks and gathered on rank 0, which prints exactly what one process
// prints. Without MPI (not built with it, or not started by mpirun) one process does all.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <type_traits>

#include "colossim/api.hpp"
#include "colossim/plan_report.hpp"
#include "command.hpp"
#include "mpi_session.hpp"

namespace colossim::cli {

namespace {

struct SweepFlags {
    std::string grid;
    unsigned threads = 0;
    bool json = false;
    std::string csv, db;
};

#ifdef COLOSSIM_WITH_MPI
static_assert(std::is_trivially_copyable_v<PlanRow>, "plan rows travel between ranks as bytes");

void send_rows(const MpiSession& mpi, const std::vector<PlanRow>& rows, int to) {
    mpi.send(std::string(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(PlanRow)), to);
}

std::vector<PlanRow> receive_rows(const MpiSession& mpi, int from) {
    std::string bytes = mpi.receive(from);
    std::vector<PlanRow> rows(bytes.size() / sizeof(PlanRow));
    // No rows: an empty vector's data() may be null, which memcpy must not be given.
    if (!rows.empty()) std::memcpy(static_cast<void*>(rows.data()), bytes.data(), bytes.size());
    return rows;
}

// Sends one planned entry's results to rank 0 (the scenario itself is rebuilt there).
void send_entry(const MpiSession& mpi, const SweepEntry& e) {
    const std::int64_t counts[3] = {std::int64_t(e.index), e.plans.candidates, e.plans.evaluated};
    mpi.send(std::string(reinterpret_cast<const char*>(counts), sizeof counts), 0);
    std::string rejected;
    for (const auto& [reason, n] : e.plans.rejected) rejected += reason + '\t' + std::to_string(n) + '\n';
    mpi.send(rejected, 0);
    send_rows(mpi, e.plans.best, 0);
    send_rows(mpi, e.plans.all, 0);
}

void receive_entry(const MpiSession& mpi, int from, SweepEntry& e) {
    std::int64_t counts[3];
    const std::string head = mpi.receive(from);
    std::memcpy(counts, head.data(), std::min(head.size(), sizeof counts));
    e.index = std::size_t(counts[0]);
    e.plans.candidates = counts[1];
    e.plans.evaluated = counts[2];
    std::string rejected = mpi.receive(from);
    for (std::size_t pos = 0; pos < rejected.size();) {
        std::size_t tab = rejected.find('\t', pos), end = rejected.find('\n', tab);
        e.plans.rejected[rejected.substr(pos, tab - pos)] = std::stoll(rejected.substr(tab + 1, end - tab - 1));
        pos = end + 1;
    }
    e.plans.best = receive_rows(mpi, from);
    e.plans.all = receive_rows(mpi, from);
}
#endif

int run_sweep(const SweepFlags& f, const Catalog& catalog) {
    const MpiSession mpi;
    const int rank = mpi.rank(), size = mpi.size();
    api::SweepRequest r;
    r.grid_text = read_text_file(f.grid, "grid");
    r.source = f.grid;
    r.threads = f.threads;
    r.keep_all = !f.csv.empty() || !f.db.empty();
    r.rank = std::size_t(rank);
    r.ranks = std::size_t(size);
    if (rank == 0) r.progress = terminal_progress(f.json);  // rank 0's share stands for the whole
    api::SweepAnswer a = api::sweep_grid(catalog, r);
    if (rank == 0) print_warnings(Diagnostics{a.warnings});
    std::vector<SweepEntry>& entries = a.entries;
#ifdef COLOSSIM_WITH_MPI
    const SweepGrid& grid = a.grid;
    if (mpi.active() && size > 1) {
        if (rank != 0) {
            for (std::size_t i = std::size_t(rank); i < grid.size(); i += std::size_t(size)) send_entry(mpi, entries[i]);
            return 0;
        }
        for (std::size_t i = 0; i < grid.size(); ++i) {
            if (i % std::size_t(size) == 0) continue;
            const Scenario base = entries[i].base;
            receive_entry(mpi, int(i % std::size_t(size)), entries[i]);
            entries[i].base = base;
        }
    }
#endif
    std::cout << (f.json ? sweep_json(entries) + "\n" : sweep_table(entries));
    if (!f.csv.empty()) {
        std::string csv = plan_csv_header();
        for (const auto& e : entries) csv += plan_csv_rows(e.base, e.plans.all);
        write_output_file(f.csv, "--csv", csv);
    }
    if (!f.db.empty()) {
        for (const auto& e : entries) write_plans_sqlite(f.db, e.base, e.plans.all);
    }
    return 0;
}

}  // namespace

Command add_sweep(CLI::App& root) {
    auto* cmd = root.add_subcommand("sweep", "plan every scenario of a grid (models x clusters x GPU counts); MPI-aware");
    auto f = std::make_shared<SweepFlags>();
    cmd->add_option("grid", f->grid, "grid YAML file")->required();
    cmd->add_option("--threads", f->threads, "threads per process (default: all cores)")->check(CLI::Range(1, 1024));
    cmd->add_flag("--json", f->json, "print JSON");
    cmd->add_option("--csv", f->csv, "write every estimated plan of every scenario to this CSV file");
    cmd->add_option("--db", f->db, "append every estimated plan of every scenario to this SQLite file");
    return {cmd, [f](const Catalog& catalog) { return run_sweep(*f, catalog); }};
}

}  // namespace colossim::cli
