#include "colossim/units_parse.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace colossim {
namespace {

struct NumberAndUnit {
    double number;
    std::string unit;  // trimmed, may be empty
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Splits "400 Gbit/s" into 400 and "Gbit/s". Rejects NaN, infinities and negatives:
// no physical quantity in a scenario is negative.
std::optional<NumberAndUnit> split(std::string_view text) {
    text = trim(text);
    if (text.empty()) return std::nullopt;
    double number = 0.0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || !std::isfinite(number) || number < 0.0) return std::nullopt;
    std::string_view rest = trim(std::string_view(end, text.data() + text.size() - end));
    return NumberAndUnit{number, std::string(rest)};
}

// Multiplier of an SI or binary prefix at the start of unit; consumes it.
std::optional<double> take_prefix(std::string_view& unit, bool allow_binary) {
    static constexpr std::pair<std::string_view, double> kBinary[] = {
        {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
        {"Pi", 1125899906842624.0}};
    static constexpr std::pair<std::string_view, double> kDecimal[] = {
        {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18}};
    if (allow_binary) {
        for (auto [p, m] : kBinary) {
            if (unit.starts_with(p)) {
                unit.remove_prefix(p.size());
                return m;
            }
        }
    }
    for (auto [p, m] : kDecimal) {
        if (unit.starts_with(p)) {
            unit.remove_prefix(p.size());
            return m;
        }
    }
    return 1.0;
}

// Parses "<number> <prefix><base>" where base is one of `bases` (each with its factor to
// the SI unit). The prefix is optional; the base is required unless `bare_ok`.
std::optional<double> parse_with_bases(std::string_view text,
                                       std::initializer_list<std::pair<std::string_view, double>> bases,
                                       bool allow_binary, bool bare_ok) {
    auto nu = split(text);
    if (!nu) return std::nullopt;
    std::string_view unit = nu->unit;
    if (unit.empty()) return bare_ok ? std::optional<double>(nu->number) : std::nullopt;
    // Try the whole unit as a base first (so "s" is seconds, not a prefix), then prefix+base.
    for (auto [b, f] : bases) {
        if (unit == b) return nu->number * f;
    }
    std::string_view rest = unit;
    auto prefix = take_prefix(rest, allow_binary);
    if (!prefix || rest.size() == unit.size()) return std::nullopt;
    for (auto [b, f] : bases) {
        if (rest == b) return nu->number * *prefix * f;
    }
    return std::nullopt;
}

}  // namespace

std::optional<Bytes> parse_bytes(std::string_view text) {
    auto v = parse_with_bases(text, {{"B", 1.0}, {"bytes", 1.0}, {"bit", 0.125}, {"b", 0.125}}, true, true);
    if (!v) return std::nullopt;
    return Bytes(*v);
}

std::optional<ByteRate> parse_byte_rate(std::string_view text) {
    auto v = parse_with_bases(text,
                              {{"B/s", 1.0}, {"Bps", 1.0}, {"bit/s", 0.125}, {"bps", 0.125}, {"b/s", 0.125}},
                              true, false);
    if (!v) return std::nullopt;
    return ByteRate(*v);
}

std::optional<FlopRate> parse_flop_rate(std::string_view text) {
    auto v = parse_with_bases(text, {{"FLOP/s", 1.0}, {"FLOPS", 1.0}, {"flop/s", 1.0}}, false, false);
    if (!v) return std::nullopt;
    return FlopRate(*v);
}

std::optional<Watts> parse_watts(std::string_view text) {
    auto v = parse_with_bases(text, {{"W", 1.0}}, false, false);
    if (!v) return std::nullopt;
    return Watts(*v);
}

std::optional<Seconds> parse_duration(std::string_view text) {
    auto nu = split(text);
    if (!nu) return std::nullopt;
    static constexpr std::pair<std::string_view, double> kUnits[] = {
        {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0},  {"min", 60.0},
        {"h", 3600.0}, {"d", 86400.0}, {"w", 604800.0}, {"y", 365.0 * 86400.0}};
    if (nu->unit.empty()) return Seconds(nu->number);
    for (auto [u, f] : kUnits) {
        if (nu->unit == u) return Seconds(nu->number * f);
    }
    return std::nullopt;
}

std::optional<bool> parse_switch(std::string_view text) {
    std::string v(text);
    for (auto& c : v) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (v == "on" || v == "true" || v == "yes" || v == "1") return true;
    if (v == "off" || v == "false" || v == "no" || v == "0") return false;
    return std::nullopt;
}

std::optional<double> parse_count(std::string_view text) {
    auto nu = split(text);
    if (!nu) return std::nullopt;
    static constexpr std::pair<std::string_view, double> kSuffixes[] = {
        {"", 1.0}, {"K", 1e3}, {"k", 1e3}, {"M", 1e6}, {"B", 1e9}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}};
    for (auto [u, f] : kSuffixes) {
        if (nu->unit == u) return nu->number * f;
    }
    return std::nullopt;
}

namespace {
std::string with_prefix(double v, const char* base) {
    static constexpr std::pair<double, const char*> kPrefixes[] = {
        {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1.0, ""}};
    for (auto [m, p] : kPrefixes) {
        if (v >= m) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.4g %s%s", v / m, p, base);
            return buf;
        }
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g %s", v, base);
    return buf;
}
}  // namespace

std::string format_bytes(Bytes b) { return with_prefix(b.value, "B"); }
std::string format_byte_rate(ByteRate r) { return with_prefix(r.value * 8.0, "bit/s"); }
std::string format_count(double n) { return with_prefix(n, ""); }

std::string format_duration(Seconds s) {
    char buf[64];
    double v = s.value;
    if (v < 1e-3) std::snprintf(buf, sizeof buf, "%.1f us", v * 1e6);
    else if (v < 1.0) std::snprintf(buf, sizeof buf, "%.2f ms", v * 1e3);
    else if (v < 120.0) std::snprintf(buf, sizeof buf, "%.3f s", v);
    else if (v < 2 * 3600.0) std::snprintf(buf, sizeof buf, "%.1f min", v / 60.0);
    else if (v < 2 * 86400.0) std::snprintf(buf, sizeof buf, "%.1f h", v / 3600.0);
    else std::snprintf(buf, sizeof buf, "%.1f days", v / 86400.0);
    return buf;
}

}  // namespace colossim
