"""How a Python call names a scenario: the way the YAML file is written (a dict or a file
path) and keyword arguments named as the CLI's flags (``tp=8, seq_len=8192``), which
override it. Everything is handed to the C++ loader as text and ``{key: value}``
overrides, so the same checks and messages apply as on the command line."""

from __future__ import annotations

import difflib
import json
import os
from typing import Any, Mapping

from . import _core

# flag (with dashes) -> dotted scenario key, from the C++ table the CLI uses; Megatron-LM's
# names of the same settings (tensor_model_parallel_size=8) are aliases, as on the CLI.
_FLAGS = {flag: key for flag, key, _help, _megatron in _core.scenario_flags()}
_FLAGS.update({megatron: key for _flag, key, _help, megatron in _core.scenario_flags() if megatron})


def flag_names() -> list[str]:
    """The keyword arguments every scenario call takes (the CLI's flags, dashes as underscores)."""
    return sorted(f.replace("-", "_") for f in _FLAGS)


def input_error(field: str, value: str, valid: str) -> Exception:
    """An InputError worded as the C++ library words it: "field = value: valid"."""
    return _core._InputError(f"{field} = {value or '(missing)'}: {valid}", field, value, valid)


def _text_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise input_error(name, repr(value), "a number, a string or a bool")


def request(scenario: Any = None, **flags: Any) -> tuple[str, str, list[tuple[str, str]]]:
    """(text, source name, overrides) for the C++ calls."""
    if scenario is None:
        text, source = "", "flags"
    elif isinstance(scenario, Mapping):
        # YAML is a superset of JSON: the dict's JSON text is a scenario file's text.
        text, source = json.dumps(scenario), "scenario dict"
    elif isinstance(scenario, (str, os.PathLike)):
        path = os.fspath(scenario)
        text, source = _core.read_text_file(path, "scenario"), path
    else:
        raise input_error("scenario", type(scenario).__name__, "a dict, a file path or None")
    overrides = []
    for name, value in flags.items():
        if value is None:
            continue
        flag = name.replace("_", "-")
        if flag not in _FLAGS:
            near = difflib.get_close_matches(name, flag_names(), n=1)
            valid = f"did you mean {near[0]}?" if near else "one of colossim.flag_names()"
            raise input_error(name, repr(value), f"not an argument; {valid}")
        overrides.append((_FLAGS[flag], _text_value(name, value)))
    return text, source, overrides


def split_options(table, flags: dict) -> tuple[list, list, dict]:
    """A command's own keyword arguments (its flag table: (flag, key, overrides_data, help))
    as (options, data overrides), and the remaining arguments for the scenario."""
    by_name = {flag.replace("-", "_"): (key, data) for flag, key, data, _help in table}
    options, data_overrides, rest = [], [], {}
    for name, value in flags.items():
        if name in by_name and value is not None:
            key, data = by_name[name]
            (data_overrides if data else options).append((key, _text_value(name, value)))
        elif name not in by_name:
            rest[name] = value
    return options, data_overrides, rest
