// Fuzz target: a sweep grid file, and the scenarios it expands to (loaded, not planned).
#include <cstddef>
#include <cstdint>
#include <string>

#include "colossim/spec.hpp"
#include "colossim/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const colossim::Catalog catalog = colossim::Catalog::builtin();
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        colossim::Diagnostics d;
        colossim::SweepGrid grid = colossim::read_sweep_grid(text, "fuzz", d);
        for (std::size_t i = 0; i < grid.size() && i < 4; ++i) {
            colossim::load_scenario(grid.scenario_yaml(i), "fuzz", {}, catalog, d, colossim::ScenarioCheck::fields_only);
        }
    } catch (const colossim::InputError&) {
    }
    return 0;
}
