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
def steps_forecast(
    precip: npt.NDArray[np.float32],
    velocity: npt.NDArray[np.float32],
    timesteps: int,
    n_ens_members: int,
    n_cascade_levels: int,
    precip_thr: float,
    kmperpixel: float,
    timestep: float,
    noise_method: str | None,
    vel_pert: bool,
    mask_method: str | None,
    probmatching_method: str | None,
    seed: int,
    ar_order: int,
) -> npt.NDArray[np.float32]: ...
def sprog_forecast(
    precip: npt.NDArray[np.float32],
    velocity: npt.NDArray[np.float32],
    timesteps: int,
    precip_thr: float,
    n_cascade_levels: int,
    ar_order: int,
) -> npt.NDArray[np.float32]: ...
