// Failure profiles (data/reliability/NAME.yaml; schema in data/README.md).
#include "../spec/field_reader.hpp"
#include "../spec/hardware_reader.hpp"
#include "colossim/reliability.hpp"

namespace colossim {

namespace {
Component parse_component(spec::FieldReader& r, const std::string& key) {
    std::string s = r.choice(key, {"gpu", "node", "nic", "link", "switch", "job"});
    if (s == "gpu") return Component::gpu;
    if (s == "node") return Component::node;
    if (s == "nic") return Component::nic;
    if (s == "link") return Component::link;
    if (s == "switch") return Component::network_switch;
    return Component::job;
}

// `group: {cause: {per: gpu, count: 148, repair: true}, ...}`
std::vector<FailureCause> read_causes(spec::FieldReader& r, const std::string& key, bool repair_default,
                                      Diagnostics& diagnostics) {
    std::vector<FailureCause> out;
    YAML::Node node = r.raw(key);
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsMap()) throw InputError(r.path_of(key), "", "a mapping of cause: {per, count, repair}");
    for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) throw InputError(r.path_of(key), "(a non-text key)", "a mapping of cause: {...}");
        spec::FieldReader c(it->second, r.path_of(key) + "." + it->first.Scalar(), diagnostics);
        FailureCause cause;
        cause.name = it->first.Scalar();
        cause.per = parse_component(c, "per");
        // A count, not necessarily whole: a rate quoted per 1,000 node-days is a count too.
        cause.count = c.number("count", 0, 1e9);
        cause.needs_repair = c.optional_flag("repair").value_or(repair_default);
        c.ignore({"source"});
        c.finish();
        out.push_back(cause);
    }
    return out;
}

// The key of a component's count under `observed:`.
const char* observed_key(Component c) {
    switch (c) {
        case Component::gpu: return "gpus";
        case Component::node: return "nodes";
        case Component::nic: return "nics";
        case Component::link: return "links";
        case Component::network_switch: return "switches";
        case Component::job: return "jobs";
    }
    return "?";
}

Seconds optional_duration(spec::FieldReader& r, const std::string& key, Seconds fallback) {
    if (!r.has(key)) {
        r.raw(key);
        return fallback;
    }
    return r.duration(key);
}
}  // namespace

const char* to_string(Component c) {
    switch (c) {
        case Component::gpu: return "gpu";
        case Component::node: return "node";
        case Component::nic: return "nic";
        case Component::link: return "link";
        case Component::network_switch: return "switch";
        case Component::job: return "job";
    }
    return "?";
}

double ComponentCounts::of(Component c) const {
    switch (c) {
        case Component::gpu: return gpus;
        case Component::node: return nodes;
        case Component::nic: return nics;
        case Component::link: return links;
        case Component::network_switch: return switches;
        case Component::job: return jobs;
    }
    return 0;
}

FailureProfile read_failure_profile(const std::string& yaml_text, const std::string& source_name,
                                    const std::vector<Override>& overrides, Diagnostics& diagnostics) {
    YAML::Node root = spec::load_mapping(yaml_text, source_name, "failures", "the failure profile (observed, unexpected, ...)");
    for (const auto& o : overrides) root[o.key] = o.value;
    spec::FieldReader r(root, "", diagnostics);
    FailureProfile p;
    p.name = r.text("name");
    p.description = r.optional_text("description").value_or("");
    {
        spec::FieldReader o(r.raw("observed"), "observed", diagnostics);
        p.observed_duration = o.duration("duration");
        // Counts up to 10^9: far above any run observed so far (10^5 GPUs).
        constexpr double kMax = 1e9;
        p.observed.gpus = o.optional_number("gpus", 0, kMax).value_or(0);
        p.observed.nodes = o.optional_number("nodes", 0, kMax).value_or(0);
        p.observed.nics = o.optional_number("nics", 0, kMax).value_or(0);
        p.observed.links = o.optional_number("links", 0, kMax).value_or(0);
        p.observed.switches = o.optional_number("switches", 0, kMax).value_or(0);
        p.observed.jobs = o.optional_number("jobs", 0, kMax).value_or(1);
        o.ignore({"source"});
        o.finish();
    }
    p.unexpected = read_causes(r, "unexpected", true, diagnostics);
    p.planned = read_causes(r, "planned", false, diagnostics);
    for (const auto* group : {&p.unexpected, &p.planned}) {
        for (const auto& c : *group) {
            if (c.count > 0 && p.observed.of(c.per) <= 0) {
                throw InputError(std::string("observed.") + observed_key(c.per), "(missing or 0)",
                                 "the number of " + std::string(to_string(c.per)) + "s in the observed run (cause " +
                                     c.name + " is counted per " + to_string(c.per) + ")");
            }
        }
    }
    p.detection = optional_duration(r, "detection", Seconds(0));
    p.restart = optional_duration(r, "restart", Seconds(0));
    p.repair = r.duration("repair");
    p.spare_fraction = r.optional_number("spare_fraction", 0, 1).value_or(0);
    p.storage_bandwidth = r.byte_rate("storage_bandwidth");
    p.node_storage_bandwidth = r.byte_rate("node_storage_bandwidth");
    p.host_copy_bandwidth = r.byte_rate("host_copy_bandwidth");
    p.sources = spec::read_sources_map(r.raw("sources"), "sources");
    r.finish();
    return p;
}

FailureProfile load_failure_profile(const Catalog& catalog, const std::string& reference,
                                    const std::vector<Override>& overrides, Diagnostics& diagnostics) {
    std::string source;
    std::string text = catalog.find_text(CatalogKind::reliability, reference, "failures", source);
    return read_labelled("failure profile", reference, "", "failures",
                         [&] { return read_failure_profile(text, source, overrides, diagnostics); });
}

}  // namespace colossim
