# Type stubs of the colossim package (python/colossim/__init__.py); the result classes'
# fields are declared in _results.py.
import os
from typing import Any, Callable, Optional, Sequence

from ._results import Breakdown as Breakdown
from ._results import ErrorSummary as ErrorSummary
from ._results import Estimate as Estimate
from ._results import Memory as Memory
from ._results import Parallelism as Parallelism
from ._results import Plan as Plan
from ._results import Validation as Validation
from ._results import ValidationCase as ValidationCase
from ._results import Record as Record
from ._results import Fleet as Fleet
from ._results import Goodput as Goodput
from ._results import Datacenter as Datacenter
from ._results import Comparison as Comparison
from ._results import Collective as Collective
from ._results import Simulation as Simulation
from ._results import Sweep as Sweep

class InputError(ValueError):
    """Bad input: the CLI's exit-2 message."""
    @property
    def field(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def valid(self) -> str: ...

class ColossimWarning(UserWarning): ...

ScenarioLike = Optional[dict[str, Any] | str]

def flag_names() -> list[str]: ...
def estimate(scenario: ScenarioLike = None, *, model: str = ..., cluster: str = ..., gpus: int | str = ...,
             gpu: str = ..., tp: int = ..., pp: int = ..., vpp: int = ..., dp: int = ..., cp: int = ...,
             ep: int = ..., etp: int = ..., zero: int = ..., recompute: str = ..., sequence_parallel: bool = ...,
             dp_overlap: bool = ..., schedule: str = ..., micro_batch: int = ..., global_batch: int = ...,
             seq_len: int | str = ..., tokens: float | str = ..., precision: str = ..., attention: str = ...,
             elementwise: str = ..., recompute_layers: int = ..., segment: int = ..., memory_headroom: float = ...,
             dropout: bool = ..., cuda_device_max_connections: int = ..., **flags: Any) -> Estimate: ...
def simulate(scenario: ScenarioLike = None, *, mode: Optional[str] = None, contention: bool = True,
             trace: bool = False, slow_gpu: Optional[str] = None, slow_nic: Sequence[str] | str = (),
             slow_uplink: Sequence[str] | str = (), lost_nic: Sequence[int] | int = (),
             progress: Optional[Callable[[float], None]] = None, **flags: Any) -> Simulation: ...
def collective(kind: str, cluster: str, gpus: int = 8, size: str = "1GiB", *, algorithm: str = "auto",
               slow_nic: Optional[str] = None) -> Collective: ...
def compare(*scenarios: dict[str, Any] | str, labels: Optional[Sequence[str]] = None, **flags: Any) -> Comparison: ...
def plan(scenario: ScenarioLike = None, *, objective: str = "throughput", top: int = 10, threads: int = 0,
         refine: int = 0, progress: Optional[Callable[[float], None]] = None, **flags: Any) -> Plan: ...
def sweep(grid: dict[str, Any] | str, *, threads: int = 0,
          progress: Optional[Callable[[float], None]] = None) -> Sweep: ...
def goodput(scenario: ScenarioLike = None, *, duration: str = ..., checkpoint_interval: str = ...,
            checkpoint: str = ..., spares: int = ..., trials: int = ..., seed: int = ..., failures: str = ...,
            storage_bw: str = ..., restart_time: str = ..., detection_time: str = ..., repair_time: str = ...,
            progress: Optional[Callable[[float], None]] = None, samples: bool = False, **flags: Any) -> Goodput: ...
def datacenter(cluster: str, gpus: int, *, duration: str = ..., prices: str = ..., pue: float = ...,
               price_gpu: float = ..., price_node: float = ..., price_switch: float = ...,
               price_transceiver: float = ..., price_cable: float = ..., price_electricity: float = ...) -> Datacenter: ...
def fleet(scenario: dict[str, Any] | str | os.PathLike[str], *, threads: int = 0, jobs: bool = False,
          progress: Optional[Callable[[float], None]] = None, days: float = ..., seed: int = ...,
          replications: int = ..., policy: str = ..., placement: str = ..., spares: int | str = ...,
          failures: str = ...) -> Fleet: ...
def validate(suites: Sequence[str] | str = (), *, engine: str = "analytical") -> Validation: ...
def catalog(kind: str = "models") -> list[str]: ...
def show(kind: str, name: str) -> str: ...
