// `fleet`: a whole cluster over weeks or months: jobs queued, placed, failed, restarted.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "colossim/api.hpp"
#include "colossim/fleet_report.hpp"
#include "command.hpp"
#include "mpi_session.hpp"

namespace colossim::cli {

namespace {
struct FleetFlags {
    std::string file, days, seed, replications, policy, placement, spares, failures, csv, trace;
    int threads = 0;
    bool json = false, brief = false;
};

void make_directory(const std::string& dir) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) throw OutputError("CSV folder (--csv)", dir, "not a directory");
        return;
    }
    if (::mkdir(dir.c_str(), 0755) != 0) throw OutputError("CSV folder (--csv)", dir, std::strerror(errno));
}
}  // namespace

Command add_fleet(CLI::App& root) {
    auto* cmd = root.add_subcommand("fleet", "a whole cluster over months: many jobs, placement, failures, repairs, spares");
    auto f = std::make_shared<FleetFlags>();
    cmd->add_option("scenario", f->file, "fleet scenario YAML (cluster, days, jobs / trace / generator)")->required();
    cmd->add_option("--days", f->days, "simulated days (overrides days:)");
    cmd->add_option("--seed", f->seed, "random seed (overrides seed:)");
    cmd->add_option("--replications", f->replications, "independent runs, each with its own seeds");
    cmd->add_option("--policy", f->policy, "queue: fifo or backfill (EASY)");
    cmd->add_option("--placement", f->placement, "packed (leaf groups, then pods) or scattered");
    cmd->add_option("--spares", f->spares, "hot-spare nodes held back, a count or a share (\"2%\")");
    cmd->add_option("--failures", f->failures, "failure profile (data/reliability name or file), or off");
    cmd->add_option("--threads", f->threads, "replications in parallel (0: one a hardware thread)");
    cmd->add_option("--csv", f->csv, "write timeseries.csv and jobs.csv into this folder");
    cmd->add_option("--trace", f->trace, "write the first replication's timeline (Chrome JSON, a track per job)");
    cmd->add_flag("--json", f->json, "print one JSON object");
    cmd->add_flag("--brief", f->brief, "print one line: utilisation, the listed jobs' ETTR, the other jobs' waits");
    return {cmd, [f](const Catalog& catalog) {
                if (f->threads < 0 || f->threads > 4096) throw InputError("--threads", std::to_string(f->threads), "0 to 4096");
                api::FleetRequest r;
                r.text = read_text_file(f->file, "fleet");
                r.source = f->file;
                const std::pair<const char*, const std::string*> keys[] = {
                    {"days", &f->days},           {"seed", &f->seed},     {"replications", &f->replications},
                    {"policy", &f->policy},       {"placement", &f->placement}, {"spares", &f->spares},
                    {"failures", &f->failures}};
                for (const auto& [key, value] : keys) {
                    if (!value->empty()) r.overrides.push_back({key, *value});
                }
                r.threads = f->threads;
                r.spans = !f->trace.empty();
                r.keep_jobs = !f->csv.empty();
                // Under mpirun each rank runs a block of the replications and rank 0 gathers
                // them in order: the same numbers as one process.
                const MpiSession mpi;
                r.rank = mpi.rank();
                r.ranks = mpi.size();
                if (mpi.rank() == 0) r.progress = terminal_progress(f->json);
                api::FleetAnswer a = api::fleet_scenario(catalog, r);
                if (mpi.size() > 1) {
                    if (mpi.rank() != 0) {
                        mpi.send(std::to_string(a.replications.size()), 0);
                        for (const auto& rep : a.replications) mpi.send(replication_bytes(rep), 0);
                        return 0;
                    }
                    for (int from = 1; from < mpi.size(); ++from) {
                        const std::size_t count = std::stoul(mpi.receive(from));
                        for (std::size_t i = 0; i < count; ++i) a.replications.push_back(replication_from_bytes(mpi.receive(from)));
                    }
                    a.summary = summarize_fleet(a.spec, a.replications);
                }
                print_warnings(Diagnostics{a.warnings});
                if (!f->csv.empty()) {
                    make_directory(f->csv);
                    write_output_file(f->csv + "/timeseries.csv", "--csv", fleet_timeseries_csv(a.replications));
                    write_output_file(f->csv + "/jobs.csv", "--csv", fleet_jobs_csv(a.replications));
                }
                if (!f->trace.empty()) write_output_file(f->trace, "--trace", fleet_trace_json(a.spec, a.replications.front()));
                std::cout << (f->json    ? fleet_json(a.spec, a.summary, a.replications, a.warnings) + "\n"
                              : f->brief ? fleet_brief(a.spec, a.summary, a.replications)
                                         : fleet_table(a.spec, a.summary, a.replications));
                return 0;
            }};
}

}  // namespace colossim::cli
