// `fleet` as a library call: the CLI, Python and the server share it.
#include <algorithm>

#include "colossim/api.hpp"
#include "colossim/fleet_report.hpp"

namespace colossim::api {

FleetAnswer fleet_scenario(const Catalog& catalog, const FleetRequest& request) {
    Diagnostics diagnostics;
    FleetAnswer a;
    a.spec = load_fleet(request.text, request.source, request.overrides, catalog, diagnostics);
    FleetRunOptions o;
    o.threads = request.threads;
    o.progress = request.progress;
    o.spans = request.spans;
    o.keep_jobs = request.keep_jobs;
    const std::int64_t n = a.spec.replications, ranks = std::max<std::int64_t>(1, request.ranks);
    o.first = n * request.rank / ranks;
    o.count = n * (request.rank + 1) / ranks - o.first;
    if (o.count > 0) a.replications = run_fleet(a.spec, o);
    a.summary = summarize_fleet(a.spec, a.replications);
    a.warnings = std::move(diagnostics.warnings);
    return a;
}

Answer fleet(const Catalog& catalog, const FleetRequest& request) {
    FleetAnswer a = fleet_scenario(catalog, request);
    return {fleet_json(a.spec, a.summary, a.replications, a.warnings), a.warnings};
}

}  // namespace colossim::api
