// A job's interruption rate from the components it uses.
#include <algorithm>

#include "colossim/datacenter.hpp"
#include "colossim/reliability.hpp"

namespace colossim {

ComponentCounts job_components(const ClusterSpec& c, std::int64_t gpus, Diagnostics& diagnostics) {
    // The fabric a job of this size needs: its own share of the cluster's fat tree. A
    // job's failures on links and switches scale with that, not with the whole building.
    FabricSpec f = fabric_of(c, diagnostics);
    FabricCounts net = count_fabric(f, port_link_speed(c, f), gpus, "gpus");
    ComponentCounts n;
    n.gpus = double(gpus);
    n.nodes = double((gpus + c.gpus_per_node - 1) / c.gpus_per_node);
    n.nics = double(gpus);  // one scale-out NIC a GPU in every cluster of the catalog
    n.links = double(net.links());
    n.switches = double(net.switches());
    n.jobs = 1;
    return n;
}

Frequency rate_per_component(const FailureProfile& p, const FailureCause& cause) {
    double exposure = p.observed.of(cause.per);  // checked > 0 by the reader when count > 0
    if (cause.count <= 0 || exposure <= 0) return Frequency(0);
    return Frequency(cause.count / (exposure * p.observed_duration.value));
}

JobFailureRates job_failure_rates(const FailureProfile& p, const ComponentCounts& job) {
    JobFailureRates r;
    for (const auto& c : p.unexpected) {
        Frequency f = rate_per_component(p, c) * job.of(c.per);
        r.unexpected += f;
        if (c.needs_repair) r.needs_repair += f;
        r.by_cause.emplace_back(c.name, f);
    }
    for (const auto& c : p.planned) r.planned += rate_per_component(p, c) * job.of(c.per);
    return r;
}

}  // namespace colossim
