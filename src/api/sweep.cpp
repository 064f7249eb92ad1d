// `sweep` as a library call: every scenario of a grid (models x clusters x GPU counts)
// planned. The CLI deals the scenarios to MPI ranks (rank, ranks) and gathers them on rank
// 0; the Python module and one process take them all.
#include "colossim/api.hpp"
#include "colossim/plan_report.hpp"

namespace colossim::api {

SweepAnswer sweep_grid(const Catalog& catalog, const SweepRequest& r) {
    if (r.ranks == 0 || r.rank >= r.ranks) throw InternalError("sweep: rank out of range");
    Diagnostics diagnostics;
    SweepAnswer a;
    a.grid = read_sweep_grid(r.grid_text, r.source, diagnostics);
    const Calibration calibration = Calibration::from_catalog(catalog);
    // Every scenario is checked first, so that bad input stops every rank alike and before
    // any is planned.
    a.entries.resize(a.grid.size());
    for (std::size_t i = 0; i < a.grid.size(); ++i) {
        Diagnostics d;
        a.entries[i].index = i;
        a.entries[i].base = load_scenario(a.grid.scenario_yaml(i), r.source + " scenario " + std::to_string(i), {}, catalog,
                                          d, ScenarioCheck::fields_only);
    }
    PlanOptions options;
    options.top = 1;
    options.threads = r.threads;
    options.keep_all = r.keep_all;
    const std::size_t mine = (a.grid.size() + r.ranks - 1 - r.rank) / r.ranks;  // entries rank, rank + ranks, ...
    std::size_t done = 0;
    for (std::size_t i = r.rank; i < a.grid.size(); i += r.ranks) {
        if (r.progress) {
            // A plan's own progress, as a share of this process's entries.
            options.progress = [&, done](double f) { r.progress((double(done) + f) / double(mine)); };
        }
        a.entries[i] = run_sweep_entry(a.grid, i, catalog, calibration, options);
        ++done;
    }
    if (r.progress) r.progress(1.0);
    a.warnings = std::move(diagnostics.warnings);
    return a;
}

Answer sweep(const Catalog& catalog, const SweepRequest& request) {
    SweepAnswer a = sweep_grid(catalog, request);
    return {sweep_json(a.entries), a.warnings};
}

}  // namespace colossim::api
