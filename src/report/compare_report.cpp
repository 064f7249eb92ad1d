#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "colossim/compare_report.hpp"
#include "colossim/units_parse.hpp"

namespace colossim {

namespace {
// A change smaller than this is rounding, not a difference worth marking.
constexpr double kDiffers = 0.005;

std::optional<double> relative(std::optional<double> v, std::optional<double> first) {
    if (!v || !first || *first == 0) return std::nullopt;
    return (*v - *first) / std::fabs(*first);
}

std::string parallelism_text(const Scenario& s) {
    const auto& p = s.parallelism;
    return fmt::format("tp{} pp{} vpp{} dp{} cp{} ep{} zero{} {}{}", p.tp, p.pp, p.vpp, p.dp, p.cp, p.ep, p.zero,
                       to_string(p.recompute), p.sequence_parallel ? " sp" : "");
}

std::string number_text(double v, const std::string& unit) {
    if (unit == "%") return fmt::format("{:.1f}%", v);
    if (unit == "GB") return fmt::format("{:.2f}", v);
    if (unit == "s") return fmt::format("{:.3f}", v);
    if (v == std::floor(v) && std::fabs(v) < 1e9) return fmt::format("{:.0f}", v);  // counts
    return fmt::format("{:.4g}", v);
}
}  // namespace

std::vector<ComparisonRow> comparison_rows(const std::vector<ComparedScenario>& sc) {
    std::vector<ComparisonRow> rows;
    auto text_row = [&](const char* section, const char* metric, auto get) {
        ComparisonRow r{section, metric, "", {}, {}, false};
        for (const auto& c : sc) r.text.push_back(get(c));
        for (const auto& t : r.text) r.differs = r.differs || t != r.text.front();
        rows.push_back(std::move(r));
    };
    auto number_row = [&](const char* section, const char* metric, const char* unit, auto get) {
        ComparisonRow r{section, metric, unit, {}, {}, false};
        for (const auto& c : sc) r.values.push_back(get(c));
        for (const auto& v : r.values) {
            auto d = relative(v, r.values.front());
            r.differs = r.differs || (d && std::fabs(*d) > kDiffers) || (v.has_value() != r.values.front().has_value());
        }
        rows.push_back(std::move(r));
    };
    using C = const ComparedScenario&;
    text_row("scenario", "model", [](C c) { return c.scenario.model.name; });
    text_row("scenario", "cluster", [](C c) { return c.scenario.cluster.name + " (" + c.scenario.cluster.gpu.name + ")"; });
    number_row("scenario", "gpus", "", [](C c) { return std::optional<double>(double(c.scenario.gpus)); });
    text_row("scenario", "parallelism", [](C c) { return parallelism_text(c.scenario); });
    text_row("scenario", "batch", [](C c) {
        const auto& t = c.scenario.training;
        return fmt::format("seq {} x {} (micro {}) {}", t.seq_len, t.global_batch, t.micro_batch, to_string(t.precision));
    });
    number_row("step", "step time", "s", [](C c) { return std::optional<double>(c.result.step_time.value); });
    number_row("step", "MFU", "%", [](C c) { return std::optional<double>(100 * c.result.mfu); });
    number_row("step", "HFU", "%", [](C c) { return std::optional<double>(100 * c.result.hfu); });
    number_row("step", "model TFLOP/s/GPU", "",
               [](C c) { return std::optional<double>(c.result.model_flops_per_gpu.value / 1e12); });
    number_row("step", "tokens/s", "", [](C c) { return std::optional<double>(c.result.tokens_per_s); });
    number_row("step", "tokens/s/GPU", "",
               [](C c) { return std::optional<double>(c.result.tokens_per_s / double(c.scenario.gpus)); });
    const std::pair<const char*, Seconds Breakdown::*> parts[] = {
        {"compute", &Breakdown::compute}, {"tp comm", &Breakdown::tp_comm}, {"cp comm", &Breakdown::cp_comm},
        {"ep comm", &Breakdown::ep_comm}, {"pp comm", &Breakdown::pp_comm}, {"dp comm", &Breakdown::dp_comm},
        {"bubble", &Breakdown::bubble},   {"optimizer", &Breakdown::optimizer}, {"host wait", &Breakdown::host}};
    for (const auto& [name, member] : parts) {
        number_row("breakdown", name, "s", [m = member](C c) { return std::optional<double>((c.result.breakdown.*m).value); });
    }
    const std::pair<const char*, Bytes MemoryResult::*> memory[] = {
        {"weights", &MemoryResult::weights},         {"gradients", &MemoryResult::gradients},
        {"optimizer state", &MemoryResult::optimizer}, {"activations", &MemoryResult::activations},
        {"total", &MemoryResult::total}};
    for (const auto& [name, member] : memory) {
        number_row("memory per GPU", name, "GB", [m = member](C c) { return std::optional<double>((c.result.memory.*m).value / 1e9); });
    }
    text_row("memory per GPU", "fits", [](C c) {
        return fmt::format("{} ({:.0f} GB)", c.result.memory.fits ? "yes" : "NO", c.result.memory.capacity.value / 1e9);
    });
    auto when_training = [](C c, double v) {
        return c.scenario.training.tokens > 0 ? std::optional<double>(v) : std::nullopt;
    };
    number_row("to train", "time", "days", [&](C c) { return when_training(c, c.result.time_to_train.value / 86400); });
    number_row("to train", "GPU-hours", "GPU-h", [&](C c) { return when_training(c, c.result.gpu_hours); });
    number_row("to train", "energy", "MWh", [&](C c) { return when_training(c, c.result.energy_mwh); });
    number_row("to train", "cost", "USD", [&](C c) { return when_training(c, c.result.cost_usd); });
    // Time-to-train rows say nothing when no scenario trains a number of tokens.
    std::erase_if(rows, [](const ComparisonRow& r) {
        return r.text.empty() && std::all_of(r.values.begin(), r.values.end(), [](auto v) { return !v; });
    });
    return rows;
}

std::string comparison_table(const std::vector<ComparedScenario>& sc) {
    const auto rows = comparison_rows(sc);
    std::vector<std::vector<std::string>> cells;  // per row: metric, then a cell a scenario
    std::vector<std::size_t> width(sc.size() + 1, 0);
    std::vector<std::string> header = {""};
    for (const auto& c : sc) header.push_back(c.label);
    cells.push_back(header);
    std::vector<std::string> sections = {""};
    for (const auto& r : rows) {
        std::vector<std::string> line = {(r.differs ? "* " : "  ") + r.metric + (r.unit.empty() || r.unit == "%" ? "" : " (" + r.unit + ")")};
        for (std::size_t i = 0; i < sc.size(); ++i) {
            if (!r.text.empty()) {
                line.push_back(r.text[i]);
                continue;
            }
            const auto& v = r.values[i];
            std::string cell = v ? number_text(*v, r.unit) : "-";
            const auto d = relative(v, r.values.front());
            if (i > 0 && d && std::fabs(*d) > kDiffers) cell += fmt::format(" ({:+.1f}%)", 100 * *d);
            line.push_back(cell);
        }
        cells.push_back(line);
        sections.push_back(r.section);
    }
    for (const auto& line : cells) {
        for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
    }
    std::string out;
    std::string section;
    for (std::size_t k = 0; k < cells.size(); ++k) {
        if (k > 0 && sections[k] != section) {
            section = sections[k];
            out += "\n" + section + "\n";
        }
        const auto& line = cells[k];
        out += fmt::format("{:<{}}", line[0], width[0]);
        for (std::size_t i = 1; i < line.size(); ++i) out += fmt::format("  {:>{}}", line[i], width[i]);
        out += "\n";
    }
    out += "\n* differs from the first column by more than 0.5%; (+x%) is the change against it\n";
    return out;
}

std::string comparison_json(const std::vector<ComparedScenario>& sc, const std::vector<std::string>& warnings) {
    nlohmann::ordered_json j;
    j["scenarios"] = nlohmann::ordered_json::array();
    for (const auto& c : sc) j["scenarios"].push_back(c.label);
    j["rows"] = nlohmann::ordered_json::array();
    for (const auto& r : comparison_rows(sc)) {
        nlohmann::ordered_json row;
        row["section"] = r.section;
        row["metric"] = r.metric;
        row["unit"] = r.unit;
        if (!r.text.empty()) {
            row["values"] = r.text;
        } else {
            row["values"] = nlohmann::ordered_json::array();
            row["vs_first"] = nlohmann::ordered_json::array();
            for (const auto& v : r.values) {
                row["values"].push_back(v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json());
                const auto d = relative(v, r.values.front());
                row["vs_first"].push_back(d ? nlohmann::ordered_json(*d) : nlohmann::ordered_json());
            }
        }
        row["differs"] = r.differs;
        j["rows"].push_back(row);
    }
    j["warnings"] = warnings;
    return j.dump(2);
}

std::string comparison_csv(const std::vector<ComparedScenario>& sc) {
    auto quoted = [](const std::string& t) {
        if (t.find_first_of(",\"\n") == std::string::npos) return t;
        std::string q = "\"";
        for (char ch : t) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        return q + "\"";
    };
    std::string out = "section,metric,unit";
    for (const auto& c : sc) out += "," + quoted(c.label);
    out += ",differs\n";
    for (const auto& r : comparison_rows(sc)) {
        out += quoted(r.section) + "," + quoted(r.metric) + "," + quoted(r.unit);
        for (std::size_t i = 0; i < sc.size(); ++i) {
            if (!r.text.empty()) out += "," + quoted(r.text[i]);
            else out += r.values[i] ? fmt::format(",{:.9g}", *r.values[i]) : ",";
        }
        out += r.differs ? ",yes\n" : ",no\n";
    }
    return out;
}

}  // namespace colossim
