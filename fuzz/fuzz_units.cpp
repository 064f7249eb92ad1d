// Fuzz target: quantity parsing ("400 Gbit/s", "80 GiB", "15.6T", ...).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "colossim/units_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    colossim::parse_bytes(text);
    colossim::parse_byte_rate(text);
    colossim::parse_flop_rate(text);
    colossim::parse_watts(text);
    colossim::parse_duration(text);
    colossim::parse_count(text);
    return 0;
}
