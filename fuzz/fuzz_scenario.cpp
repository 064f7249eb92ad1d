// Fuzz target: a scenario file (YAML) through parsing, validation and the analytical
// engine. An InputError is the expected answer to bad input; anything else — another
// exception, a crash, a sanitizer report, a hang — is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "colossim/estimate.hpp"
#include "colossim/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const colossim::Catalog catalog = colossim::Catalog::builtin();
    static const colossim::Calibration calibration = colossim::Calibration::from_catalog(catalog);
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        colossim::Diagnostics d;
        colossim::Scenario s = colossim::load_scenario(text, "fuzz", {}, catalog, d);
        colossim::estimate(s, calibration);
    } catch (const colossim::InputError&) {
    }
    return 0;
}
