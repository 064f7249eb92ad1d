// Fuzz target: GPU and cluster descriptions (data/gpus, data/clusters schema). The
// cluster's `gpu:` reference resolves against the built-in catalog.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../src/spec/field_reader.hpp"
#include "../src/spec/hardware_reader.hpp"
#include "colossim/catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const colossim::Catalog catalog = colossim::Catalog::builtin();
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        colossim::Diagnostics d;
        YAML::Node node = colossim::spec::load_document(text, "fuzz");
        if (node.IsMap() && node["gpu"].IsDefined()) {
            colossim::spec::read_cluster_yaml(node, "cluster", d, [&](const std::string& ref, const std::string& field) {
                if (colossim::is_path_reference(ref)) throw colossim::InputError(field, ref, "a catalog name (fuzzing)");
                return catalog.gpu(ref, field, d);
            });
        } else {
            colossim::spec::read_gpu_yaml(node, "gpu", d);
        }
    } catch (const colossim::InputError&) {
    }
    return 0;
}
