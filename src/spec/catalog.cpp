#include <filesystem>
#include "colossim/catalog.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "embedded_data.hpp"
#include "field_reader.hpp"
#include "hardware_reader.hpp"
#include "model_reader.hpp"

namespace colossim {

const char* to_string(CatalogKind k) {
    switch (k) {
        case CatalogKind::model: return "model";
        case CatalogKind::gpu: return "gpu";
        case CatalogKind::cluster: return "cluster";
        case CatalogKind::validation: return "validation";
        case CatalogKind::calibration: return "calibration";
        case CatalogKind::reliability: return "reliability";
        case CatalogKind::prices: return "prices";
        case CatalogKind::job_mix: return "job mix";
    }
    return "?";
}

namespace {
const char* folder_of(CatalogKind k) {
    switch (k) {
        case CatalogKind::model: return "models/";
        case CatalogKind::gpu: return "gpus/";
        case CatalogKind::cluster: return "clusters/";
        case CatalogKind::validation: return "validation/";
        case CatalogKind::calibration: return "calibration/";
        case CatalogKind::reliability: return "reliability/";
        case CatalogKind::prices: return "prices/";
        case CatalogKind::job_mix: return "fleet/";
    }
    return "";
}
}  // namespace

Catalog Catalog::builtin() {
    Catalog c;
    for (std::size_t i = 0; i < detail::kEmbeddedFileCount; ++i) {
        std::string path = detail::kEmbeddedFiles[i].path;
        for (CatalogKind k : {CatalogKind::model, CatalogKind::gpu, CatalogKind::cluster, CatalogKind::validation,
                               CatalogKind::calibration, CatalogKind::reliability, CatalogKind::prices,
                               CatalogKind::job_mix}) {
            std::string folder = folder_of(k);
            if (path.starts_with(folder) && path.ends_with(".yaml")) {
                std::string name = path.substr(folder.size(), path.size() - folder.size() - 5);
                c.entries_.push_back({k, name, detail::kEmbeddedFiles[i].text});
            }
        }
    }
    return c;
}

std::vector<std::string> Catalog::names(CatalogKind kind) const {
    std::vector<std::string> out;
    for (const auto& e : entries_) {
        if (e.kind == kind) out.push_back(e.name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

Catalog Catalog::without_files() const {
    Catalog c = *this;
    c.reads_files_ = false;
    return c;
}

const std::string* Catalog::text(CatalogKind kind, const std::string& name) const {
    for (const auto& e : entries_) {
        if (e.kind == kind && e.name == name) return &e.text;
    }
    return nullptr;
}

bool is_path_reference(const std::string& reference) {
    return reference.find('/') != std::string::npos || reference.ends_with(".json") ||
           reference.ends_with(".yaml") || reference.ends_with(".yml");
}

std::string read_text_file(const std::string& path, const std::string& field) {
    // Judged before it is opened: a FIFO would block, a device (/dev/zero) never ends,
    // a directory reads as nothing.
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        throw InputError(field, path, "a readable file (it does not exist or cannot be opened)");
    }
    if (!std::filesystem::is_regular_file(status)) {
        const char* what = std::filesystem::is_directory(status) ? "a directory" : "not a regular file (a FIFO, socket or device)";
        throw InputError(field, path, std::string("a regular file; this is ") + what);
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxInputFileBytes) {
        throw InputError(field, path,
                         "a file of at most 16 MiB (this one has " + std::to_string(size) + " bytes)");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(field, path, "a readable file (it does not exist or cannot be opened)");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw InputError(field, path, "a readable file (reading failed)");
    if (ss.str().empty()) throw InputError(field, path, "a file with content (this one is empty)");
    return ss.str();
}

std::string Catalog::find_text(CatalogKind kind, const std::string& reference, const std::string& field,
                               std::string& source_name) const {
    if (is_path_reference(reference)) {
        if (!reads_files_) {
            throw InputError(field, reference,
                             "a catalog name: this server reads no files (give a model as a mapping, e.g. a pasted config.json)");
        }
        source_name = reference;
        return read_text_file(reference, field);
    }
    if (const std::string* t = text(kind, reference)) {
        source_name = std::string(folder_of(kind)) + reference + ".yaml";
        return *t;
    }
    auto all = names(kind);
    std::string hint = closest_name(reference, all);
    std::string valid;
    if (kind == CatalogKind::model || kind == CatalogKind::gpu || kind == CatalogKind::cluster) {
        valid = "a " + std::string(to_string(kind)) + " from `colossim list " + to_string(kind) + "s` or a file path";
    } else {
        valid = "one of data/" + std::string(folder_of(kind)) + ":";
        for (const auto& n : all) valid += " " + n;
        valid += ", or a file path";
    }
    if (!hint.empty()) valid = "did you mean '" + hint + "'? (" + valid + ")";
    throw InputError(field, reference, valid);
}

ModelSpec Catalog::model(const std::string& reference, const std::string& field, Diagnostics& diagnostics) const {
    std::string source;
    std::string text = find_text(CatalogKind::model, reference, field, source);
    return read_labelled("model", reference, source, field, [&] {
        YAML::Node node = spec::load_mapping(text, source, field, "the model file (our YAML or a HuggingFace config.json)");
        if (spec::looks_like_hf_config(node)) return spec::read_hf_config(node, source, diagnostics);
        return spec::read_model_yaml(node, source, diagnostics);
    });
}

GpuSpec Catalog::gpu(const std::string& reference, const std::string& field, Diagnostics& diagnostics) const {
    std::string source;
    std::string text = find_text(CatalogKind::gpu, reference, field, source);
    return read_labelled("GPU", reference, source, field, [&] {
        return spec::read_gpu_yaml(spec::load_mapping(text, source, field, "the GPU file"), source, diagnostics);
    });
}

ClusterSpec Catalog::cluster(const std::string& reference, const std::string& field,
                             Diagnostics& diagnostics) const {
    std::string source;
    std::string text = find_text(CatalogKind::cluster, reference, field, source);
    return read_labelled("cluster", reference, source, field, [&] {
        return spec::read_cluster_yaml(
            spec::load_mapping(text, source, field, "the cluster file"), source, diagnostics,
            [&](const std::string& ref, const std::string& f) { return gpu(ref, f, diagnostics); });
    });
}

}  // namespace colossim
