// colossim._core: the library's command calls (include/colossim/api.hpp) for Python. Each
// returns the JSON text the CLI prints with --json and the warnings loading raised; the
// package around it (python/colossim/) turns them into result objects. No computation
// lives here: the module shows the CLI's numbers because it runs the CLI's functions.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>

#include "colossim/api.hpp"
#include "colossim/fleet_report.hpp"

namespace py = pybind11;
using namespace colossim;

namespace {

const Catalog& catalog() {
    static const Catalog c = Catalog::builtin();  // read-only after first use
    return c;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::vector<Override> to_overrides(const Pairs& pairs) {
    std::vector<Override> out;
    for (const auto& [key, value] : pairs) out.push_back({key, value});
    return out;
}

api::ScenarioRequest request(const std::string& text, const std::string& source, const Pairs& overrides) {
    return {text, source, to_overrides(overrides)};
}

py::tuple answer(const api::Answer& a) { return py::make_tuple(a.json, a.warnings); }

// A progress callback from Python. The C++ search copies the std::function while the GIL
// is released, so it holds a plain pointer (the caller's argument keeps the object alive)
// and touches Python only with the GIL taken. An exception the callback raises is kept,
// further calls are skipped, and it is raised again once the search is over: nothing
// Python unwinds through the C++ search.
struct Progress {
    std::function<void(double)> function;
    std::shared_ptr<std::optional<py::error_already_set>> error = std::make_shared<std::optional<py::error_already_set>>();
    void rethrow() {
        if (*error) {
            py::error_already_set e = std::move(**error);
            error->reset();
            throw e;
        }
    }
};

Progress progress_from(const py::object& callback) {
    Progress p;
    if (callback.is_none()) return p;
    PyObject* fn = callback.ptr();
    auto error = p.error;
    p.function = [fn, error](double fraction) {
        py::gil_scoped_acquire gil;
        if (*error) return;
        try {
            py::handle callable(fn);
            callable(fraction);
        } catch (py::error_already_set& e) {
            *error = std::move(e);
        }
    };
    return p;
}

// Runs `call` (the library's work) with the GIL released and `callback` as the request's
// progress; what the callback raised is raised once the work is over.
template <class Request, class Call>
auto run_with_progress(Request& request, const py::object& callback, Call&& call) {
    Progress p = progress_from(callback);
    request.progress = p.function;
    decltype(call()) out;
    {
        py::gil_scoped_release release;
        out = call();
    }
    p.rethrow();
    return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "colossim's C++ library: each call returns (json_text, warnings) as the CLI's --json";

    // colossim.InputError(field, value, valid): the CLI's exit-2 message as an exception.
    static py::exception<InputError> input_error(m, "_InputError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const InputError& e) {
            py::object args = py::make_tuple(e.what(), e.field(), e.value(), e.valid());
            PyErr_SetObject(input_error.ptr(), args.ptr());
        }
    });

    m.def("scenario_flags", [] {
        std::vector<std::tuple<std::string, std::string, std::string, std::string>> out;
        for (const auto& f : scenario_flags()) out.emplace_back(f.flag, f.key, f.help, f.megatron ? f.megatron : "");
        return out;
    }, "the CLI's scenario flags: (flag, dotted scenario key, help, Megatron-LM alias or '')");

    m.def("estimate", [](const std::string& text, const std::string& source,
                         const Pairs& overrides) {
        api::Answer a;
        {
            py::gil_scoped_release release;
            a = api::estimate(catalog(), request(text, source, overrides));
        }
        return answer(a);
    }, py::arg("text"), py::arg("source"), py::arg("overrides"));

    m.def("layer_ops", [](const std::string& text, const std::string& source, const Pairs& overrides) {
        api::Answer a;
        {
            py::gil_scoped_release release;
            a = api::layer_ops(catalog(), request(text, source, overrides));
        }
        return answer(a);
    }, py::arg("text"), py::arg("source"), py::arg("overrides"));

    m.def("collective", [](const std::string& kind, const std::string& cluster, std::int64_t gpus, const std::string& size,
                           const std::string& algorithm, const std::string& slow_nic) {
        api::CollectiveRequest r{kind, size, cluster, algorithm, slow_nic, gpus, {}};
        api::Answer a;
        {
            py::gil_scoped_release release;
            a = api::collective(catalog(), r);
        }
        return answer(a);
    }, py::arg("kind"), py::arg("cluster"), py::arg("gpus"), py::arg("size"), py::arg("algorithm"), py::arg("slow_nic"));

    m.def("compare", [](const std::vector<std::tuple<std::string, std::string, Pairs>>& scenarios,
                        const std::vector<std::string>& labels) {
        std::vector<api::ScenarioRequest> requests;
        for (const auto& [text, source, overrides] : scenarios) requests.push_back(request(text, source, overrides));
        api::Answer a;
        {
            py::gil_scoped_release release;
            a = api::compare(catalog(), requests, labels);
        }
        return answer(a);
    }, py::arg("scenarios"), py::arg("labels"));

    m.def("plan", [](const std::string& text, const std::string& source,
                     const Pairs& overrides, const std::string& objective,
                     std::size_t top, unsigned threads, std::size_t refine, const py::object& progress) {
        api::PlanRequest r;
        r.scenario = request(text, source, overrides);
        r.objective = api::parse_objective(objective);
        r.top = top;
        r.threads = threads;
        r.refine = refine;
        return answer(run_with_progress(r, progress, [&] { return api::plan(catalog(), r); }));
    }, py::arg("text"), py::arg("source"), py::arg("overrides"), py::arg("objective"), py::arg("top"),
          py::arg("threads"), py::arg("refine"), py::arg("progress"));

    auto flag_table = [](const std::vector<api::OptionFlag>& flags) {
        std::vector<std::tuple<std::string, std::string, bool, std::string>> out;
        for (const auto& f : flags) out.emplace_back(f.flag, f.key, f.overrides_data, f.help);
        return out;
    };
    m.def("goodput_flags", [flag_table] { return flag_table(api::goodput_flags()); });
    m.def("datacenter_flags", [flag_table] { return flag_table(api::datacenter_flags()); });

    m.def("goodput", [](const std::string& text, const std::string& source, const Pairs& overrides,
                        const Pairs& options, const Pairs& data_overrides, const py::object& progress, bool samples) {
        api::GoodputRequest r{request(text, source, overrides), to_overrides(options), to_overrides(data_overrides), {},
                              samples};
        return answer(run_with_progress(r, progress, [&] { return api::goodput(catalog(), r); }));
    });

    m.def("fleet", [](const std::string& text, const std::string& source, const Pairs& overrides, int threads,
                      bool jobs, const py::object& progress) {
        api::FleetRequest r;
        r.text = text;
        r.source = source;
        r.overrides = to_overrides(overrides);
        r.threads = threads;
        r.keep_jobs = jobs;
        const auto [json, warnings, jobs_csv, series_csv] = run_with_progress(r, progress, [&] {
            api::FleetAnswer a = api::fleet_scenario(catalog(), r);
            return std::tuple{fleet_json(a.spec, a.summary, a.replications, a.warnings), a.warnings,
                              jobs ? fleet_jobs_csv(a.replications) : std::string(), fleet_timeseries_csv(a.replications)};
        });
        return py::make_tuple(json, warnings, jobs_csv, series_csv);
    }, py::arg("text"), py::arg("source"), py::arg("overrides"), py::arg("threads"), py::arg("jobs"), py::arg("progress"));

    m.def("datacenter", [](const Pairs& options, const Pairs& data_overrides) {
        const api::DatacenterRequest r{to_overrides(options), to_overrides(data_overrides)};
        api::Answer a;
        {
            py::gil_scoped_release release;
            a = api::datacenter(catalog(), r);
        }
        return answer(a);
    });

    m.def("simulate", [](const std::string& text, const std::string& source, const Pairs& overrides,
                         const std::string& mode, bool contention, bool trace, const std::string& slow_gpu,
                         const std::vector<std::string>& slow_nics, const std::vector<std::string>& slow_uplinks,
                         const std::vector<std::int64_t>& lost_nics, const py::object& progress) {
        api::SimulateRequest r;
        r.scenario = request(text, source, overrides);
        r.mode = mode;
        r.contention = contention;
        r.trace = trace;
        r.trace_name = "trace=True";
        r.slow_gpu = slow_gpu;
        r.slow_nics = slow_nics;
        r.slow_uplinks = slow_uplinks;
        r.lost_nics = lost_nics;
        const auto [a, json] = run_with_progress(r, progress, [&] {
            api::SimulateAnswer answer = api::simulate_scenario(catalog(), r);
            std::string text = api::simulate_json(answer);
            return std::pair{std::move(answer), std::move(text)};
        });
        return py::make_tuple(json, a.warnings, a.trace);
    }, py::arg("text"), py::arg("source"), py::arg("overrides"), py::arg("mode"), py::arg("contention"), py::arg("trace"),
          py::arg("slow_gpu"), py::arg("slow_nics"), py::arg("slow_uplinks"), py::arg("lost_nics"), py::arg("progress"));

    m.def("sweep", [](const std::string& grid_text, const std::string& source, unsigned threads, const py::object& progress) {
        api::SweepRequest r;
        r.grid_text = grid_text;
        r.source = source;
        r.threads = threads;
        return answer(run_with_progress(r, progress, [&] { return api::sweep(catalog(), r); }));
    }, py::arg("grid_text"), py::arg("source"), py::arg("threads"), py::arg("progress"));

    m.def("validate", [](const std::vector<std::string>& suite_files, bool event_engine) {
        api::Answer a;
        {
            py::gil_scoped_release release;
            a = api::validate(catalog(), {suite_files, event_engine});
        }
        return answer(a);
    }, py::arg("suite_files"), py::arg("event_engine"));

    m.def("read_text_file", &read_text_file, py::arg("path"), py::arg("field"),
          "a file's text, bounded as the CLI reads it (regular files up to 16 MiB)");

    m.def("catalog_names", [](const std::string& kind) { return api::catalog_names(catalog(), kind); });
    m.def("catalog_show", [](const std::string& kind, const std::string& name) {
        Diagnostics d;
        std::string text = api::catalog_show(catalog(), kind, name, d);
        return py::make_tuple(text, d.warnings);
    });
}
