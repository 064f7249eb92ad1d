#include "field_reader.hpp"

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
    std::string valid = "a whole number from " + std::to_string(min) + " to " + format_count(double(max));
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
    std::string s = scalar(key, "true or false");
    for (const char* t : {"true", "True", "TRUE", "on", "yes", "1"}) {
        if (s == t) return true;
    }
    for (const char* f : {"false", "False", "FALSE", "off", "no", "0"}) {
        if (s == f) return false;
    }
    throw InputError(path_of(key), s, "true or false (also on/off, yes/no)");
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
template <class Q, class Parse>
Q parse_positive(const std::string& field, const std::string& s, Parse parse, const char* example) {
    auto v = parse(s);
    if (!v || v->value <= 0.0) {
        throw InputError(field, s, std::string("a positive quantity with its unit, e.g. \"") + example + "\"");
    }
    return *v;
}
}  // namespace

Bytes FieldReader::bytes(const std::string& key) {
    return parse_positive<Bytes>(path_of(key), scalar(key, "a size such as \"80 GB\""), parse_bytes, "80 GB");
}
ByteRate FieldReader::byte_rate(const std::string& key) {
    return parse_positive<ByteRate>(path_of(key), scalar(key, "a rate such as \"400 Gbit/s\""), parse_byte_rate,
                                    "400 Gbit/s");
}
FlopRate FieldReader::flop_rate(const std::string& key) {
    return parse_positive<FlopRate>(path_of(key), scalar(key, "a rate such as \"989 TFLOP/s\""), parse_flop_rate,
                                    "989 TFLOP/s");
}
Watts FieldReader::watts(const std::string& key) {
    return parse_positive<Watts>(path_of(key), scalar(key, "a power such as \"700 W\""), parse_watts, "700 W");
}
Seconds FieldReader::duration(const std::string& key) {
    return parse_positive<Seconds>(path_of(key), scalar(key, "a duration such as \"5 us\""), parse_duration, "5 us");
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

YAML::Node load_document(const std::string& text, const std::string& source_name) {
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw InputError(source_name, "line " + std::to_string(e.mark.line + 1) + ", column " +
                                          std::to_string(e.mark.column + 1),
                         "not valid YAML/JSON (" + e.msg + ")");
    }
}

}  // namespace colossim::spec
