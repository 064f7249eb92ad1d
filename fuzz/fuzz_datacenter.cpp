// Fuzz target: prices files (data/prices schema), a cluster's `fabric:` section and the
// options of `colossim datacenter`. A document with `switch_ports` is a fabric, counted at
// several sizes; one with `node` is a prices file, used to size a dgx-h100 datacenter;
// any other mapping is taken as datacenter options (key: value).
#include <cstddef>
#include <cstdint>
#include <string>

#include "../src/spec/field_reader.hpp"
#include "key_values.hpp"
#include "../src/spec/hardware_reader.hpp"
#include "colossim/datacenter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const colossim::Catalog catalog = colossim::Catalog::builtin();
    static const colossim::ClusterSpec cluster = [] {
        colossim::Diagnostics d;
        return catalog.cluster("dgx-h100", "cluster", d);
    }();
    std::string text(reinterpret_cast<const char*>(data), size);
    colossim::Diagnostics d;
    try {
        YAML::Node node = colossim::spec::load_document(text, "fuzz");
        if (!node.IsMap()) return 0;
        if (node["switch_ports"].IsDefined()) {
            colossim::FabricSpec f = colossim::spec::read_fabric_yaml(node, "fabric", d);
            for (std::int64_t gpus : {1, 8, 1000, 16384, 200000, 10000000}) {
                try {
                    colossim::count_fabric(f, cluster.nic_bandwidth, gpus, "gpus");
                } catch (const colossim::InputError&) {
                }
            }
        } else if (node["node"].IsDefined()) {
            colossim::Prices p = colossim::read_prices(text, "fuzz", {}, d);
            colossim::size_datacenter(cluster, 1024, p, colossim::Seconds(86400), d);
        } else {
            colossim::read_datacenter_options(colossim::fuzz::key_values(node), d);
        }
    } catch (const colossim::InputError&) {
    }
    return 0;
}
