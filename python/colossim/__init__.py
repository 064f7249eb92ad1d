"""colossim in Python: the simulator's commands as functions.

Every function runs the C++ library the ``colossim`` command runs and returns the answer
its ``--json`` prints, as a result object (attributes, ``to_dict()``, and ``to_pandas()``
for tables). A scenario is given the way its YAML file is written: a dict, a path to a
file, and/or keyword arguments named as the CLI's flags, which override it::

    import colossim
    e = colossim.estimate(model="llama3-405b", cluster="dgx-h100", gpus=16384, tp=8, pp=16,
                          seq_len=8192, global_batch=2048, micro_batch=1)
    e.mfu, e.step_time_s, e.breakdown.bubble_s

Bad input raises ``colossim.InputError`` with ``.field``, ``.value`` and ``.valid``: the
message the CLI prints before exiting with status 2. Warnings the loader raises are given
as Python warnings (``ColossimWarning``) and kept in the result's ``warnings``.
"""

from __future__ import annotations

import json
import os as _os
import warnings as _warnings
from typing import Any, Callable, Optional, Sequence

from . import _core
from ._results import (Breakdown, Collective, Comparison, Datacenter, ErrorSummary, Estimate, Fleet, Goodput, Memory, Parallelism, Plan,
                       Record, Simulation, Sweep, Validation, ValidationCase, build)
from ._scenario import flag_names, input_error, request, split_options

__all__ = [
    "InputError", "ColossimWarning", "estimate", "simulate", "Simulation", "sweep", "Sweep", "compare", "plan", "goodput", "datacenter", "validate", "catalog",
    "show", "flag_names", "collective", "Collective", "Estimate", "Comparison", "Plan", "Goodput", "Datacenter", "Validation", "Parallelism", "Breakdown", "Memory",
    "ValidationCase", "ErrorSummary", "Record", "fleet", "Fleet", "layer_ops",
]

InputError = _core._InputError
InputError.__name__ = InputError.__qualname__ = "InputError"
InputError.__module__ = "colossim"
InputError.__doc__ = "Bad input: .field (dotted scenario key or argument), .value (what was given), .valid (what would be)."
InputError.__str__ = lambda self: str(self.args[0]) if self.args else ""
InputError.field = property(lambda self: self.args[1] if len(self.args) > 1 else "")
InputError.value = property(lambda self: self.args[2] if len(self.args) > 2 else "")
InputError.valid = property(lambda self: self.args[3] if len(self.args) > 3 else "")


class ColossimWarning(UserWarning):
    """A warning of the scenario loader (an unknown key, a field defaulted, ...)."""


def _document(value: Any, field: str, valid: str) -> tuple[str, str]:
    """(text, source name) of a command's own file given as a dict (its JSON text: YAML is a
    superset) or a path."""
    if isinstance(value, dict):
        return json.dumps(value), field
    if isinstance(value, (str, _os.PathLike)):
        source = _os.fspath(value)
        return _core.read_text_file(source, field), source
    raise _scenario_error(field, type(value).__name__, valid)


def _answer(cls, json_text: str, warnings: Sequence[str]):
    for w in warnings:
        _warnings.warn(w, ColossimWarning, stacklevel=3)
    d = json.loads(json_text)
    return build(cls, d)


def estimate(scenario: Any = None, **flags: Any) -> Estimate:
    """Analytical step time, MFU, memory and cost of a scenario (``colossim estimate``)."""
    return _answer(Estimate, *_core.estimate(*request(scenario, **flags)))


def layer_ops(scenario: Any = None, **flags: Any):
    """Where one layer's time goes (``colossim estimate --ops``): each op of the dense (and
    MoE) layer's forward, recomputation and backward for one micro-batch on one GPU, priced
    as ``estimate`` prices it, as a pandas DataFrame (columns layer, pass, op, kind, count,
    time_s, host_s, flops, bytes, collective, overlapped; collectives at their closed-form time)."""
    text, warnings = _core.layer_ops(*request(scenario, **flags))
    for w in warnings:
        _warnings.warn(w, ColossimWarning, stacklevel=2)
    import pandas as pd
    return pd.DataFrame(json.loads(text))


def simulate(scenario: Any = None, *, mode: Optional[str] = None, contention: bool = True, trace: bool = False,
             slow_gpu: Optional[str] = None, slow_nic: Sequence[str] = (), slow_uplink: Sequence[str] = (),
             lost_nic: Sequence[int] = (), progress: Optional[Callable[[float], None]] = None,
             **flags: Any) -> Simulation:
    """One training step simulated event by event (``colossim simulate``): on the cluster's
    flow-level network (``mode="full"`` every GPU, ``"symmetric"`` one GPU group a stage;
    default full up to 1,024 GPUs), or with ``contention=False`` on the cost model's transfer
    times alone. ``trace=True`` keeps the Chrome trace (``.trace``, ``.trace_events()``,
    ``colossim.plot.timeline``). What-ifs as the CLI's: ``slow_gpu="STAGE:FACTOR"``,
    ``slow_nic=["GPU:FRACTION"]``, ``slow_uplink=["LEAF:FRACTION"]``, ``lost_nic=[GPU]``.
    ``progress`` is called with the share of the step's tasks started (on the network; 1 at
    the end)."""
    if mode not in (None, "full", "symmetric"):
        raise _scenario_error("mode", mode, "full|symmetric")
    if not isinstance(contention, bool):
        raise _scenario_error("contention", contention, "True|False")
    if not isinstance(trace, bool):
        raise _scenario_error("trace", trace, "True|False")
    slow_nic = [slow_nic] if isinstance(slow_nic, str) else list(slow_nic)
    slow_uplink = [slow_uplink] if isinstance(slow_uplink, str) else list(slow_uplink)
    lost_nic = [lost_nic] if isinstance(lost_nic, int) else list(lost_nic)
    for g in lost_nic:
        if isinstance(g, bool) or not isinstance(g, int):
            raise _scenario_error("lost_nic", g, "GPU numbers (whole numbers)")
    text, source, overrides = request(scenario, **flags)
    json_text, warnings, trace_text = _core.simulate(text, source, overrides, mode or "", contention, trace,
                                                     slow_gpu or "", [str(x) for x in slow_nic],
                                                     [str(x) for x in slow_uplink], lost_nic, progress)
    result = _answer(Simulation, json_text, warnings)
    result.trace = trace_text or None
    return result


def collective(kind: str, cluster: str, gpus: int = 8, size: str = "1GiB", *, algorithm: str = "auto",
               slow_nic: Optional[str] = None) -> Collective:
    """One collective on the cluster's flow-level network, as nccl-tests measures it
    (``colossim collective``): a row a size (``size="1MiB..8GiB"`` doubles), with the closed
    form ``estimate`` prices it with. ``to_pandas()`` gives the sweep as a DataFrame."""
    if isinstance(gpus, bool) or not isinstance(gpus, int):
        raise input_error("gpus", repr(gpus), "a whole number of GPUs, 2 to 65536")
    return _answer(Collective, *_core.collective(kind, cluster, gpus, str(size), algorithm, slow_nic or ""))


def compare(*scenarios: Any, labels: Optional[Sequence[str]] = None, **flags: Any) -> Comparison:
    """Scenarios side by side (``colossim compare``): each a dict or a path, the keyword
    arguments (CLI flags) applied to every one. Columns are named by ``labels``, else by the
    files' stems (``"scenario N"`` for dicts). ``to_pandas()`` gives a metric a row."""
    import os
    requests = [request(s, **flags) for s in scenarios]
    if labels is None:
        labels = [os.path.splitext(os.path.basename(os.fspath(s)))[0] if isinstance(s, (str, os.PathLike))
                  else f"scenario {i + 1}" for i, s in enumerate(scenarios)]
        if len(set(labels)) != len(labels):
            labels = [f"scenario {i + 1}" for i in range(len(scenarios))]
    return _answer(Comparison, *_core.compare(requests, list(labels)))


def plan(scenario: Any = None, *, objective: str = "throughput", top: int = 10, threads: int = 0, refine: int = 0,
         progress: Optional[Callable[[float], None]] = None, **flags: Any) -> Plan:
    """The best parallel plans for a scenario at one GPU count (``colossim plan``).

    Fields the scenario leaves out (tp, pp, zero, micro_batch, ...) are searched; those given
    are kept. ``progress`` is called with the fraction done, about ten times a second.
    ``refine=K`` re-ranks the top K by the event engine on the network."""
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 100000:
        raise _scenario_error("top", top, "a whole number of plans, 1 to 100000")
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= 1024:
        raise _scenario_error("threads", threads, "0 (all cores) to 1024")
    if isinstance(refine, bool) or not isinstance(refine, int) or refine < 0:
        raise _scenario_error("refine", refine, "a whole number of plans, 0 or more")
    text, source, overrides = request(scenario, **flags)
    return _answer(Plan, *_core.plan(text, source, overrides, objective, top, threads, refine, progress))


def sweep(grid: Any, *, threads: int = 0, progress: Optional[Callable[[float], None]] = None) -> Sweep:
    """Plan every scenario of a grid (``colossim sweep``): a dict written as the grid file
    (``models``, ``clusters``, ``gpus``, ``training``, ``parallelism``, ``objective``) or a
    path to one. Each scenario's best plan is in ``.best`` and ``.to_pandas()`` (a row a
    scenario); ``progress`` is called with the fraction done. For MPI, run the CLI under
    mpirun (README "sweep")."""
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= 1024:
        raise _scenario_error("threads", threads, "0 (all cores) to 1024")
    text, source = _document(grid, "grid", "a dict written as the grid file, or a path to one")
    return _answer(Sweep, *_core.sweep(text, source, threads, progress))


def goodput(scenario: Any = None, *, progress: Optional[Callable[[float], None]] = None, samples: bool = False,
            **flags: Any) -> Goodput:
    """Goodput and time to train under failures, checkpoints and restarts (``colossim goodput``).

    Besides the scenario's arguments it takes the command's own: ``duration="54d"``,
    ``checkpoint_interval``, ``checkpoint="sync"|"async"``, ``spares``, ``trials``, ``seed``,
    ``failures`` (a profile), ``storage_bw``, ``restart_time``, ``detection_time``, ``repair_time``.
    ``progress`` is called with the Monte-Carlo's fraction of trials done; ``samples=True``
    keeps each trial (``samples_to_pandas()``, the CLI's ``--samples``)."""
    if not isinstance(samples, bool):
        raise _scenario_error("samples", samples, "True|False")
    options, data, rest = split_options(_core.goodput_flags(), flags)
    text, source, overrides = request(scenario, **rest)
    return _answer(Goodput, *_core.goodput(text, source, overrides, options, data, progress, samples))


def datacenter(cluster: str, gpus: int, **flags: Any) -> Datacenter:
    """Nodes, racks, switches, links, optics, power and capital cost of ``gpus`` GPUs of a
    cluster kind (``colossim datacenter``); also ``duration``, ``prices``, ``pue`` and the
    ``price_*`` overrides."""
    options, data, rest = split_options(_core.datacenter_flags(), dict(flags, cluster=cluster, gpus=gpus))
    if rest:
        name = sorted(rest)[0]
        raise _scenario_error(name, rest[name], "not an argument of datacenter; " +
                              ", ".join(f.replace("-", "_") for f, *_ in _core.datacenter_flags()))
    return _answer(Datacenter, *_core.datacenter(options, data))


_FLEET_OPTIONS = ("days", "seed", "replications", "policy", "placement", "spares", "failures")


def fleet(scenario: Any, *, threads: int = 0, jobs: bool = False, progress: Optional[Callable[[float], None]] = None,
          **options: Any) -> Fleet:
    """A whole cluster over months (``colossim fleet``): ``scenario`` is a fleet scenario file
    or dict (cluster, days, jobs / trace / generator); ``days``, ``seed``, ``replications``,
    ``policy``, ``placement``, ``spares``, ``failures`` override its keys. ``jobs=True`` keeps
    every job's outcome (``jobs_to_pandas()``, the CLI's jobs.csv); the time series is
    always kept (``timeseries_to_pandas()``). Replications run on ``threads``."""
    text, source = _document(scenario, "fleet", "a fleet scenario file path or dict")
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= 4096:
        raise _scenario_error("threads", threads, "0 (all cores) to 4096")
    if not isinstance(jobs, bool):
        raise _scenario_error("jobs", jobs, "True|False")
    overrides = []
    for name, value in options.items():
        if name not in _FLEET_OPTIONS:
            raise _scenario_error(name, value, "one of " + ", ".join(_FLEET_OPTIONS + ("threads", "jobs", "progress")))
        if value is not None:
            overrides.append((name, str(value)))
    json_text, warnings, jobs_csv, series_csv = _core.fleet(text, source, overrides, threads, jobs, progress)
    result = _answer(Fleet, json_text, warnings)
    result._csv = {"jobs": jobs_csv, "timeseries": series_csv}
    return result


def validate(suites: Sequence[str] = (), *, engine: str = "analytical") -> Validation:
    """Every published case of data/validation (and of the suite files named) against colossim's
    prediction (``colossim validate``); ``engine="event"`` runs the event engine."""
    if engine not in ("analytical", "event"):
        raise _scenario_error("engine", engine, "analytical|event")
    if isinstance(suites, str):
        suites = [suites]
    return _answer(Validation, *_core.validate([str(s) for s in suites], engine == "event"))


def catalog(kind: str = "models") -> list[str]:
    """Names of the catalog's models, gpus or clusters (``colossim list``)."""
    return _core.catalog_names(kind)


def show(kind: str, name: str) -> str:
    """The description ``colossim show`` prints of a model, gpu or cluster (a name or a file)."""
    text, warnings = _core.catalog_show(kind, name)
    for w in warnings:
        _warnings.warn(w, ColossimWarning, stacklevel=2)
    return text


def _scenario_error(field: str, value: Any, valid: str) -> Exception:
    return input_error(field, str(value), valid)
