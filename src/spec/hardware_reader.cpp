#include "hardware_reader.hpp"

#include "field_reader.hpp"

namespace colossim::spec {

std::map<std::string, std::string> read_sources_map(const YAML::Node& node, const std::string& path) {
    std::map<std::string, std::string> out;
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsMap()) throw InputError(path, "", "a mapping of field: citation");
    for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) throw InputError(path, "(a non-text key)", "a mapping of field: citation");
        out[it->first.Scalar()] = it->second.IsScalar() ? it->second.Scalar() : "";
    }
    return out;
}

GpuSpec read_gpu_yaml(const YAML::Node& node, const std::string& path, Diagnostics& diagnostics) {
    FieldReader r(node, path, diagnostics);
    GpuSpec g;
    g.name = r.text("name");
    g.description = r.optional_text("description").value_or("");
    g.generation = r.optional_text("generation").value_or("");
    g.peak_bf16 = r.flop_rate("peak_bf16");
    if (r.has("peak_fp8")) g.peak_fp8 = r.flop_rate("peak_fp8");
    else r.raw("peak_fp8");
    g.hbm_capacity = r.bytes("hbm_capacity");
    g.hbm_bandwidth = r.byte_rate("hbm_bandwidth");
    g.nvlink_bandwidth = r.byte_rate("nvlink_bandwidth");
    g.tdp = r.watts("tdp");
    g.sm_count = r.integer("sm_count");
    g.gemm_efficiency = r.optional_number("gemm_efficiency", 0.01, 1.0).value_or(0.0);
    g.gemm_efficiency_fp8 = r.optional_number("gemm_efficiency_fp8", 0.01, 1.0).value_or(0.0);
    g.attention_efficiency = r.optional_number("attention_efficiency", 0.01, 1.0).value_or(0.0);
    g.attention_seq_half = r.optional_number("attention_seq_half", 1.0, 1e6).value_or(0.0);
    g.nvlink_efficiency = r.optional_number("nvlink_efficiency", 0.01, 1.0).value_or(0.0);
    g.sources = read_sources_map(r.raw("sources"), r.path_of("sources"));
    r.finish();
    return g;
}

FabricSpec read_fabric_yaml(const YAML::Node& node, const std::string& path, Diagnostics& diagnostics) {
    FieldReader r(node, path, diagnostics);
    FabricSpec f;
    f.switch_model = r.text("switch");
    f.max_tiers = static_cast<int>(r.optional_integer("tiers", 1, 3).value_or(3));
    // 4096 ports is far above any switch built (the largest are 144-512 ports at their speed).
    f.switch_ports = r.integer("switch_ports", 2, 4096);
    f.port_speed = r.byte_rate("port_speed");
    // Oversubscription is down:up bandwidth; 1 is full bisection, Llama 3's top tier was 7.
    f.leaf_oversubscription = r.optional_number("leaf_oversubscription", 1, 64).value_or(1);
    f.spine_oversubscription = r.optional_number("spine_oversubscription", 1, 64).value_or(1);
    f.rail_optimized = r.optional_flag("rail_optimized").value_or(false);
    f.planes = r.optional_integer("planes", 1, 64).value_or(1);
    if (r.has("switch_latency")) f.switch_latency = r.duration("switch_latency");
    f.nodes_per_rack = r.integer("nodes_per_rack", 1, 1024);
    if (r.has("nic_links")) f.optical_nic_links = r.choice("nic_links", {"optical", "copper"}) == "optical";
    else r.raw("nic_links");
    f.switch_power = r.watts("switch_power");
    f.transceiver_power = r.watts("transceiver_power");
    f.sources = read_sources_map(r.raw("sources"), r.path_of("sources"));
    r.finish();
    return f;
}

ClusterSpec read_cluster_yaml(const YAML::Node& node, const std::string& path, Diagnostics& diagnostics,
                              const GpuResolver& resolve_gpu) {
    FieldReader r(node, path, diagnostics);
    ClusterSpec c;
    c.name = r.text("name");
    c.description = r.optional_text("description").value_or("");
    c.gpu = resolve_gpu(r.text("gpu"), r.path_of("gpu"));
    c.gpus_per_node = r.integer("gpus_per_node");
    c.nvlink_domain = r.optional_integer("nvlink_domain").value_or(c.gpus_per_node);
    c.nic_bandwidth = r.byte_rate("nic_bandwidth");
    c.nvlink_latency = r.has("nvlink_latency") ? r.duration("nvlink_latency") : microseconds(3);
    c.network_latency = r.has("network_latency") ? r.duration("network_latency") : microseconds(8);
    r.ignore({"nvlink_latency", "network_latency"});
    c.max_gpus = r.optional_integer("max_gpus").value_or(0);
    c.host_power = r.has("host_power") ? r.watts("host_power") : Watts(0);
    r.ignore({"host_power"});
    c.pue = r.optional_number("pue", 1.0, 5.0).value_or(1.2);
    c.price_per_gpu_hour = r.optional_number("price_per_gpu_hour", 0.0, 1e4).value_or(0.0);
    if (r.has("fabric")) c.fabric = read_fabric_yaml(r.raw("fabric"), r.path_of("fabric"), diagnostics);
    else r.raw("fabric");
    c.sources = read_sources_map(r.raw("sources"), r.path_of("sources"));
    r.finish();
    if (c.nvlink_domain < c.gpus_per_node && c.nvlink_domain != 1) {
        throw InputError(r.path_of("nvlink_domain"), std::to_string(c.nvlink_domain),
                         "at least gpus_per_node (" + std::to_string(c.gpus_per_node) + "), or 1 for no NVLink");
    }
    // Plane i joins NIC i of every node, so the planes must share the node's NICs out evenly.
    if (c.fabric && c.gpus_per_node % c.fabric->planes != 0) {
        throw InputError(r.path_of("fabric.planes"), std::to_string(c.fabric->planes),
                         "a divisor of gpus_per_node (" + std::to_string(c.gpus_per_node) + ")");
    }
    return c;
}

}  // namespace colossim::spec
