// `sweep`: plan every scenario of a grid file. Under mpirun the scenarios are dealt
// round-robin to the ranks and gathered on rank 0, which prints exactly what one process
// prints. Without MPI (not built with it, or not started by mpirun) one process does all.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <type_traits>

#include "colossim/api.hpp"
#include "colossim/plan_report.hpp"
#include "command.hpp"

#ifdef COLOSSIM_WITH_MPI
#include <mpi.h>
#endif

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

bool started_by_mpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
           std::getenv("PMIX_RANK") != nullptr;
}

void send_bytes(const void* data, std::size_t n, int to) {
    std::uint64_t size = n;
    MPI_Send(&size, 1, MPI_UINT64_T, to, 0, MPI_COMM_WORLD);
    if (n > 0) MPI_Send(data, int(n), MPI_BYTE, to, 0, MPI_COMM_WORLD);
}

std::string receive_bytes(int from) {
    std::uint64_t size = 0;
    MPI_Recv(&size, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    std::string data(size, '\0');
    if (size > 0) MPI_Recv(data.data(), int(size), MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return data;
}

void send_rows(const std::vector<PlanRow>& rows, int to) { send_bytes(rows.data(), rows.size() * sizeof(PlanRow), to); }

std::vector<PlanRow> receive_rows(int from) {
    std::string bytes = receive_bytes(from);
    std::vector<PlanRow> rows(bytes.size() / sizeof(PlanRow));
    // No rows: an empty vector's data() may be null, which memcpy must not be given.
    if (!rows.empty()) std::memcpy(static_cast<void*>(rows.data()), bytes.data(), bytes.size());
    return rows;
}

// Sends one planned entry's results to rank 0 (the scenario itself is rebuilt there).
void send_entry(const SweepEntry& e) {
    std::int64_t counts[3] = {std::int64_t(e.index), e.plans.candidates, e.plans.evaluated};
    MPI_Send(counts, 3, MPI_INT64_T, 0, 0, MPI_COMM_WORLD);
    std::string rejected;
    for (const auto& [reason, n] : e.plans.rejected) rejected += reason + '\t' + std::to_string(n) + '\n';
    send_bytes(rejected.data(), rejected.size(), 0);
    send_rows(e.plans.best, 0);
    send_rows(e.plans.all, 0);
}

void receive_entry(int from, SweepEntry& e) {
    std::int64_t counts[3];
    MPI_Recv(counts, 3, MPI_INT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    e.index = std::size_t(counts[0]);
    e.plans.candidates = counts[1];
    e.plans.evaluated = counts[2];
    std::string rejected = receive_bytes(from);
    for (std::size_t pos = 0; pos < rejected.size();) {
        std::size_t tab = rejected.find('\t', pos), end = rejected.find('\n', tab);
        e.plans.rejected[rejected.substr(pos, tab - pos)] = std::stoll(rejected.substr(tab + 1, end - tab - 1));
        pos = end + 1;
    }
    e.plans.best = receive_rows(from);
    e.plans.all = receive_rows(from);
}
#endif

int run_sweep(const SweepFlags& f, const Catalog& catalog) {
    int rank = 0, size = 1;
#ifdef COLOSSIM_WITH_MPI
    const bool mpi = started_by_mpirun();
    if (mpi) {
        MPI_Init(nullptr, nullptr);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
    struct Finalize {
        bool on;
        ~Finalize() {
            if (on) MPI_Finalize();
        }
    } finalize{mpi};
#endif
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
    if (mpi && size > 1) {
        if (rank != 0) {
            for (std::size_t i = std::size_t(rank); i < grid.size(); i += std::size_t(size)) send_entry(entries[i]);
            return 0;
        }
        for (std::size_t i = 0; i < grid.size(); ++i) {
            if (i % std::size_t(size) == 0) continue;
            const Scenario base = entries[i].base;
            receive_entry(int(i % std::size_t(size)), entries[i]);
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
