"""Type stubs of the native module `squall._squall`."""

import os

import numpy as np
import numpy.typing as npt

__version__: str

class SquallError(Exception): ...
class DecodeError(SquallError): ...
class UnsupportedError(SquallError): ...
class LimitsError(SquallError): ...
class ShapeError(SquallError, ValueError): ...
class ParameterError(SquallError, ValueError): ...

class Sweep:
    mode: str
    fixed_angle: float
    gate_spacing: float
    nyquist_velocity: float | None
    @property
    def azimuth(self) -> npt.NDArray[np.float32]: ...
    @property
    def elevation(self) -> npt.NDArray[np.float32]: ...
    @property
    def time(self) -> npt.NDArray[np.float64]: ...
    @property
    def range(self) -> npt.NDArray[np.float32]: ...
    @property
    def moments(self) -> dict[str, npt.NDArray[np.float32]]: ...
    @property
    def status(self) -> dict[str, npt.NDArray[np.uint8]]: ...
    @property
    def units(self) -> dict[str, str]: ...

class Volume:
    format: str
    site_id: str
    site_name: str
    latitude: float
    longitude: float
    altitude: float
    frequency_mhz: float | None
    band: str | None
    time: str
    beam_width: float
    @property
    def sweeps(self) -> list[Sweep]: ...
    def __len__(self) -> int: ...

def read_volume(path: str | os.PathLike[str]) -> Volume: ...

def semilagrangian_extrapolate(
    precip: npt.NDArray[np.float32],
    velocity: npt.NDArray[np.float32],
    lead_times: list[float],
    outval: float = ...,
    n_iter: int = 1,
    interp_order: int = 1,
    displacement_prev: npt.NDArray[np.float32] | None = None,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]: ...

def kdp_from_phidp(
    phidp: npt.NDArray[np.float32],
    gate_spacing_m: float,
    dbzh: npt.NDArray[np.float32] | None = None,
    method: str = "least_squares",
    window_m: float | None = None,
    iterations: int = 10,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]: ...

def zphi(
    dbzh: npt.NDArray[np.float32],
    phidp: npt.NDArray[np.float32],
    gate_spacing_m: float,
    band: str,
    zdr: npt.NDArray[np.float32] | None = None,
    method: str = "zphi",
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32] | None, npt.NDArray[np.float32]]: ...

def rain_rate(
    dbzh: npt.NDArray[np.float32],
    band: str,
    zdr: npt.NDArray[np.float32] | None = None,
    kdp: npt.NDArray[np.float32] | None = None,
    specific_attenuation: npt.NDArray[np.float32] | None = None,
    estimator: str = "blended",
) -> npt.NDArray[np.float32]: ...

def hydroclass(
    dbzh: npt.NDArray[np.float32],
    zdr: npt.NDArray[np.float32],
    kdp: npt.NDArray[np.float32],
    rhohv: npt.NDArray[np.float32],
    band: str,
    temperature: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.uint8]: ...
