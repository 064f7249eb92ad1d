// The options of `colossim goodput` beyond the scenario, read like any other input.
#include "../spec/field_reader.hpp"
#include "colossim/reliability.hpp"
#include "colossim/units_parse.hpp"

namespace colossim {

namespace {
// Ten years of training is beyond any run planned; it also bounds the simulation.
constexpr double kMaxDurationS = 10 * 365.25 * kSecondsPerDay;

Seconds bounded_duration(spec::FieldReader& r, const std::string& key) {
    Seconds d = r.duration_with_unit(key);
    if (d.value > kMaxDurationS) {
        throw InputError(r.path_of(key), r.raw(key).Scalar(), "a duration up to 10 years (e.g. \"54d\", \"3 w\")");
    }
    return d;
}
}  // namespace

GoodputOptions read_goodput_options(const std::vector<Override>& options, Diagnostics& diagnostics) {
    YAML::Node root(YAML::NodeType::Map);
    for (const auto& o : options) root[o.key] = o.value;
    spec::FieldReader r(root, "", diagnostics);
    GoodputOptions g;
    if (r.has("duration")) g.duration = bounded_duration(r, "duration");
    else r.raw("duration");
    if (r.has("checkpoint_interval") && r.raw("checkpoint_interval").Scalar() != "auto") {
        g.policy.interval = bounded_duration(r, "checkpoint_interval");
    }
    r.raw("checkpoint_interval");
    if (r.has("checkpoint")) {
        g.policy.mode = r.choice("checkpoint", {"sync", "async"}) == "async" ? CheckpointMode::async : CheckpointMode::sync;
    } else {
        r.raw("checkpoint");
    }
    if (r.has("spares")) g.policy.spares = r.integer("spares", 0, 10'000'000);
    else r.raw("spares");
    g.trials = r.optional_integer("trials", 0, kMaxTrials).value_or(g.trials);
    // Seeds up to 2^53: every one is exact as the double the reader parses.
    g.seed = static_cast<std::uint64_t>(r.optional_integer("seed", 0, std::int64_t(1) << 53).value_or(1));
    g.failures = r.optional_text("failures").value_or(g.failures);
    r.finish();
    return g;
}

}  // namespace colossim
