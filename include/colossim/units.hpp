// Units as types. A Quantity<Tag> is a double in SI base units (seconds, bytes, FLOPs,
// watts); arithmetic only combines dimensions that make sense, so `Bytes / ByteRate`
// is Seconds and `Bytes + Seconds` does not compile. Parsing of "400 Gbit/s", "80 GB",
// "989 TFLOP/s" lives in units_parse.hpp.
#pragma once

#include <compare>

namespace colossim {

template <class Tag>
struct Quantity {
    double value = 0.0;  // in the SI base unit of Tag

    constexpr Quantity() = default;
    constexpr explicit Quantity(double v) : value(v) {}

    constexpr Quantity operator+(Quantity o) const { return Quantity(value + o.value); }
    constexpr Quantity operator-(Quantity o) const { return Quantity(value - o.value); }
    constexpr Quantity& operator+=(Quantity o) { value += o.value; return *this; }
    constexpr Quantity& operator-=(Quantity o) { value -= o.value; return *this; }
    constexpr Quantity operator*(double k) const { return Quantity(value * k); }
    constexpr Quantity operator/(double k) const { return Quantity(value / k); }
    constexpr double operator/(Quantity o) const { return value / o.value; }  // ratio
    constexpr auto operator<=>(const Quantity&) const = default;
};

template <class Tag>
constexpr Quantity<Tag> operator*(double k, Quantity<Tag> q) { return q * k; }

struct SecondsTag {};
struct BytesTag {};
struct FlopsTag {};
struct ByteRateTag {};
struct FlopRateTag {};
struct WattsTag {};
struct JoulesTag {};
struct FrequencyTag {};

using Seconds = Quantity<SecondsTag>;    // s
using Bytes = Quantity<BytesTag>;        // B (8 bits)
using Flops = Quantity<FlopsTag>;        // floating-point operations (a multiply-add is 2)
using ByteRate = Quantity<ByteRateTag>;  // B/s
using FlopRate = Quantity<FlopRateTag>;  // FLOP/s
using Watts = Quantity<WattsTag>;        // W
using Joules = Quantity<JoulesTag>;      // J
using Frequency = Quantity<FrequencyTag>;  // 1/s: events per second (failure rates)

constexpr Seconds operator/(Bytes b, ByteRate r) { return Seconds(b.value / r.value); }
constexpr Seconds operator/(Flops f, FlopRate r) { return Seconds(f.value / r.value); }
constexpr Bytes operator*(ByteRate r, Seconds t) { return Bytes(r.value * t.value); }
constexpr Flops operator*(FlopRate r, Seconds t) { return Flops(r.value * t.value); }
constexpr FlopRate operator/(Flops f, Seconds t) { return FlopRate(f.value / t.value); }
constexpr ByteRate operator/(Bytes b, Seconds t) { return ByteRate(b.value / t.value); }
constexpr Joules operator*(Watts p, Seconds t) { return Joules(p.value * t.value); }
constexpr double operator*(Frequency f, Seconds t) { return f.value * t.value; }  // expected events
constexpr Frequency per(Seconds t) { return Frequency(1.0 / t.value); }          // one event per t
constexpr Seconds mean_interval(Frequency f) { return Seconds(1.0 / f.value); }   // 1 / rate

constexpr Seconds max(Seconds a, Seconds b) { return a.value > b.value ? a : b; }
constexpr Seconds min(Seconds a, Seconds b) { return a.value < b.value ? a : b; }

// Named constructors: say the unit at the call site.
constexpr Seconds microseconds(double v) { return Seconds(v * 1e-6); }
constexpr Bytes gigabytes(double v) { return Bytes(v * 1e9); }
constexpr Bytes gibibytes(double v) { return Bytes(v * 1073741824.0); }
constexpr ByteRate gigabytes_per_s(double v) { return ByteRate(v * 1e9); }
constexpr ByteRate gigabits_per_s(double v) { return ByteRate(v * 1e9 / 8.0); }
constexpr FlopRate teraflops_per_s(double v) { return FlopRate(v * 1e12); }

constexpr double kSecondsPerHour = 3600.0;
constexpr double kSecondsPerDay = 86400.0;
constexpr double kJoulesPerMWh = 3.6e9;

}  // namespace colossim
