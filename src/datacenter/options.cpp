// The options of `colossim datacenter`, read like any other input.
#include "../spec/field_reader.hpp"
#include "colossim/datacenter.hpp"

namespace colossim {

DatacenterOptions read_datacenter_options(const std::vector<Override>& options, Diagnostics& diagnostics) {
    YAML::Node root(YAML::NodeType::Map);
    for (const auto& o : options) root[o.key] = o.value;
    spec::FieldReader r(root, "", diagnostics);
    DatacenterOptions d;
    if (!r.has("cluster")) throw InputError("cluster", "", "required: a cluster from `colossim list clusters` or a file");
    d.cluster = r.text("cluster");
    if (!r.has("gpus")) throw InputError("gpus", "", "required: the number of GPUs to house (--gpus)");
    // Ten million GPUs is an order of magnitude above any datacenter planned; the fabric
    // check refuses what its switches cannot join well before that.
    d.gpus = r.integer("gpus", 1, 10'000'000);
    if (r.has("duration")) {
        d.run = r.duration_with_unit("duration");
        if (d.run.value > 100 * 365.25 * kSecondsPerDay) {
            throw InputError("duration", r.raw("duration").Scalar(), "a run of at most 100 years");
        }
    } else {
        r.raw("duration");
    }
    d.prices = r.optional_text("prices").value_or(d.prices);
    d.pue = r.optional_number("pue", 1.0, 5.0);
    r.finish();
    return d;
}

}  // namespace colossim
