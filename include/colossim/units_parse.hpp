// Parsing quantities written with their unit, as in data files and flags:
// "400 Gbit/s", "900 GB/s", "80 GB", "80 GiB", "989.4 TFLOP/s", "700 W", "3 us", "54d",
// and counts with a magnitude suffix: "15.6T", "2048", "16M".
// Decimal prefixes are powers of 1000, binary (Ki, Mi, Gi, Ti) powers of 1024.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "colossim/units.hpp"

namespace colossim {

// Each returns nullopt when the text is not a valid quantity of that dimension.
std::optional<Bytes> parse_bytes(std::string_view text);
std::optional<ByteRate> parse_byte_rate(std::string_view text);  // accepts bit/s and B/s
std::optional<FlopRate> parse_flop_rate(std::string_view text);
std::optional<Watts> parse_watts(std::string_view text);
std::optional<Seconds> parse_duration(std::string_view text);  // us, ms, s, min, h, d
std::optional<double> parse_count(std::string_view text);      // K, M, B/G, T suffixes
// A switch's word, any case: on/true/yes/1 or off/false/no/0 (YAML fields and CLI flags alike).
std::optional<bool> parse_switch(std::string_view text);

// Human-readable forms used by reports: "80.0 GB", "12.34 s", "400 Gbit/s".
std::string format_bytes(Bytes b);
std::string format_duration(Seconds s);
std::string format_byte_rate(ByteRate r);
std::string format_count(double n);

}  // namespace colossim
