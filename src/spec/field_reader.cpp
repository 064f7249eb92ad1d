#include "field_reader.hpp"

#include <algorithm>
#include <cctype>

#include <cmath>

#include "colossim/units_parse.hpp"

namespace colossim::spec {

FieldReader::FieldReader(YAML::Node node, std::string path, Diagnostics& diagnostics)
    : node_(std::move(node)), path_(std::move(path)), diagnostics_(diagnostics) {
    if (!node_.IsMap()) {
        throw InputError(path_.empty() ? "(document)" : path_, node_.IsScalar() ? node_.Scalar() : "",
                         "expected a mapping of key: value");
    }
    // A key given twice: the last one counts, as JSON readers (and so HuggingFace) take it;
    // yaml-cpp would hand back the first. Only this mapping is looked at (the values are
    // read by their own readers), so aliases are never expanded here.
    std::set<std::string> seen, repeated;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (it->first.IsScalar() && !seen.insert(it->first.Scalar()).second) repeated.insert(it->first.Scalar());
    }
    if (!repeated.empty()) {
        YAML::Node last(YAML::NodeType::Map);
        for (auto it = node_.begin(); it != node_.end(); ++it) {
            if (it->first.IsScalar()) last[it->first.Scalar()] = it->second;  // by value: the later one replaces
            else last[it->first] = it->second;
        }
        node_ = last;
        for (const auto& k : repeated) diagnostics_.warn(path_of(k) + " is given more than once: the last value is used");
    }
}

bool FieldReader::has(const std::string& key) const {
    auto n = node_[key];
    return n.IsDefined() && !n.IsNull();
}

std::string FieldReader::path_of(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
}

YAML::Node FieldReader::raw(const std::string& key) {
    read_.insert(key);
    return node_[key];
}

std::string FieldReader::scalar(const std::string& key, const char* expected) {
    read_.insert(key);
    auto n = node_[key];
    if (!n.IsDefined() || n.IsNull()) throw InputError(path_of(key), "", std::string("required: ") + expected);
    if (!n.IsScalar()) throw InputError(path_of(key), "(a list or mapping)", std::string("expected ") + expected);
    return n.Scalar();
}

std::int64_t FieldReader::integer(const std::string& key, std::int64_t min, std::int64_t max) {
    std::string s = scalar(key, "a whole number");
    auto v = parse_count(s);
    std::string valid = "a whole number from " + std::to_string(min) + " to " +
                        (max < 1'000'000 ? std::to_string(max) : format_count(double(max)));
    if (!v || *v != std::floor(*v) || *v < double(min) || *v > double(max)) throw InputError(path_of(key), s, valid);
    return static_cast<std::int64_t>(*v);
}

std::int64_t FieldReader::sequence_length(const std::string& key) {
    std::string s = scalar(key, "a whole number of tokens");
    const char last = s.empty() ? '\0' : s.back();
    const double unit = (last == 'k' || last == 'K') ? 1024.0 : (last == 'm' || last == 'M') ? 1048576.0 : 1.0;
    const std::string_view number = unit > 1 ? std::string_view(s).substr(0, s.size() - 1) : std::string_view(s);
    // One suffix only: "8kk" is not 8,000 x 1,024.
    const bool suffixed_twice = unit > 1 && !number.empty() && std::isalpha(static_cast<unsigned char>(number.back()));
    auto v = suffixed_twice ? std::nullopt : parse_count(number);
    const std::string valid = "a whole number of tokens from 1 to 16M (K = 1,024 and M = 1,048,576: 8k, 1M)";
    if (!v || *v * unit != std::floor(*v * unit) || *v * unit < 1 || *v * unit > 16.0 * 1048576) {
        throw InputError(path_of(key), s, valid);
    }
    return static_cast<std::int64_t>(*v * unit);
}

std::optional<std::int64_t> FieldReader::optional_integer(const std::string& key, std::int64_t min, std::int64_t max) {
    if (!has(key)) {
        read_.insert(key);
        return std::nullopt;
    }
    return integer(key, min, max);
}

double FieldReader::number(const std::string& key, double min, double max) {
    std::string s = scalar(key, "a number");
    auto v = parse_count(s);
    if (!v || *v < min || *v > max) {
        throw InputError(path_of(key), s,
                         "a number from " + format_count(min) + " to " + format_count(max));
    }
    return *v;
}

std::optional<double> FieldReader::optional_number(const std::string& key, double min, double max) {
    if (!has(key)) {
        read_.insert(key);
        return std::nullopt;
    }
    return number(key, min, max);
}

std::string FieldReader::text(const std::string& key) { return scalar(key, "a text value"); }

std::optional<std::string> FieldReader::optional_text(const std::string& key) {
    if (!has(key)) {
        read_.insert(key);
        return std::nullopt;
    }
    return text(key);
}

std::optional<bool> FieldReader::optional_flag(const std::string& key) {
    if (!has(key)) {
        read_.insert(key);
        return std::nullopt;
    }
    const std::string s = scalar(key, "true or false");
    if (const auto on = parse_switch(s)) return *on;
    throw InputError(path_of(key), s, "true or false (also on/off, yes/no, 1/0)");
}

std::string FieldReader::choice(const std::string& key, std::initializer_list<const char*> choices) {
    std::string s = scalar(key, "one of a list");
    std::string valid = "one of";
    for (const char* c : choices) {
        if (s == c) return s;
        valid += std::string(" ") + c;
    }
    throw InputError(path_of(key), s, valid);
}

namespace {
// The physical range of each kind of quantity a user can give, in SI base units: wide
// enough for every machine and run there is or is planned, narrow enough that a slip
// (1e-300 B/s, 1e308 days) is refused instead of printing inf or NaN.
struct PhysicalRange {
    double min, max;
    const char* text;
    const char* example;
};
constexpr PhysicalRange kSizeRange{1.0, 1e18, "1 B to 1 EB", "80 GB"};
constexpr PhysicalRange kRateRange{1e3, 1e16, "1 kB/s to 10 PB/s", "400 Gbit/s"};
constexpr PhysicalRange kFlopRateRange{1e6, 1e19, "1 MFLOP/s to 10 EFLOP/s", "989 TFLOP/s"};
constexpr PhysicalRange kPowerRange{1e-3, 1e10, "1 mW to 10 GW", "700 W"};
constexpr PhysicalRange kDurationRange{1e-9, 10 * 365.25 * 86400, "1 ns to 10 years", "5 us"};

template <class Q, class Parse>
Q parse_in_range(const std::string& field, const std::string& s, Parse parse, const PhysicalRange& range) {
    auto v = parse(s);
    if (!v || v->value <= 0.0) {
        throw InputError(field, s, std::string("a positive quantity with its unit, e.g. \"") + range.example + "\"");
    }
    if (!std::isfinite(v->value) || v->value < range.min || v->value > range.max) {
        throw InputError(field, s, std::string("a quantity from ") + range.text + ", e.g. \"" + range.example + "\"");
    }
    return *v;
}
}  // namespace

Bytes FieldReader::bytes(const std::string& key) {
    return parse_in_range<Bytes>(path_of(key), scalar(key, "a size such as \"80 GB\""), parse_bytes, kSizeRange);
}
ByteRate FieldReader::byte_rate(const std::string& key) {
    return parse_in_range<ByteRate>(path_of(key), scalar(key, "a rate such as \"400 Gbit/s\""), parse_byte_rate,
                                    kRateRange);
}
FlopRate FieldReader::flop_rate(const std::string& key) {
    return parse_in_range<FlopRate>(path_of(key), scalar(key, "a rate such as \"989 TFLOP/s\""), parse_flop_rate,
                                    kFlopRateRange);
}
Watts FieldReader::watts(const std::string& key) {
    return parse_in_range<Watts>(path_of(key), scalar(key, "a power such as \"700 W\""), parse_watts, kPowerRange);
}
Seconds FieldReader::duration(const std::string& key) {
    return parse_in_range<Seconds>(path_of(key), scalar(key, "a duration such as \"5 us\""), parse_duration,
                                   kDurationRange);
}

Seconds FieldReader::duration_with_unit(const std::string& key) {
    const std::string s = scalar(key, "a duration with its unit, e.g. \"54d\"");
    const auto last = s.find_last_not_of(" \t");
    if (last == std::string::npos || std::isdigit(static_cast<unsigned char>(s[last])) || s[last] == '.') {
        throw InputError(path_of(key), s, "a duration with its unit (s, min, h, d, w, y), e.g. \"54d\": a bare number could be seconds or days");
    }
    return duration(key);
}

void FieldReader::ignore(std::initializer_list<const char*> keys) {
    for (const char* k : keys) read_.insert(k);
}

void FieldReader::finish() {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        std::string key = it->first.IsScalar() ? it->first.Scalar() : "(non-text key)";
        if (!read_.count(key)) diagnostics_.warn("unknown key '" + path_of(key) + "' ignored");
    }
}

namespace {
// yaml-cpp keeps about a kilobyte a node: a 16 MiB file of keys would take gigabytes before
// it could be judged. The colons and commas of a text bound its keys and list items from
// above (a string holding them counts too); the largest file colossim ships, a validation
// suite, has about 3,100.
constexpr std::size_t kMaxStructure = 50'000;
std::size_t structure_of(const std::string& text) {
    return std::size_t(std::count_if(text.begin(), text.end(), [](char c) { return c == ':' || c == ','; }));
}
}  // namespace

YAML::Node load_document(const std::string& text, const std::string& source_name) {
    if (const std::size_t n = structure_of(text); n > kMaxStructure) {
        throw InputError(source_name, std::to_string(n) + " colons and commas",
                         "a document of at most 50,000 keys and list items");
    }
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw InputError(source_name, "line " + std::to_string(e.mark.line + 1) + ", column " +
                                          std::to_string(e.mark.column + 1),
                         "not valid YAML/JSON (" + e.msg + ")");
    }
}

YAML::Node load_mapping(const std::string& text, const std::string& source_name, const std::string& field,
                        const std::string& purpose) {
    if (const std::size_t n = structure_of(text); n > kMaxStructure) {
        throw InputError(field, source_name,
                         purpose + " has " + std::to_string(n) + " colons and commas; at most 50,000 keys and list items");
    }
    YAML::Node node;
    try {
        node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw InputError(field, source_name,
                         purpose + " is not valid YAML or JSON at line " + std::to_string(e.mark.line + 1) + ", column " +
                             std::to_string(e.mark.column + 1) + " (" + e.msg + ")");
    }
    if (!node.IsDefined() || node.IsNull()) {
        throw InputError(field, source_name, purpose + " is empty; expected a mapping of key: value");
    }
    if (!node.IsMap()) {
        throw InputError(field, source_name,
                         purpose + " holds " + (node.IsSequence() ? "a list" : "a single value") +
                             "; expected a mapping of key: value");
    }
    return node;
}

}  // namespace colossim::spec
