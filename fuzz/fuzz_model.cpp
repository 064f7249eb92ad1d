// Fuzz target: a model description, as our YAML schema or a HuggingFace config.json.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../src/spec/field_reader.hpp"
#include "../src/spec/model_reader.hpp"
#include "colossim/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        colossim::Diagnostics d;
        YAML::Node node = colossim::spec::load_document(text, "fuzz");
        colossim::ModelSpec m = colossim::spec::looks_like_hf_config(node)
                                    ? colossim::spec::read_hf_config(node, "fuzz", d)
                                    : colossim::spec::read_model_yaml(node, "model", d);
        colossim::count_parameters(m);
    } catch (const colossim::InputError&) {
    }
    return 0;
}
