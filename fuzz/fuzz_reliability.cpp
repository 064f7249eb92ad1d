// Fuzz target: failure profiles (data/reliability schema) and the options of `colossim
// goodput`. A document with `observed:` is a profile, run through the closed form and,
// when small enough, a few Monte-Carlo trials of a fixed scenario; any other mapping is
// taken as goodput options (key: value).
#include <cstddef>
#include <cstdint>
#include <string>

#include "../src/spec/field_reader.hpp"
#include "key_values.hpp"
#include "colossim/reliability.hpp"

namespace {
const colossim::Scenario& scenario() {
    static const colossim::Scenario s = [] {
        colossim::Diagnostics d;
        return colossim::load_scenario(
            "model: llama3-8b\ncluster: dgx-h100\ngpus: 64\ntraining: {seq_len: 8192, global_batch: 64}\n", "fuzz",
            {}, colossim::Catalog::builtin(), d);
    }();
    return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        colossim::Diagnostics d;
        YAML::Node node = colossim::spec::load_document(text, "fuzz");
        if (!node.IsMap()) return 0;
        if (node["observed"].IsDefined()) {
            colossim::FailureProfile p = colossim::read_failure_profile(text, "fuzz", {}, d);
            colossim::RunInputs in = colossim::build_run_model(scenario(), colossim::Seconds(86400),
                                                               colossim::Seconds(1), p, {}, d);
            colossim::GoodputResult g = colossim::expected_goodput(in.model);
            colossim::check_simulation_size(g, 2000);  // at most 10^6 failures a trial
            colossim::simulate_runs(in.model, 2, 1, 1);
        } else {
            colossim::read_goodput_options(colossim::fuzz::key_values(node), d);
        }
    } catch (const colossim::InputError&) {
    }
    return 0;
}
