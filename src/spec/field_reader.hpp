// Reads the fields of one YAML (or JSON: YAML 1.2 is a superset) mapping into typed values,
// naming the dotted path of every field in its errors and remembering which keys were
// read so that finish() can warn about the ones nobody asked for (typos, unknown keys).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>

#include "colossim/errors.hpp"
#include "colossim/units.hpp"

namespace colossim::spec {

class FieldReader {
public:
    // `where` prefixes warnings (a file name); `path` is this mapping's dotted path.
    FieldReader(YAML::Node node, std::string path, Diagnostics& diagnostics);

    bool has(const std::string& key) const;
    std::string path_of(const std::string& key) const;
    YAML::Node raw(const std::string& key);  // marks the key as read

    // Integers: whole numbers in [min, max] (count suffixes such as 16K are accepted).
    // The default bound keeps every loop and allocation downstream finite.
    static constexpr std::int64_t kMaxInteger = 1'000'000'000'000;  // 10^12
    std::int64_t integer(const std::string& key, std::int64_t min = 1, std::int64_t max = kMaxInteger);
    // A sequence length: a whole number, or K / M meaning 1,024 / 1,048,576 tokens as ML
    // papers write them ("8k" = 8,192, "1M" = 1,048,576).
    std::int64_t sequence_length(const std::string& key);
    // A duration a user types (a run, an interval, a restart): its unit is required, as a
    // bare "54" could mean seconds or days.
    Seconds duration_with_unit(const std::string& key);
    std::optional<std::int64_t> optional_integer(const std::string& key, std::int64_t min = 1,
                                                 std::int64_t max = kMaxInteger);
    double number(const std::string& key, double min, double max);  // inclusive range
    std::optional<double> optional_number(const std::string& key, double min, double max);
    std::string text(const std::string& key);
    std::optional<std::string> optional_text(const std::string& key);
    std::optional<bool> optional_flag(const std::string& key);  // true/false/on/off/yes/no
    // One of `choices`; the error lists them.
    std::string choice(const std::string& key, std::initializer_list<const char*> choices);

    Bytes bytes(const std::string& key);
    ByteRate byte_rate(const std::string& key);
    FlopRate flop_rate(const std::string& key);
    Watts watts(const std::string& key);
    Seconds duration(const std::string& key);

    // Warns (through Diagnostics) about every key that was never read.
    void finish();
    // Keys that are expected and knowingly ignored.
    void ignore(std::initializer_list<const char*> keys);

private:
    std::string scalar(const std::string& key, const char* expected);

    YAML::Node node_;
    std::string path_;
    Diagnostics& diagnostics_;
    std::set<std::string> read_;
};

// Loads YAML/JSON text; a syntax error becomes an InputError naming the source and line.
YAML::Node load_document(const std::string& text, const std::string& source_name);
// The same for a file that must hold a mapping, with errors that say what the file was for:
// `field` = the key or flag that named it ("model"), `purpose` = what it is ("model file").
YAML::Node load_mapping(const std::string& text, const std::string& source_name, const std::string& field,
                        const std::string& purpose);

}  // namespace colossim::spec
