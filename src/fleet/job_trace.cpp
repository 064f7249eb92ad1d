// A job trace: CSV (`arrival,gpus,duration[,priority][,name]`, seconds, header first) or
// a JSON list of objects with the same keys. Every row is checked: a clear error names
// the row, the column, the value and what is valid.
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

#include "colossim/fleet.hpp"

namespace colossim {

namespace {
constexpr std::size_t kMaxTraceJobs = 1'000'000;
constexpr double kMaxSeconds = 3660 * kSecondsPerDay;  // ten years

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return s.substr(i);
}

struct Row {
    std::string where;  // "trace x.csv: row 3"
};

double seconds(const Row& row, const std::string& column, const std::string& text, double min) {
    double v = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end || !std::isfinite(v) || v < min || v > kMaxSeconds) {
        throw InputError(row.where + "." + column, printable(text),
                         "seconds from " + std::to_string(int(min)) + " to 10 years, as a plain number");
    }
    return v;
}

std::int64_t whole(const Row& row, const std::string& column, const std::string& text, std::int64_t min, std::int64_t max) {
    std::int64_t v = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end || v < min || v > max) {
        throw InputError(row.where + "." + column, printable(text),
                         "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return v;
}

FleetJob job_of(const Row& row, const std::map<std::string, std::string>& cells, std::size_t index) {
    FleetJob j;
    auto cell = [&](const char* c) -> const std::string* {
        auto it = cells.find(c);
        return it == cells.end() ? nullptr : &it->second;
    };
    for (const char* c : {"arrival", "gpus", "duration"}) {
        if (!cell(c)) throw InputError(row.where + "." + c, "(missing)", "arrival, gpus and duration on every row");
    }
    j.arrival = Seconds(seconds(row, "arrival", *cell("arrival"), 0));
    j.gpus = whole(row, "gpus", *cell("gpus"), 1, 10'000'000);
    j.duration = Seconds(seconds(row, "duration", *cell("duration"), 0));
    if (j.duration.value <= 0) throw InputError(row.where + ".duration", *cell("duration"), "a duration above 0 s");
    if (const auto* p = cell("priority"); p && !p->empty()) j.priority = int(whole(row, "priority", *p, -1000, 1000));
    const auto* n = cell("name");
    j.name = n && !n->empty() ? printable(*n) : "trace" + std::to_string(index);
    return j;
}

std::vector<FleetJob> read_csv(const std::string& text, const std::string& source) {
    std::istringstream in(text);
    std::string line;
    std::vector<std::string> header;
    std::vector<FleetJob> jobs;
    std::size_t line_no = 0;
    auto split = [](const std::string& l) {
        std::vector<std::string> out;
        std::string cell;
        std::istringstream s(l);
        while (std::getline(s, cell, ',')) out.push_back(trim(cell));
        if (!l.empty() && l.back() == ',') out.emplace_back();
        return out;
    };
    while (std::getline(in, line)) {
        ++line_no;
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        if (header.empty()) {
            header = split(line);
            for (const auto& h : header) {
                if (h != "arrival" && h != "gpus" && h != "duration" && h != "priority" && h != "name") {
                    throw InputError("trace " + source + ": header", printable(h),
                                     "the columns arrival, gpus, duration, priority, name (seconds)");
                }
            }
            continue;
        }
        Row row{"trace " + source + ": line " + std::to_string(line_no)};
        auto cells = split(line);
        if (cells.size() != header.size()) {
            throw InputError(row.where, std::to_string(cells.size()) + " cells",
                             std::to_string(header.size()) + " cells, as the header has");
        }
        std::map<std::string, std::string> m;
        for (std::size_t i = 0; i < cells.size(); ++i) m[header[i]] = cells[i];
        if (jobs.size() >= kMaxTraceJobs) {
            throw InputError("trace " + source, "more than 1,000,000 jobs", "at most 1,000,000 jobs a trace");
        }
        jobs.push_back(job_of(row, m, jobs.size()));
    }
    if (header.empty()) throw InputError("trace " + source, "(empty)", "a header line: arrival,gpus,duration[,priority][,name]");
    return jobs;
}

std::vector<FleetJob> read_json(const std::string& text, const std::string& source) {
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_array()) {
        throw InputError("trace " + source, doc.is_discarded() ? "not JSON" : "not a list",
                         "a JSON list of {\"arrival\": s, \"gpus\": n, \"duration\": s, \"priority\": p, \"name\": \"...\"}");
    }
    if (doc.size() > kMaxTraceJobs) throw InputError("trace " + source, std::to_string(doc.size()) + " jobs", "at most 1,000,000 jobs a trace");
    std::vector<FleetJob> jobs;
    for (std::size_t i = 0; i < doc.size(); ++i) {
        Row row{"trace " + source + ": [" + std::to_string(i) + "]"};
        const auto& o = doc[i];
        if (!o.is_object()) throw InputError(row.where, o.type_name(), "an object with arrival, gpus, duration");
        std::map<std::string, std::string> m;
        for (const auto& [k, v] : o.items()) {
            if (k != "arrival" && k != "gpus" && k != "duration" && k != "priority" && k != "name") {
                throw InputError(row.where + "." + printable(k), "(unknown)", "the keys arrival, gpus, duration, priority, name");
            }
            if (v.is_string()) m[k] = v.get<std::string>();
            else if (v.is_number_integer()) m[k] = std::to_string(v.get<std::int64_t>());
            else if (v.is_number()) {
                std::ostringstream s;
                s.precision(17);
                s << v.get<double>();
                m[k] = s.str();
            } else {
                throw InputError(row.where + "." + k, v.type_name(), "a number (or a string for name)");
            }
        }
        jobs.push_back(job_of(row, m, i));
    }
    return jobs;
}
}  // namespace

std::vector<FleetJob> read_job_trace(const std::string& text, const std::string& source_name) {
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) ++i;
    if (i < text.size() && text[i] == '[') return read_json(text, source_name);
    return read_csv(text, source_name);
}

}  // namespace colossim
