// The catalog of models, GPUs and clusters shipped under data/ (compiled into the library)
// and the resolution of a reference — a catalog name or a file path — to a spec.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "colossim/errors.hpp"
#include "colossim/hardware.hpp"
#include "colossim/model.hpp"

namespace colossim {

// Each kind is a folder of data/: models/, gpus/, clusters/, validation/, calibration/,
// reliability/ (failure profiles) and prices/.
// job_mix: a fleet workload generator's job sizes and durations (data/fleet/).
enum class CatalogKind { model, gpu, cluster, validation, calibration, reliability, prices, job_mix };

class Catalog {
public:
    // The files compiled in from data/.
    static Catalog builtin();

    std::vector<std::string> names(CatalogKind kind) const;
    // The YAML text of a catalog entry; nullptr if there is none.
    const std::string* text(CatalogKind kind, const std::string& name) const;

    // A reference is a catalog name, or a path to a YAML file or HuggingFace config.json.
    // `field` names where the reference came from, for errors ("model").
    ModelSpec model(const std::string& reference, const std::string& field, Diagnostics& diagnostics) const;
    GpuSpec gpu(const std::string& reference, const std::string& field, Diagnostics& diagnostics) const;
    ClusterSpec cluster(const std::string& reference, const std::string& field, Diagnostics& diagnostics) const;

    // The text of a reference (catalog name or file path) of any kind; `source_name` is set
    // to where it came from, for errors. An unknown name is an InputError on `field`.
    std::string find_text(CatalogKind kind, const std::string& reference, const std::string& field,
                          std::string& source_name) const;

    // The same catalog, refusing every file reference (an InputError naming the field):
    // what the web server answers with, so that no request makes it read a path it names.
    Catalog without_files() const;
    bool reads_files() const { return reads_files_; }

    struct Entry {
        CatalogKind kind;
        std::string name;
        std::string text;
    };

private:
    std::vector<Entry> entries_;
    bool reads_files_ = true;
};

const char* to_string(CatalogKind k);

// True when a reference names a file rather than a catalog entry.
bool is_path_reference(const std::string& reference);

// Every file colossim reads (model, cluster, scenario, grid, prices, failures) is at most
// this big; larger ones are refused before they are read.
inline constexpr std::uintmax_t kMaxInputFileBytes = 16u << 20;

// Reads a whole file; a missing or unreadable file, a FIFO, device or directory, or one
// above kMaxInputFileBytes is an InputError on `field`.
std::string read_text_file(const std::string& path, const std::string& field);

// Runs `read`, which parses the text of `reference`; when that is a user's file (not a
// catalog entry), an error about a field inside it names the file and what it was for
// ("model file x.yaml: layers = ..."). `prefix`: the dotted path the reader puts before
// its fields ("" none); `whole`: the field an error about the file as a whole carries
// (not YAML, empty), which names the file already and passes through.
template <class Read>
auto read_labelled(const char* what, const std::string& reference, const std::string& prefix, const std::string& whole,
                   Read&& read) {
    if (!is_path_reference(reference)) return read();
    try {
        return read();
    } catch (const InputError& e) {
        const std::string& field = e.field();
        const bool inside = field != whole && (prefix.empty() || field == prefix || field.rfind(prefix + ".", 0) == 0);
        if (!inside) throw;
        const std::string inner = prefix.empty() ? field : field == prefix ? "" : field.substr(prefix.size() + 1);
        throw InputError(std::string(what) + " file " + reference + (inner.empty() ? "" : ": " + inner), e.value(), e.valid());
    }
}

}  // namespace colossim
