//! CfRadial 1.x volumes (NCAR/EOL CfRadial 1.3/1.4, NetCDF-3 or NetCDF-4): reader, and [`merge_volumes`] for
//! data sets written one moment per file.
//!
//! # Layout read
//! Dimensions `time` (rays), `range` (gates) and `sweep`. Coordinates `time(time)` with units
//! `"<unit> since <date time>"`, `range(range)` in metres, `azimuth(time)`, `elevation(time)`; per sweep
//! `sweep_start_ray_index`, `sweep_end_ray_index` (inclusive, 0-based), `fixed_angle`, `sweep_mode`; `latitude`,
//! `longitude`, `altitude` (scalars, or per ray for moving platforms: the first ray's position is used).
//! Optional instrument parameters: `frequency` (Hz → [`PolarVolume::frequency_mhz`] and the band),
//! `nyquist_velocity` (per ray → per sweep, the first valid value) and `radar_beam_width_h`
//! ([`DEFAULT_BEAM_WIDTH_DEG`] when absent). Missing `fixed_angle` becomes the sweep's mean elevation (mean
//! azimuth for RHI); a missing or unknown `sweep_mode` is vertically pointing when every ray is above 80°, else PPI.
//!
//! Moments are the numeric variables with dimensions `(time, range)`, or `(n_points)` in ragged files
//! (`ray_n_gates(time)` gates of ray `r` start at `ray_start_index(time)[r]`); other variables are ignored. Each
//! moment's packed values decode as `value = raw · scale_factor + add_offset` (in `f64`, stored as `f32`); a gate is
//! [`GateStatus::NoData`](crate::volume::GateStatus::NoData) when its raw value equals `_FillValue` or
//! `missing_value` — or, for variables without `_FillValue` (not bytes), the NetCDF default fill value of the type,
//! which is what unwritten data reads as — or is `NaN`, or lies outside `valid_min`/`valid_max`/`valid_range`
//! (compared with raw values when the attribute has the variable's type, with physical values otherwise, as the
//! CF conventions say). CfRadial 1 has no separate "below detection" code, so no gate is `NoEcho`.
//!
//! Sweep `i` holds rays `sweep_start_ray_index[i]..=sweep_end_ray_index[i]` in file order; every sweep has the
//! file's full range axis (ragged rays are padded with `NoData`). A range axis spaced irregularly (by more than 1 %
//! of the mean spacing) is resampled by nearest gate onto a regular axis with the smallest spacing found, from the
//! first gate to the last. Moment names follow WMO FM 301 where the variable's name or `standard_name` says
//! which moment it is; see [`names`] for the table. Variables Squall cannot name keep their own names.
//!
//! # Errors
//! Problems in the content are [`Error::Netcdf`] errors naming the file and the variable
//! concerned (NetCDF content has no meaningful byte offset): a missing required variable, inconsistent sweep
//! indices, an unreadable time unit. Counts beyond the limits below are [`Error::Limits`].
//! CfRadial 2 (one group per sweep) is [`Error::Unsupported`].
//!
//! # References
//! Dixon, M., et al., 2016: *CfRadial data file format*, version 1.4, NCAR/EOL.
//! WMO, 2019: *FM 301-20 — CF-Radial*, Manual on Codes, WMO-No. 306, Vol. I.3 (moment names).
//! Eaton, B., et al.: *NetCDF Climate and Forecast (CF) Metadata Conventions*, version 1.8, §2.5.1 and §8.1
//! (missing data and packed values).

mod decode;
mod merge;
mod moments;
pub mod names;
mod nc;
mod range_axis;
pub(crate) mod time_units;

use std::panic::{AssertUnwindSafe, catch_unwind};

pub use merge::merge_volumes;

use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// Name used for this format in messages.
pub const FORMAT_NAME: &str = "CfRadial";

/// Most rays (the `time` dimension) a file may declare.
pub const MAX_RAYS: usize = 1 << 22;
/// Most sweeps (ARM vertically pointing files hold one sweep per ray: an hour at one ray a second is 3600).
pub const MAX_SWEEPS: usize = 1 << 16;
/// Most gates along the `range` dimension.
pub const MAX_RANGE_GATES: usize = 1 << 17;
/// Most values one variable may hold (4× a super-resolution NEXRAD volume's rays × gates).
pub const MAX_VALUES_PER_VARIABLE: usize = 1 << 26;
/// Most gates decoded over all moments (≈ 1.3 GB of values and statuses). A NetCDF-4 file can declare variables
/// far larger than itself (unwritten chunks read as fill values), so the declared sizes are checked first.
pub const MAX_TOTAL_GATES: u64 = 1 << 28;

/// Beam width assumed when a file has no `radar_beam_width_h`, degrees.
pub const DEFAULT_BEAM_WIDTH_DEG: f32 = 1.0;

/// Whether an open NetCDF/HDF5 file follows the CfRadial 1.x conventions: its `Conventions` attribute names
/// CF/Radial, or it has the `time` and `range` dimensions and a `sweep_start_ray_index` variable.
pub fn is_cfradial(file: &netcdf::File) -> bool {
    // The netcdf crate panics on some malformed content (e.g. names that are not UTF-8): treat that as "no".
    catch_unwind(AssertUnwindSafe(|| {
        let named = nc::global_string(file, "Conventions").is_some_and(|c| {
            let c: String = c
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            c.contains("cfradial")
        });
        named
            || (file.dimension("time").is_some()
                && file.dimension("range").is_some()
                && file.variable("sweep_start_ray_index").is_some())
    }))
    .unwrap_or(false)
}

/// Decodes a CfRadial 1.x volume from an open file. `source_name` appears in errors.
///
/// # Errors
/// See the [module documentation](self).
pub fn decode(file: &netcdf::File, source_name: &str) -> Result<PolarVolume> {
    // The netcdf crate unwraps some library errors (and non-UTF-8 names) instead of returning them; a file that
    // triggers one is reported as corrupt rather than taking the caller down.
    catch_unwind(AssertUnwindSafe(|| decode::decode_file(file, source_name))).unwrap_or_else(|_| {
        Err(Error::Netcdf {
            path: source_name.into(),
            message: format!("{FORMAT_NAME}: the NetCDF library rejected the file's metadata"),
        })
    })
}
