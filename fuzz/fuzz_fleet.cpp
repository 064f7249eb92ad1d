// Fuzz target: fleet scenarios (load_fleet, with inline job mixes and listed jobs) and
// job traces (CSV or JSON). A small fleet that loads is also run for one replication.
#include <cstddef>
#include <cstdint>
#include <string>

#include "colossim/fleet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    static const colossim::Catalog catalog = colossim::Catalog::builtin().without_files();
    try {
        if (text.rfind("arrival", 0) == 0 || text.rfind("[", 0) == 0) {
            colossim::read_job_trace(text, "fuzz");
            return 0;
        }
        colossim::Diagnostics d;
        const colossim::FleetSpec f = colossim::load_fleet(text, "fuzz", {}, catalog, d);
        const double jobs = double(f.jobs.size()) + (f.generator ? double(f.generator->jobs) : 0);
        if (f.layout.gpus <= 1024 && jobs <= 2000 && f.horizon.value <= 30 * 86400) {
            colossim::run_fleet_replication(f, 0, true, true);
        }
    } catch (const colossim::InputError&) {
    }
    return 0;
}
