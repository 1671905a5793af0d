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

# Motion (squall.motion wraps these with pysteps' signatures): frames (t, y, x) -> motion (2, y, x), px/step.
def motion_lucaskanade(
    input_images: npt.NDArray[np.float32],
    nr_std_outlier: float = 3.0,
    k_outlier: int = 30,
    size_opening: int = 3,
    decl_scale: int = 20,
    dense: bool = True,
) -> npt.NDArray[np.float32] | tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]: ...
def motion_vet(
    input_images: npt.NDArray[np.float32],
    sectors: list[int] = ...,
    smooth_gain: float = 1e6,
    max_iterations: int = 100,
    tolerance: float = 1e-4,
) -> npt.NDArray[np.float32]: ...
def motion_darts(
    input_images: npt.NDArray[np.float32],
    n_x: int = 50,
    n_y: int = 50,
    n_t: int = 4,
    m_x: int = 2,
    m_y: int = 2,
    rcond: float = 0.01,
) -> npt.NDArray[np.float32]: ...
def motion_trec(
    input_images: npt.NDArray[np.float32],
    box_size: int = 24,
    spacing: int = 12,
    max_speed: float = 16.0,
    min_correlation: float = 0.5,
    min_rain_fraction: float = 0.1,
    median_threshold: float = 2.0,
    cotrec: bool = True,
) -> npt.NDArray[np.float32]: ...
def motion_constant(
    input_images: npt.NDArray[np.float32], max_speed: float = 30.0, all_pairs: bool = False
) -> npt.NDArray[np.float32]: ...

# Verification (squall.verification wraps these with pysteps' signatures); fields are 2-D float32.
def verification_det_cat(
    pred: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    obs: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    thr: float,
    counts: bool = True,
) -> dict[str, float]: ...
def verification_det_cont(
    pred: npt.NDArray[np.float32],
    obs: npt.NDArray[np.float32],
    conditioning: str | None = None,
    thr: float = 0.0,
    offline: bool = False,
) -> dict[str, float]: ...
def verification_fss(
    x_f: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    x_o: npt.NDArray[np.float32] | npt.NDArray[np.float64],
    thr: float,
    scales: list[int],
) -> list[float]: ...
def verification_crps(
    x_f: npt.NDArray[np.float32] | npt.NDArray[np.float64], x_o: npt.NDArray[np.float32] | npt.NDArray[np.float64]
) -> float: ...
def verification_reldiag(
    p_f: npt.NDArray[np.float32], x_o: npt.NDArray[np.float32], x_min: float, n_bins: int, min_count: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint64], float]: ...
def verification_roc(
    p_f: npt.NDArray[np.float32], x_o: npt.NDArray[np.float32], x_min: float, n_prob_thrs: int
) -> tuple[list[float], list[float], float]: ...
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

def open_sequence(
    paths: list[str | os.PathLike[str]] | None = None, directory: str | os.PathLike[str] | None = None
) -> tuple[npt.NDArray[np.float32], dict[str, object]]: ...
def contingency_scores(hits: int, misses: int, false_alarms: int, correct_negatives: int) -> dict[str, float]: ...
def grid_volume(
    path: str, moments: list[str], n: int, spacing_m: float, heights_m: list[float], weighting: str = "barnes2",
    bin_fraction: float = 0.7, no_echo_value: float | None = None,
) -> tuple[dict[str, npt.NDArray[np.float32]], dict[str, object]]: ...
def products_vil(reflectivity: npt.NDArray[np.float32], heights_m: list[float]) -> npt.NDArray[np.float32]: ...
def products_echo_top(
    reflectivity: npt.NDArray[np.float32], heights_m: list[float], threshold_dbz: float
) -> npt.NDArray[np.float32]: ...
def products_shi(
    reflectivity: npt.NDArray[np.float32], heights_m: list[float], freezing_level_m: float, minus20_level_m: float
) -> npt.NDArray[np.float32]: ...
def products_mesh(shi: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]: ...
def products_posh(shi: npt.NDArray[np.float32], freezing_level_m: float) -> npt.NDArray[np.float32]: ...
def cells_identify(
    field: npt.NDArray[np.float32], spacing_m: float, centre: tuple[float, float] | None = None,
    thresholds_dbz: list[float] | None = None, min_area_km2: float = 10.0, min_core_area_km2: float = 4.0,
    split_step_db: float | None = 1.0, min_prominence_db: float = 1.5,
) -> list[dict[str, object]]: ...

class Tracker:
    def __init__(
        self, shape: tuple[int, int], spacing_m: float, max_speed_mps: float = ..., max_gap_scans: int = 2,
        event_overlap: float = 0.2,
    ) -> None: ...
    def update(self, cells: list[dict[str, object]], time: float) -> dict[str, list[object]]: ...
    def tracks(self) -> list[dict[str, object]]: ...

# squall.cascade
def cascade_filter_gaussian(
    ny: int, nx: int, n: int, gauss_scale: float
) -> tuple[npt.NDArray[np.float32], list[float]]: ...
def cascade_decompose(
    field: npt.NDArray[np.float32], weights: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_] | None = None,
    normalize: bool = False,
) -> tuple[npt.NDArray[np.float32], list[float], list[float]]: ...
def cascade_recompose(
    levels: npt.NDArray[np.float32], means: list[float], stds: list[float]
) -> npt.NDArray[np.float32]: ...

# squall.noise
def noise_nonparam_filter(fields: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]: ...
def noise_param_filter(
    fields: npt.NDArray[np.float32], k_min: float, k_max: float
) -> tuple[npt.NDArray[np.float32], float]: ...
def noise_generate(filter: npt.NDArray[np.float32], nx: int, seed: int) -> npt.NDArray[np.float32]: ...
def noise_motion_perturbation(
    velocity: npt.NDArray[np.float32], km_per_pixel: float, timestep: float, p_par: tuple[float, float, float],
    p_perp: tuple[float, float, float], seed: int, lead_times_min: list[float],
) -> tuple[npt.NDArray[np.float32], tuple[float, float]]: ...

# squall.utils.transformation
def transform_power(
    values: npt.NDArray[np.float64], kind: str, lambda_: float, threshold: float, zerovalue: float, inverse: bool
) -> npt.NDArray[np.float64]: ...

class NormalQuantileInverse:
    def __call__(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...

def transform_nq(values: npt.NDArray[np.float64], a: float) -> tuple[npt.NDArray[np.float64], NormalQuantileInverse]: ...

# squall.warn
def warn_areas(
    geojson: str, latitude: float, longitude: float, n: int, spacing_m: float
) -> list[tuple[int, str, int]]: ...

class WarningStateCore:
    def __init__(
        self, config_json: str, geojson: str, latitude: float, longitude: float, n: int, spacing_m: float
    ) -> None: ...
    def update(
        self, time: str, rain_rate: tuple[list[float], npt.NDArray[np.float32]] | None = None,
        rain_accumulation: tuple[list[float], npt.NDArray[np.float32]] | None = None,
    ) -> list[tuple[str, str]]: ...
    def n_active(self) -> int: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> WarningStateCore: ...
