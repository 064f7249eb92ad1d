// The JSON API of `colossim serve`: a request's body read into the api layer's requests,
// the api layer's JSON (the CLI's --json) handed back. No figure is computed here.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <mutex>

#include "colossim/api.hpp"
#include "colossim/server.hpp"
#include "web_assets.hpp"

namespace colossim::server {

namespace {

using nlohmann::json;

constexpr int kMaxNesting = 32;  // a scenario is 3 levels deep; a pasted config.json 4

// Nesting of brackets outside strings, judged before parsing: "[[[[...]]]]" a megabyte
// deep must not reach a recursive reader (yaml-cpp, further down, is one).
int nesting_depth(const std::string& body) {
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : body) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
        else if (c == '}' || c == ']') --depth;
    }
    return deepest;
}

json parse_body(const std::string& body) {
    if (body.empty()) return json::object();
    if (nesting_depth(body) > kMaxNesting) {
        throw InputError("body", "(nested " + std::to_string(nesting_depth(body)) + " deep)",
                         "a JSON object nested at most " + std::to_string(kMaxNesting) + " deep");
    }
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) throw InputError("body", printable(body.substr(0, 60)), "a JSON object (the request body does not parse)");
    if (!j.is_object()) throw InputError("body", printable(j.dump().substr(0, 60)), "a JSON object");
    return j;
}

// A flag's value as the CLI would read it from its command line.
std::string flag_text(const std::string& field, const json& v) {
    if (v.is_boolean()) return v.get<bool>() ? "on" : "off";
    if (v.is_number_integer()) return v.dump();
    if (v.is_number_float()) {
        const double x = v.get<double>();
        if (!std::isfinite(x)) throw InputError(field, v.dump(), "a finite number");
        return v.dump();
    }
    if (v.is_string()) return v.get<std::string>();
    throw InputError(field, printable(v.dump().substr(0, 60)), "a number, a string or a bool");
}

std::string dashed(std::string name) {
    for (char& c : name) {
        if (c == '_') c = '-';
    }
    return name;
}

// Megatron-LM's name of a scenario flag (tensor-model-parallel-size), if it has one; a
// command's own options have none.
const char* alias_of(const FlagKey& f) { return f.megatron; }
const char* alias_of(const api::OptionFlag&) { return nullptr; }

// The row of `table` a flag names (dashes or underscores, or its alias), else an
// InputError on `field`: "not <what>", the closest name, then `listed` (where they are).
template <class Row>
const Row& table_row(const std::vector<Row>& table, const std::string& name, const std::string& field, const json& value,
                     const std::string& what, const std::string& listed = "") {
    const std::string flag = dashed(name);
    std::vector<std::string> names;
    for (const auto& row : table) {
        if (flag == row.flag || (alias_of(row) && flag == alias_of(row))) return row;
        names.push_back(row.flag);
    }
    const std::string hint = closest_name(flag, names);
    throw InputError(field, flag_text(field, value),
                     "not " + what + (hint.empty() ? std::string() : "; did you mean " + hint + "?") + listed);
}

// {"tp": 8, "seq_len": "8k", "tensor_model_parallel_size": 8}: the CLI's flags (dashes or
// underscores) and Megatron-LM's names, as scenario overrides.
std::vector<Override> scenario_overrides(const json& flags, const std::string& where) {
    std::vector<Override> out;
    if (flags.is_null()) return out;
    if (!flags.is_object()) throw InputError(where, printable(flags.dump().substr(0, 60)), "an object of flags, e.g. {\"tp\": 8}");
    for (const auto& [name, value] : flags.items()) {
        if (value.is_null()) continue;
        const std::string field = where + "." + name;
        const FlagKey& f = table_row(scenario_flags(), name, field, value, "a flag", " (the flags of `colossim estimate --help`)");
        out.push_back({f.key, flag_text(field, value)});
    }
    return out;
}

// A command's own options ({"trials": 1000, "restart_time": "10min"}), by its flag table.
void command_options(const json& options, const std::vector<api::OptionFlag>& table, const std::string& where,
                     std::vector<Override>& own, std::vector<Override>& data) {
    if (options.is_null()) return;
    if (!options.is_object()) throw InputError(where, printable(options.dump().substr(0, 60)), "an object of options");
    for (const auto& [name, value] : options.items()) {
        if (value.is_null()) continue;
        const std::string field = where + "." + name;
        const api::OptionFlag& f = table_row(table, name, field, value, "an option");
        (f.overrides_data ? data : own).push_back({f.key, flag_text(field, value)});
    }
}

// An option whose value is a number above this server's `limit` (or NaN) is refused here,
// before any work; one that is not a number goes on to the command, which says why.
void refuse_above(const std::vector<Override>& options, const std::string& key, double limit, const std::string& valid) {
    for (const auto& o : options) {
        if (o.key != key) continue;
        char* end = nullptr;
        const double x = std::strtod(o.value.c_str(), &end);
        if (end != o.value.c_str() && *end == '\0' && !(x <= limit)) throw InputError("options." + key, o.value, valid);
    }
}

// {"scenario": {...} | "yaml text", "flags": {...}}: the scenario as its file is written
// (an object is JSON, which YAML reads as it is) and flags over it.
api::ScenarioRequest scenario_request(const json& j, const std::string& where, const json& common_flags = json()) {
    api::ScenarioRequest r;
    r.source = where.empty() ? "request" : where;
    const std::string prefix = where.empty() ? "" : where + ".";
    if (j.contains("scenario")) {
        const json& s = j["scenario"];
        if (s.is_object()) r.text = s.dump();
        else if (s.is_string()) r.text = s.get<std::string>();
        else if (!s.is_null()) throw InputError(prefix + "scenario", printable(s.dump().substr(0, 60)), "an object (the scenario file as JSON) or YAML text");
    }
    r.overrides = scenario_overrides(common_flags, "flags");
    for (auto& o : scenario_overrides(j.value("flags", json()), prefix + "flags")) r.overrides.push_back(std::move(o));
    return r;
}

template <class T>
T bounded(const json& j, const char* key, T fallback, T low, T high) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    const json& v = j[key];
    if (!v.is_number_integer() || v.get<std::int64_t>() < std::int64_t(low) || v.get<std::int64_t>() > std::int64_t(high)) {
        throw InputError(key, printable(v.dump().substr(0, 40)),
                         "an integer from " + std::to_string(low) + " to " + std::to_string(high) + " (this server's limit)");
    }
    return T(v.get<std::int64_t>());
}

std::string text_field(const json& j, const char* key, const std::string& fallback) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_string()) throw InputError(key, printable(j[key].dump().substr(0, 40)), "a string");
    return j[key].get<std::string>();
}

bool flag_field(const json& j, const char* key, bool fallback) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_boolean()) throw InputError(key, printable(j[key].dump().substr(0, 40)), "true or false");
    return j[key].get<bool>();
}

Reply json_reply(std::string body, int status = 200) { return {status, "application/json", std::move(body)}; }

Reply error_reply(int status, const std::string& message, const std::string& field = "", const std::string& value = "",
                  const std::string& valid = "") {
    json e = {{"error", printable(message)}};
    if (!field.empty()) e["field"] = printable(field);
    if (!field.empty()) e["value"] = printable(value);
    if (!valid.empty()) e["valid"] = printable(valid);
    return json_reply(e.dump(2) + "\n", status);
}

// The GPU count a scenario asks for, as the loader reads it (0 when it names none).
std::int64_t scenario_gpus(const Catalog& catalog, const api::ScenarioRequest& r) {
    Diagnostics d;
    return load_scenario(r.text, r.source, r.overrides, catalog, d, ScenarioCheck::fields_only).gpus;
}

std::string query_value(const std::string& query, const std::string& key) {
    std::size_t at = 0;
    while (at <= query.size()) {
        std::size_t end = query.find('&', at);
        if (end == std::string::npos) end = query.size();
        const std::string pair = query.substr(at, end - at);
        if (pair.rfind(key + "=", 0) == 0) return pair.substr(key.size() + 1);
        at = end + 1;
    }
    return "";
}

}  // namespace

struct Api::State {
    std::once_flag validation_once;
    std::string validation_json;
};

Api::Api(const Catalog& catalog, Limits limits, Assets assets)
    : catalog_(catalog), limits_(limits), assets_(std::move(assets)), state_(std::make_unique<State>()) {
    if (catalog_.reads_files()) throw InternalError("server::Api needs a catalog that reads no files (Catalog::without_files)");
}

Api::~Api() = default;

Reply Api::handle(const std::string& method, const std::string& path, const std::string& query,
                  const std::string& body) const {
    try {
        if (body.size() > limits_.max_body_bytes) {
            return error_reply(413, "request body of " + std::to_string(body.size()) + " bytes; at most " +
                                        std::to_string(limits_.max_body_bytes) + " are read");
        }
        if (method == "GET") {
            if (path == "/" || path == "/index.html") return {200, "text/html; charset=utf-8", std::string(web_page())};
            if (path == "/chart.js") {
                if (assets_.chart_js.empty()) return {404, "text/plain", "Chart.js is not installed (Debian: libjs-chart.js)\n"};
                return {200, "application/javascript", assets_.chart_js};
            }
            if (path == "/api/version") return json_reply(json{{"colossim", COLOSSIM_SERVER_VERSION}}.dump() + "\n");
            if (path == "/api/catalog") {
                json j;
                for (const char* kind : {"models", "gpus", "clusters"}) j[kind] = api::catalog_names(catalog_, kind);
                return json_reply(j.dump(2) + "\n");
            }
            if (path == "/api/show") {
                Diagnostics d;
                const std::string text = api::catalog_show(catalog_, query_value(query, "kind"), query_value(query, "name"), d);
                return json_reply(json{{"text", text}, {"warnings", d.warnings}}.dump(2) + "\n");
            }
            if (path == "/api/validate") {
                std::call_once(state_->validation_once,
                               [&] { state_->validation_json = api::validate(catalog_, api::ValidateRequest{}).json; });
                return json_reply(state_->validation_json);
            }
            if (path.rfind("/api/", 0) == 0) return error_reply(405, "GET " + path + ": not a GET endpoint (POST a JSON body)");
            return error_reply(404, "no page " + printable(path) + " (the page is /, the API under /api/)");
        }
        if (method != "POST") return error_reply(405, "method " + printable(method) + ": GET or POST");
        const json j = parse_body(body);
        if (path == "/api/estimate") return json_reply(api::estimate(catalog_, scenario_request(j, "")).json + "\n");
        if (path == "/api/explain") {
            const api::ExplainAnswer a = api::explain_scenario(catalog_, scenario_request(j, ""));
            return json_reply(json{{"text", api::explain_text(a)}, {"warnings", a.warnings}}.dump(2) + "\n");
        }
        if (path == "/api/plan") {
            api::PlanRequest r;
            r.scenario = scenario_request(j, "");
            r.objective = api::parse_objective(text_field(j, "objective", "throughput"));
            r.top = bounded<std::size_t>(j, "top", 10, 1, limits_.max_plan_top);
            r.refine = bounded<std::size_t>(j, "refine", 0, 0, limits_.max_plan_refine);
            r.threads = 1;  // the server's pool is the concurrency
            const std::int64_t gpus = scenario_gpus(catalog_, r.scenario);
            if (gpus > limits_.max_plan_gpus) {
                throw InputError("gpus", std::to_string(gpus),
                                 "at most " + std::to_string(limits_.max_plan_gpus) + " GPUs for a plan on this server (the CLI has no such limit)");
            }
            return json_reply(api::plan(catalog_, r).json + "\n");
        }
        if (path == "/api/compare") {
            const json& list = j.value("scenarios", json());
            if (!list.is_array() || list.size() < 2 || list.size() > api::kMaxCompared) {
                throw InputError("scenarios", printable(list.dump().substr(0, 40)),
                                 "an array of 2 to " + std::to_string(api::kMaxCompared) + " {\"scenario\", \"flags\", \"label\"} objects");
            }
            std::vector<api::ScenarioRequest> requests;
            std::vector<std::string> labels;
            for (std::size_t i = 0; i < list.size(); ++i) {
                const std::string where = "scenarios[" + std::to_string(i) + "]";
                if (!list[i].is_object()) throw InputError(where, printable(list[i].dump().substr(0, 40)), "an object");
                requests.push_back(scenario_request(list[i], where, j.value("flags", json())));
                labels.push_back(text_field(list[i], "label", "scenario " + std::to_string(i + 1)));
            }
            return json_reply(api::compare(catalog_, requests, labels).json + "\n");
        }
        if (path == "/api/goodput") {
            api::GoodputRequest r;
            r.scenario = scenario_request(j, "");
            command_options(j.value("options", json()), api::goodput_flags(), "options", r.options, r.data_overrides);
            for (const auto& o : r.options) {
                if (o.key == "failures" && is_path_reference(o.value)) {
                    throw InputError("options.failures", o.value, "a data/reliability name: this server reads no files");
                }
            }
            refuse_above(r.options, "trials", double(limits_.max_goodput_samples),
                         "at most " + std::to_string(limits_.max_goodput_samples) + " Monte-Carlo trials on this server");
            return json_reply(api::goodput(catalog_, r).json + "\n");
        }
        if (path == "/api/datacenter") {
            api::DatacenterRequest r;
            command_options(j.value("options", json()), api::datacenter_flags(), "options", r.options, r.data_overrides);
            refuse_above(r.options, "gpus", double(limits_.max_datacenter_gpus),
                         "at most " + std::to_string(limits_.max_datacenter_gpus) + " GPUs on this server");
            return json_reply(api::datacenter(catalog_, r).json + "\n");
        }
        if (path == "/api/simulate") {
            api::SimulateRequest r;
            r.scenario = scenario_request(j, "");
            r.mode = text_field(j, "mode", "");
            r.contention = flag_field(j, "contention", true);
            r.trace = flag_field(j, "trace", false);
            r.trace_name = "trace";
            r.slow_gpu = text_field(j, "slow_gpu", "");
            r.max_gpus = limits_.max_simulate_gpus;
            const std::int64_t gpus = scenario_gpus(catalog_, r.scenario);
            const bool full = r.mode == "full" || (r.mode.empty() && gpus <= kFullModeMaxGpus);
            if (r.contention && full && gpus > limits_.max_simulate_full_gpus) {
                throw InputError("mode", r.mode.empty() ? "full" : r.mode,
                                 "symmetric above " + std::to_string(limits_.max_simulate_full_gpus) + " GPUs on this server");
            }
            const api::SimulateAnswer a = api::simulate_scenario(catalog_, r);
            std::string out = api::simulate_json(a);
            if (r.trace) out.insert(out.rfind('}'), ",\n  \"trace\": " + a.trace + "\n");
            return json_reply(out + "\n");
        }
        if (path == "/api/collective") {
            api::CollectiveRequest r;
            r.kind = text_field(j, "kind", "all-reduce");
            r.cluster = text_field(j, "cluster", "");
            r.size = text_field(j, "size", r.size);
            r.algorithm = text_field(j, "algorithm", r.algorithm);
            r.gpus = bounded<std::int64_t>(j, "gpus", 8, 2, limits_.max_collective_gpus);
            if (api::collective_sizes(r.size).size() > limits_.max_collective_sizes) {
                throw InputError("size", r.size, "a range of at most " + std::to_string(limits_.max_collective_sizes) + " sizes on this server");
            }
            return json_reply(api::collective_json(api::collective_runs(catalog_, r)) + "\n");
        }
        return error_reply(404, "no endpoint POST " + printable(path) + " (README \"Web page\" lists them)");
    } catch (const InputError& e) {
        return error_reply(400, e.what(), e.field(), e.value(), e.valid());
    } catch (const std::bad_alloc&) {
        return error_reply(503, "out of memory answering this request");
    } catch (const std::exception& e) {
        return error_reply(500, std::string("internal error: ") + e.what());
    }
}

}  // namespace colossim::server
