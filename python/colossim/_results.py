"""Result objects: the CLI's JSON answers with attributes. Each class lists the fields
of its JSON object (tests/python checks that the JSON has no field a class misses), keeps
the object itself for ``to_dict()``, and, where the answer is a table, gives it as a
pandas DataFrame with ``to_pandas()`` (pandas is imported only then)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional


def _build(cls, d: Optional[dict]):
    if d is None:
        return None
    values = {}
    for f in dataclasses.fields(cls):
        if f.name == "raw":
            continue
        v = d.get(f.name)
        nested = _NESTED.get((cls.__name__, f.name))
        if nested is not None and v is not None:
            v = [_build(nested, x) for x in v] if isinstance(v, list) else _build(nested, v)
        values[f.name] = v
    return cls(raw=d, **values)


class _Result:
    raw: dict

    def to_dict(self) -> dict:
        """The JSON object the CLI prints with --json."""
        return self.raw


@dataclass(repr=False)
class Parallelism(_Result):
    tp: int = 1
    pp: int = 1
    vpp: int = 1
    dp: int = 1
    cp: int = 1
    ep: int = 1
    etp: int = 1
    zero: int = 0
    recompute: str = "none"
    recompute_layers: int = 0
    sequence_parallel: bool = False
    dp_overlap: bool = True
    ep_overlap: bool = False
    tp_overlap: bool = False
    cp_impl: str = "te"
    zero_impl: str = "flat"
    tp_impl: str = "te"
    moe_dispatcher: str = "alltoall"
    micro_batch: int = 1
    raw: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Parallelism(tp={self.tp}, pp={self.pp}, vpp={self.vpp}, dp={self.dp}, cp={self.cp}, ep={self.ep}, "
                f"zero={self.zero}, recompute={self.recompute!r}, micro_batch={self.micro_batch})")


@dataclass(repr=False)
class Breakdown(_Result):
    """Seconds of the critical pipeline stage's step, by cause."""
    compute_s: float = 0.0
    tp_comm_s: float = 0.0
    cp_comm_s: float = 0.0
    ep_comm_s: float = 0.0
    pp_comm_s: float = 0.0
    dp_comm_s: float = 0.0
    bubble_s: float = 0.0
    optimizer_s: float = 0.0
    host_s: float = 0.0  # the GPU idle while the CPU issues kernels (host-bound passes)
    raw: dict = field(default_factory=dict)

    def items(self) -> list[tuple[str, float]]:
        """(cause, seconds) in the CLI's order, "_s" dropped."""
        return [(f.name[:-2], getattr(self, f.name)) for f in dataclasses.fields(self) if f.name.endswith("_s")]

    def __repr__(self) -> str:
        return "Breakdown(" + ", ".join(f"{k}={v:.4g}" for k, v in self.items()) + ")"


@dataclass(repr=False)
class Memory(_Result):
    """Bytes per GPU on the pipeline stage that needs the most."""
    stage: int = 0
    weights_bytes: float = 0.0
    gradients_bytes: float = 0.0
    optimizer_bytes: float = 0.0
    activations_bytes: float = 0.0
    total_bytes: float = 0.0
    capacity_bytes: float = 0.0
    fits: bool = True
    raw: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Memory(total={self.total_bytes / 1e9:.2f} GB of {self.capacity_bytes / 1e9:.2f} GB, fits={self.fits})"


@dataclass(repr=False)
class Estimate(_Result):
    """One scenario's step (``colossim estimate --json``)."""
    model: str = ""
    cluster: str = ""
    gpu: str = ""
    gpus: int = 0
    parallelism: Optional[Parallelism] = None
    step_time_s: float = 0.0
    mfu: float = 0.0
    hfu: float = 0.0
    model_tflops_per_gpu: float = 0.0
    hardware_tflops_per_gpu: float = 0.0
    tokens_per_s: float = 0.0
    micro_batches: int = 0
    critical_stage: int = 0
    params_total: float = 0.0
    params_active: float = 0.0
    breakdown: Optional[Breakdown] = None
    memory: Optional[Memory] = None
    tokens: Optional[float] = None
    time_to_train_s: Optional[float] = None
    gpu_hours: Optional[float] = None
    energy_mwh: Optional[float] = None
    cost_usd: Optional[float] = None
    time_to_train_with_failures_s: Optional[float] = None
    goodput: Optional[float] = None
    failure_profile: Optional[str] = None
    warnings: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Estimate({self.model} on {self.gpus} x {self.gpu}: step {self.step_time_s:.4g} s, "
                f"MFU {100 * self.mfu:.1f}%, {self.parallelism!r})")


@dataclass(repr=False)
class Simulation(Estimate):
    """One step simulated event by event (``colossim simulate --json``): estimate's fields
    and the engine's. With contention (the flow-level network): ``links`` (a link level
    each: links, carried_bytes, mean/peak utilisation) and ``stages`` (when each pipeline
    stage's compute and collectives ended, time blocked in sends). ``trace`` is the Chrome
    trace JSON when asked for (``trace=True``); ``trace_events()`` its spans."""
    engine: str = "event"
    contention: bool = True
    mode: Optional[str] = None
    schedule: str = ""
    pipeline_s: float = 0.0
    simulated_gpus: Optional[int] = None
    events: int = 0
    flows: Optional[int] = None
    collectives: Optional[int] = None
    links: list = field(default_factory=list)
    stages: list = field(default_factory=list)
    trace: Optional[str] = None

    def trace_events(self) -> list[dict]:
        """The trace's spans (Chrome "X" events: name, pid, tid, ts and dur in microseconds,
        and the process/thread names as ``process`` and ``thread``); [] without a trace."""
        if not self.trace:
            return []
        import json
        events = json.loads(self.trace)
        events = events.get("traceEvents", events) if isinstance(events, dict) else events
        names = {}
        for e in events:
            if e.get("ph") == "M" and e.get("name") in ("process_name", "thread_name"):
                key = (e.get("pid"),) if e["name"] == "process_name" else (e.get("pid"), e.get("tid"))
                names[key] = e.get("args", {}).get("name", "")
        spans = []
        for e in events:
            if e.get("ph") == "X":
                spans.append(dict(e, process=names.get((e.get("pid"),), str(e.get("pid"))),
                                  thread=names.get((e.get("pid"), e.get("tid")), str(e.get("tid")))))
        return spans

    def links_to_pandas(self):
        """A row a link level: links, carried_bytes, mean_utilization, peak_utilization."""
        import pandas as pd
        return pd.DataFrame(self.links)

    def stages_to_pandas(self):
        """A row a pipeline stage: compute_end_s, blocked_s, collectives_end_s."""
        import pandas as pd
        return pd.DataFrame(self.stages)

    def __repr__(self) -> str:
        where = f"{self.mode} mode on the network" if self.contention else "no contention"
        return (f"Simulation({self.model} on {self.gpus} x {self.gpu}: step {self.step_time_s:.4g} s, "
                f"MFU {100 * self.mfu:.1f}%, {where}, {self.events} events)")


def _plan_row(e: Estimate) -> dict[str, Any]:
    row = {k: getattr(e.parallelism, k) for k in ("tp", "pp", "vpp", "dp", "cp", "ep", "etp", "zero", "recompute",
                                                  "sequence_parallel", "micro_batch")}
    row.update(step_time_s=e.step_time_s, mfu=e.mfu, tokens_per_s=e.tokens_per_s,
               memory_gb=e.memory.total_bytes / 1e9, fits=e.memory.fits)
    row.update({k: v for k, v in e.breakdown.items()})
    if e.time_to_train_s is not None:
        row.update(time_to_train_s=e.time_to_train_s, cost_usd=e.cost_usd)
    return row


@dataclass(repr=False)
class Plan(_Result):
    """The planner's best plans at one GPU count (``colossim plan --json``), best first."""
    objective: str = ""
    gpus: int = 0
    candidates: int = 0
    evaluated: int = 0
    elapsed_s: float = 0.0
    rejected: dict = field(default_factory=dict)
    plans: list = field(default_factory=list)
    refined_by_event_engine: Optional[int] = None
    warnings: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    @property
    def best(self) -> Optional[Estimate]:
        return self.plans[0] if self.plans else None

    def to_pandas(self):
        """One row a plan: its parallelism, step time, MFU, memory and breakdown."""
        import pandas as pd
        return pd.DataFrame([_plan_row(p) for p in self.plans])

    def __repr__(self) -> str:
        return f"Plan({len(self.plans)} plans of {self.evaluated} estimated on {self.gpus} GPUs, best {self.best!r})"


@dataclass(repr=False)
class ValidationCase(_Result):
    suite: str = ""
    origin: str = ""
    generation: str = ""
    case: str = ""
    metric: str = ""
    published: float = 0.0
    predicted: float = 0.0
    error: float = 0.0
    raw: dict = field(default_factory=dict)


@dataclass(repr=False)
class ErrorSummary(_Result):
    group: str = ""
    cases: int = 0
    mean_abs_error: float = 0.0
    bias: float = 0.0
    worst_error: float = 0.0
    worst_case: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(repr=False)
class Validation(_Result):
    """Every published case against its prediction (``colossim validate --json``)."""
    cases: list = field(default_factory=list)
    by_origin: list = field(default_factory=list)
    by_generation: list = field(default_factory=list)
    all: Optional[ErrorSummary] = None
    raw: dict = field(default_factory=dict)

    def to_pandas(self):
        """One row a case: suite, origin, generation, case, metric, published, predicted, error."""
        import pandas as pd
        return pd.DataFrame([{k: v for k, v in c.raw.items()} for c in self.cases])

    def summary(self, by: str = "origin"):
        """Mean |error|, bias and worst case per source ("origin") or GPU generation, as a DataFrame."""
        import pandas as pd
        rows = self.by_origin if by == "origin" else self.by_generation
        return pd.DataFrame([r.raw for r in rows])

    def __repr__(self) -> str:
        a = self.all
        return (f"Validation({a.cases} cases: mean |error| {100 * a.mean_abs_error:.1f}%, "
                f"bias {100 * a.bias:+.1f}%, worst {100 * a.worst_error:+.1f}% {a.worst_case})")


_NESTED = {
    ("Estimate", "parallelism"): Parallelism,
    ("Estimate", "breakdown"): Breakdown,
    ("Estimate", "memory"): Memory,
    ("Plan", "plans"): Estimate,
    ("Simulation", "parallelism"): Parallelism,
    ("Simulation", "breakdown"): Breakdown,
    ("Simulation", "memory"): Memory,
    ("Validation", "cases"): ValidationCase,
    ("Validation", "by_origin"): ErrorSummary,
    ("Validation", "by_generation"): ErrorSummary,
    ("Validation", "all"): ErrorSummary,
}


class Record(_Result):
    """A JSON object with its fields as attributes (nested objects as Records), for answers
    whose fields follow the CLI's JSON one to one (goodput, datacenter)."""

    def __init__(self, raw: dict):
        self.raw = raw

    def __getattr__(self, name: str):
        raw = self.__dict__.get("raw", {})
        if name not in raw:
            raise AttributeError(f"{type(self).__name__} has no field {name!r} (fields: {', '.join(raw)})")
        return _wrap(raw[name])

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.raw))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self.raw)})"


def _wrap(v):
    if isinstance(v, dict):
        return Record(v)
    if isinstance(v, list):
        return [_wrap(x) for x in v]
    return v


class Sweep(_Result):
    """Every scenario of a grid planned (``colossim sweep --json``): ``entries``, each with
    index, model, cluster, gpus, candidates, evaluated, rejected and ``best`` (an Estimate,
    None where no plan fits)."""

    def __init__(self, raw: list):
        self.raw = raw
        self.entries = [Record(e) for e in raw]
        self.best = [_build(Estimate, e["best"]) if e["best"] is not None else None for e in raw]

    def to_pandas(self):
        """A row a scenario: model, cluster, gpus, evaluated, and its best plan's row (as
        Plan.to_pandas), empty where no plan fits."""
        import pandas as pd
        rows = []
        for e, best in zip(self.raw, self.best):
            row = dict(model=e["model"], cluster=e["cluster"], gpus=e["gpus"], evaluated=e["evaluated"])
            if best is not None:
                row.update(_plan_row(best))
            rows.append(row)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        fits = sum(b is not None for b in self.best)
        return f"Sweep({len(self.raw)} scenarios, {fits} with a plan that fits)"


class Collective(_Result):
    """A collective per size (``colossim collective --json``): ``runs``, each with collective,
    gpus, size_bytes, time_s, algbw_gbps, busbw_gbps, algorithm, steps, closed_form_s."""

    def __init__(self, raw: list):
        self.raw = raw
        self.runs = [Record(r) for r in raw]

    def to_pandas(self):
        """A row a size."""
        import pandas as pd
        return pd.DataFrame(self.raw)

    def __repr__(self) -> str:
        first = self.raw[0] if self.raw else {}
        return f"Collective({first.get('collective')} over {first.get('gpus')} GPUs, {len(self.raw)} sizes)"


class Comparison(Record):
    """Scenarios side by side (``colossim compare --json``): ``scenarios`` (column labels) and
    ``rows`` (section, metric, unit, values, vs_first: change against the first, differs)."""

    def to_pandas(self):
        """A row a metric (indexed by section and metric), a column a scenario."""
        import pandas as pd
        labels = self.raw["scenarios"]
        records = [dict(zip(labels, r["values"]), section=r["section"], metric=r["metric"], unit=r["unit"],
                        differs=r["differs"]) for r in self.raw["rows"]]
        return pd.DataFrame(records).set_index(["section", "metric"])[["unit", *labels, "differs"]]

    def __repr__(self) -> str:
        diff = [r["metric"] for r in self.raw.get("rows", []) if r.get("differs")]
        return f"Comparison({', '.join(self.raw.get('scenarios', []))}: {len(diff)} metrics differ)"


class Goodput(Record):
    """Goodput and time to train under failures (``colossim goodput --json``): closed form
    (``goodput``, ``wall_clock_expected_s``) and Monte-Carlo (``wall_clock_s.p50/p90/p99``)."""

    def samples_to_pandas(self):
        """Each Monte-Carlo trial (a row: wall_clock_s, interruptions), from
        ``goodput(..., samples=True)``; empty otherwise."""
        import pandas as pd
        s = self.raw.get("samples")
        if not s:
            return pd.DataFrame(columns=["wall_clock_s", "interruptions"])
        return pd.DataFrame({"wall_clock_s": s["wall_clock_s"], "interruptions": s["interruptions"]})

    def wall_clock_to_pandas(self):
        """The Monte-Carlo trials' wall clock as a histogram: a row a bin (low_s, high_s,
        trials); empty when no trial ran."""
        import pandas as pd
        hist = (self.raw.get("wall_clock_s") or {}).get("histogram")
        if not hist:
            return pd.DataFrame(columns=["low_s", "high_s", "trials"])
        e = hist["edges"]
        return pd.DataFrame({"low_s": e[:-1], "high_s": e[1:], "trials": hist["counts"]})

    def causes_to_pandas(self):
        """Failures per day by cause, as a DataFrame."""
        import pandas as pd
        return pd.DataFrame(self.raw.get("causes", []))

    def __repr__(self) -> str:
        return (f"Goodput({self.raw.get('gpus')} GPUs: goodput {100 * self.raw.get('goodput', 0):.1f}%, "
                f"{self.raw.get('interruptions_expected', 0):.0f} interruptions expected)")


class Fleet(Record):
    """A fleet run (``colossim fleet --json``): ``fleet`` (what ran), ``summary`` (utilisation,
    ``sizes`` by job size, failures, interruptions and GPU-hours lost by cause), ``listed_jobs``
    and ``replications``."""

    def sizes_to_pandas(self):
        """A row a job-size class: jobs, finished, waits and JCT percentiles (hours), ETTR, MTTF."""
        import pandas as pd
        rows = []
        for z in self.raw["summary"]["sizes"]:
            row = {k: v for k, v in z.items() if not isinstance(v, dict)}
            for part in ("wait_h", "jct_h"):
                for q, v in z[part].items():
                    row[f"{part[:-2]}_{q}_h"] = v
            rows.append(row)
        return pd.DataFrame(rows)

    def causes_to_pandas(self):
        """A row a cause: failures in the fleet, job interruptions and GPU-hours lost (means a replication)."""
        import pandas as pd
        s = self.raw["summary"]
        names = sorted(set(s["failures"]) | set(s["interruptions"]) | set(s["gpu_hours_lost"]))
        return pd.DataFrame({"cause": names,
                             "failures": [s["failures"].get(n, 0.0) for n in names],
                             "interruptions": [s["interruptions"].get(n, 0.0) for n in names],
                             "gpu_hours_lost": [s["gpu_hours_lost"].get(n, 0.0) for n in names]})

    def timeseries_to_pandas(self):
        """Every sample of every replication: allocated, down and spare GPUs, queued and running jobs."""
        import io
        import pandas as pd
        return pd.read_csv(io.StringIO(self.__dict__.get("_csv", {}).get("timeseries", "")))

    def jobs_to_pandas(self):
        """Every job's outcome (arrival, start, end, wait, work, useful time, ETTR, interruptions,
        placement), from ``fleet(..., jobs=True)``; otherwise only the listed jobs' summary."""
        import io
        import pandas as pd
        text = self.__dict__.get("_csv", {}).get("jobs", "")
        if not text:
            return pd.DataFrame(self.raw.get("listed_jobs", []))
        return pd.read_csv(io.StringIO(text))

    def __repr__(self) -> str:
        f, s = self.raw.get("fleet", {}), self.raw.get("summary", {})
        return (f"Fleet({f.get('gpus')} GPUs of {f.get('cluster')}, {f.get('days')} days: "
                f"utilisation {100 * s.get('utilisation', 0):.1f}%, {s.get('jobs')} jobs)")


class Datacenter(Record):
    """Nodes, racks, fabric, power and capital cost (``colossim datacenter --json``)."""

    def __repr__(self) -> str:
        return (f"Datacenter({self.raw.get('gpus')} x {self.raw.get('gpu')}: "
                f"{self.raw.get('facility_power_mw', 0):.1f} MW, ${self.raw.get('capex_usd', 0) / 1e9:.2f}B)")


def build(cls, d):
    if cls in (Collective, Sweep):
        return cls(d)
    if issubclass(cls, Record):
        return cls(d)
    return _build(cls, d)
