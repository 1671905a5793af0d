//! Gridded radar composites and their time sequences, the input of nowcasting.
//!
//! [`open_grid`] reads one file into a [`Grid2`]; [`open_sequence`] and [`open_sequence_dir`] read many into a
//! [`GridSequence`], ordered by the time each file states and checked for an even time step and one grid and
//! unit. The format is detected from the content (after transparent gzip/bzip2/zip decompression, see
//! [`compression`]), never from the file name:
//!
//! - HDF5 / NetCDF signature, opened from memory, then by attributes: `/what/object` `COMP` or `IMAGE` →
//!   [`odim_comp`] (e.g. RMI's QPE composite); variables `precipitation`, `valid_time`, `start_time` →
//!   [`bom_rf3`] (BoM Rainfields 3).
//! - `P5` → [`fmi_pgm`] (FMI's 8-bit PGM composites).
//!
//! Rain is returned as rain rate (`"rainfall_rate"`, mm/h: accumulations are divided by their period),
//! reflectivity as `"DBZH"` in dBZ. The [`GridSpec`] puts `(x0, y0)` at the centre of cell `(0, 0)`, the first row
//! of the file; all three services store north-up images, so `dy < 0`. pysteps' `x1, y1, x2, y2` are
//! [`GridSpec::extent`] (the outer edges; pysteps' `yorigin = "upper"` is Squall's `dy < 0`), its `xpixelsize`
//! and `ypixelsize` are `dx` and `|dy|` — except that pysteps' BoM importer puts `x1 … y2` at the outer cell
//! centres (see [`bom_rf3`]).
//!
//! # Examples
//! ```no_run
//! let seq = squall::io::composite::open_sequence_dir("radar/rmi/radqpe/20210704").unwrap();
//! assert_eq!((seq.units.as_str(), seq.timestep_s), ("mm/h", 300));
//! ```

mod attributes;
pub mod bom_rf3;
pub mod fmi_pgm;
pub mod odim_comp;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ndarray::{Array3, Axis};
use rayon::prelude::*;

use super::{compression, netcdf_volume};
use crate::error::{Error, Result};
use crate::geo::{Grid2, GridSequence, GridSpec};

/// Variable name and units of rain rate.
const RAINFALL_RATE: (&str, &str) = ("rainfall_rate", "mm/h");
/// Variable name and units of reflectivity.
const REFLECTIVITY: (&str, &str) = ("DBZH", "dBZ");
/// Most cells accepted in one composite (64 Mi, e.g. 8192 × 8192); more gives [`Error::Limits`].
pub const MAX_CELLS: usize = 1 << 26;

/// A composite file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CompositeFormat {
    /// BoM Rainfields 3 CF NetCDF, see [`bom_rf3`].
    BomRf3,
    /// ODIM_H5 Cartesian composite, see [`odim_comp`].
    OdimComposite,
    /// FMI 8-bit PGM, see [`fmi_pgm`].
    FmiPgm,
}

impl fmt::Display for CompositeFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompositeFormat::BomRf3 => bom_rf3::FORMAT_NAME,
            CompositeFormat::OdimComposite => odim_comp::FORMAT_NAME,
            CompositeFormat::FmiPgm => fmi_pgm::FORMAT_NAME,
        })
    }
}

/// Reads one composite file (any supported format, compressed or not).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::UnknownFormat`] if it is not a composite Squall reads, and
/// the reader's own errors (naming the file) for corrupt content.
pub fn open_grid(path: impl AsRef<Path>) -> Result<Grid2> {
    let path = path.as_ref();
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    grid_from_bytes(&raw, &path.display().to_string()).map(|(_, grid)| grid)
}

/// Decodes a composite held in memory, telling its format. `source_name` appears in errors (and is the file
/// name an FMI PGM without an `obstime` comment takes its time from).
///
/// # Errors
/// As [`open_grid`].
pub fn grid_from_bytes(raw: &[u8], source_name: &str) -> Result<(CompositeFormat, Grid2)> {
    let data = compression::decompress(raw, source_name)?;
    let data: &[u8] = &data;
    if netcdf_volume::is_netcdf_or_hdf5(data) {
        let file = netcdf::open_mem(None, data).map_err(|e| Error::netcdf(source_name, e))?;
        if odim_comp::is_odim_composite(&file) {
            return Ok((
                CompositeFormat::OdimComposite,
                odim_comp::decode(&file, source_name)?,
            ));
        }
        if bom_rf3::is_bom_rf3(&file) {
            return Ok((
                CompositeFormat::BomRf3,
                bom_rf3::decode(&file, source_name)?,
            ));
        }
        return Err(Error::UnknownFormat {
            source_name: source_name.to_owned(),
            reason: "a NetCDF/HDF5 file that is neither an ODIM_H5 composite nor a Rainfields grid"
                .into(),
        });
    }
    if fmi_pgm::is_pgm(data) {
        return Ok((CompositeFormat::FmiPgm, fmi_pgm::decode(data, source_name)?));
    }
    Err(Error::UnknownFormat {
        source_name: source_name.to_owned(),
        reason: format!(
            "not a composite; first bytes {:02x?}",
            &data[..data.len().min(8)]
        ),
    })
}

/// Reads composite files into one sequence, ordered by the time each file states (the order of `paths` does
/// not matter). Files are read in parallel.
///
/// # Errors
/// [`Error::Parameter`] for an empty list, two files with the same time, a gap (a step between consecutive
/// times different from the most common step — the message names both files and their times), or a change of
/// variable, units or grid between files (naming both files); any file's read error.
pub fn open_sequence(paths: &[PathBuf]) -> Result<GridSequence> {
    if paths.is_empty() {
        return Err(Error::parameter(
            "paths",
            "[]",
            "a composite sequence needs at least one file",
        ));
    }
    let frames = paths
        .par_iter()
        .map(|p| open_grid(p).map(|g| (p.clone(), g)))
        .collect::<Result<Vec<_>>>()?;
    assemble(frames)
}

/// Reads every composite in a folder (not its subfolders) into one sequence, as [`open_sequence`]. Files that
/// are not composites (unrecognised content, names starting with `.`) are skipped; a file recognised as a
/// composite but corrupt is an error.
///
/// # Errors
/// [`Error::Io`] if the folder cannot be listed; [`Error::Parameter`] if it holds no composite; otherwise as
/// [`open_sequence`].
pub fn open_sequence_dir(dir: impl AsRef<Path>) -> Result<GridSequence> {
    let dir = dir.as_ref();
    let frames: Vec<(PathBuf, Grid2)> = visible_files(dir)?
        .into_par_iter()
        .map(|p| open_grid_if_composite(&p).map(|g| g.map(|g| (p, g))))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    if frames.is_empty() {
        return Err(Error::parameter(
            "dir",
            dir.display(),
            "holds no composite file Squall reads",
        ));
    }
    assemble(frames)
}

/// The files of a folder that may be composites: not its subfolders nor hidden files (names starting with `.`);
/// sorted by path.
///
/// # Errors
/// [`Error::Io`] if the folder cannot be listed.
pub fn visible_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !hidden && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Reads a composite as [`open_grid`] does, or `None` for a file that is not a composite Squall reads.
///
/// # Errors
/// As [`open_grid`], except [`Error::UnknownFormat`].
pub fn open_grid_if_composite(path: &Path) -> Result<Option<Grid2>> {
    match open_grid(path) {
        Ok(g) => Ok(Some(g)),
        Err(Error::UnknownFormat { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Orders frames by time and stacks them, checking times, variable, units and grid (errors name the files).
fn assemble(mut frames: Vec<(PathBuf, Grid2)>) -> Result<GridSequence> {
    let bad = |value: String, reason: String| Error::parameter("paths", value, reason);
    let time = |g: &Grid2| -> DateTime<Utc> { g.time.unwrap_or(DateTime::<Utc>::MIN_UTC) };
    frames.sort_by_key(|(_, g)| time(g));
    let (first_path, first) = &frames[0];
    for (path, g) in &frames[1..] {
        if (&g.name, &g.units) != (&first.name, &first.units) {
            return Err(bad(
                path.display().to_string(),
                format!(
                    "holds {} in {}, but {} holds {} in {}: one sequence has one variable",
                    g.name,
                    g.units,
                    first_path.display(),
                    first.name,
                    first.units
                ),
            ));
        }
        if g.spec != first.spec {
            return Err(bad(
                path.display().to_string(),
                format!(
                    "its grid {} differs from the grid of {}, {}: one sequence has one grid",
                    describe(&g.spec),
                    first_path.display(),
                    describe(&first.spec)
                ),
            ));
        }
    }
    let steps: Vec<i64> = frames
        .windows(2)
        .map(|w| (time(&w[1].1) - time(&w[0].1)).num_seconds())
        .collect();
    if let Some(k) = steps.iter().position(|&s| s == 0) {
        return Err(bad(
            frames[k + 1].0.display().to_string(),
            format!(
                "has the same time {} as {}",
                time(&frames[k + 1].1),
                frames[k].0.display()
            ),
        ));
    }
    let usual = most_common(&steps);
    if let Some(k) = steps.iter().position(|&s| Some(s) != usual) {
        let ((a, ga), (b, gb)) = (&frames[k], &frames[k + 1]);
        return Err(bad(
            format!("{} → {}", a.display(), b.display()),
            format!(
                "a gap in the sequence: {} ({}) is followed by {} ({}), {} s later, where the other steps are {} s",
                a.display(),
                time(ga),
                b.display(),
                time(gb),
                steps[k],
                usual.unwrap_or_default()
            ),
        ));
    }
    let views: Vec<_> = frames.iter().map(|(_, g)| g.values.view()).collect();
    let values: Array3<f32> = ndarray::stack(Axis(0), &views).map_err(|e| Error::Shape {
        what: "composite frames".into(),
        expected: format!("{:?}", first.spec.shape()),
        found: e.to_string(),
    })?;
    let times = frames.iter().map(|(_, g)| time(g)).collect();
    GridSequence::new(first.spec.clone(), &first.name, &first.units, times, values)
}

/// The most frequent value (the smallest among equally frequent ones); `None` for no values.
fn most_common(steps: &[i64]) -> Option<i64> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for &s in steps {
        *counts.entry(s).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(s, n)| (n, std::cmp::Reverse(s)))
        .map(|(s, _)| s)
}

/// A grid in a few words, for error messages.
fn describe(spec: &GridSpec) -> String {
    format!(
        "{} × {} cells of {} × {} m from ({}, {}) in {}",
        spec.ny,
        spec.nx,
        spec.dx,
        spec.dy.abs(),
        spec.x0,
        spec.y0,
        spec.projection.proj_string()
    )
}

/// A structural error in a NetCDF/HDF5 composite (offset 0: attributes and variables, not byte positions, are
/// at fault).
fn decode_error(format: &'static str, source_name: &str, reason: String) -> Error {
    Error::Decode {
        format,
        source_name: source_name.to_owned(),
        offset: 0,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_common_step_prefers_the_smaller_on_ties() {
        assert_eq!(most_common(&[300, 300, 600, 300]), Some(300));
        assert_eq!(most_common(&[600, 300]), Some(300));
        assert_eq!(most_common(&[]), None);
    }

    #[test]
    fn unknown_content_is_refused() {
        let err = grid_from_bytes(b"RSTM\0\0\0\0", "x.bin").unwrap_err();
        assert!(matches!(err, Error::UnknownFormat { .. }), "{err}");
        let err = grid_from_bytes(b"", "empty").unwrap_err();
        assert!(matches!(err, Error::UnknownFormat { .. }), "{err}");
    }
}
