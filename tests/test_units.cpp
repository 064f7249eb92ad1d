#include <gtest/gtest.h>

#include "colossim/units_parse.hpp"

using namespace colossim;

TEST(Units, BitsAndBytesAreDistinct) {
    EXPECT_DOUBLE_EQ(parse_byte_rate("400 Gbit/s")->value, 50e9);  // 400e9 bits / 8
    EXPECT_DOUBLE_EQ(parse_byte_rate("900 GB/s")->value, 900e9);
    EXPECT_DOUBLE_EQ(parse_byte_rate("100Gbps")->value, 12.5e9);
}

TEST(Units, DecimalAndBinaryPrefixes) {
    EXPECT_DOUBLE_EQ(parse_bytes("80 GB")->value, 80e9);
    EXPECT_DOUBLE_EQ(parse_bytes("80 GiB")->value, 80.0 * 1073741824.0);
    EXPECT_DOUBLE_EQ(parse_bytes("1 KiB")->value, 1024.0);
}

TEST(Units, RatesPowerDurationsCounts) {
    EXPECT_DOUBLE_EQ(parse_flop_rate("989.4 TFLOP/s")->value, 989.4e12);
    EXPECT_DOUBLE_EQ(parse_watts("3.3 kW")->value, 3300.0);
    EXPECT_DOUBLE_EQ(parse_duration("5 us")->value, 5e-6);
    EXPECT_DOUBLE_EQ(parse_duration("54d")->value, 54 * 86400.0);
    EXPECT_DOUBLE_EQ(*parse_count("15.6T"), 15.6e12);
    EXPECT_DOUBLE_EQ(*parse_count("16K"), 16e3);
}

TEST(Units, RejectsWhatIsNotAQuantity) {
    EXPECT_FALSE(parse_byte_rate("400"));          // a rate needs its unit
    EXPECT_FALSE(parse_byte_rate("400 GB"));       // a size is not a rate
    EXPECT_FALSE(parse_bytes("-5 GB"));            // negative
    EXPECT_FALSE(parse_bytes("nan GB"));
    EXPECT_FALSE(parse_flop_rate("989 TFLOPs/h"));
    EXPECT_FALSE(parse_count("12 apples"));
    EXPECT_FALSE(parse_count(""));
}

TEST(Units, TypedArithmetic) {
    Seconds t = Bytes(100e9) / gigabytes_per_s(50);
    EXPECT_DOUBLE_EQ(t.value, 2.0);
    Seconds c = Flops(1e15) / teraflops_per_s(500);
    EXPECT_DOUBLE_EQ(c.value, 2.0);
}

TEST(Units, SwitchWordsInAnyCase) {
    // One list for YAML fields (FieldReader::optional_flag) and CLI switches (--dropout on).
    for (const char* on : {"on", "ON", "true", "True", "yes", "1"}) EXPECT_EQ(parse_switch(on), true) << on;
    for (const char* off : {"off", "Off", "false", "FALSE", "no", "0"}) EXPECT_EQ(parse_switch(off), false) << off;
    for (const char* bad : {"", "2", "enabled", "onn", " on"}) EXPECT_FALSE(parse_switch(bad).has_value()) << bad;
}
