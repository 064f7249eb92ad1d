#include "colossim/errors.hpp"

#include <algorithm>
#include <cctype>

namespace colossim {

InputError::InputError(std::string field, std::string value, std::string valid)
    : std::runtime_error(printable(field) + " = " + (value.empty() ? "(missing)" : printable(value)) + ": " + printable(valid)),
      field_(std::move(field)),
      value_(std::move(value)),
      valid_(std::move(valid)) {}

OutputError::OutputError(const std::string& purpose, const std::string& path, const std::string& why)
    : std::runtime_error(purpose + " " + printable(path) + ": " + why) {}

std::string printable(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    auto escape = [&](unsigned char c) {
        static const char* hex = "0123456789abcdef";
        out += "\\x";
        out += hex[c >> 4];
        out += hex[c & 15];
    };
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) escape(c);
            else out += char(c);
            ++i;
            continue;
        }
        // A UTF-8 sequence: its lead byte gives the length; every following byte 10xxxxxx;
        // no overlong forms, no surrogates, nothing above U+10FFFF.
        const std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        bool ok = n > 0 && i + n <= text.size();
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
        if (ok && n >= 3) {
            const auto c1 = static_cast<unsigned char>(text[i + 1]);
            if (c == 0xe0 && c1 < 0xa0) ok = false;  // overlong
            if (c == 0xed && c1 >= 0xa0) ok = false; // surrogate
            if (c == 0xf0 && c1 < 0x90) ok = false;  // overlong
            if (c == 0xf4 && c1 >= 0x90) ok = false; // above U+10FFFF
        }
        if (!ok) {
            escape(c);
            ++i;
            continue;
        }
        out.append(text, i, n);
        i += n;
    }
    return out;
}

namespace {
// Levenshtein distance on lower-cased text, with '-', '_' and '.' treated alike.
std::size_t edit_distance(const std::string& a, const std::string& b) {
    auto norm = [](char c) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return (c == '_' || c == '.') ? '-' : c;
    };
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t sub = prev[j - 1] + (norm(a[i - 1]) == norm(b[j - 1]) ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}
}  // namespace

std::string closest_name(const std::string& name, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(3, name.size() / 2) + 1;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(name, c);
        // A candidate that contains the name ("405b" in "llama3-405b") is a good guess too.
        if (name.size() >= 3 && c.find(name) != std::string::npos) d = std::min<std::size_t>(d, 2);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

}  // namespace colossim
