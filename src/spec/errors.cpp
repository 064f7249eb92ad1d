#include "colossim/errors.hpp"

#include <algorithm>
#include <cctype>

namespace colossim {

InputError::InputError(std::string field, std::string value, std::string valid)
    : std::runtime_error(field + " = " + (value.empty() ? "(missing)" : value) + ": " + valid),
      field_(std::move(field)),
      value_(std::move(value)),
      valid_(std::move(valid)) {}

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
