//! Range geometry of legacy records: reflectivity gates repeated on the Doppler range axis, and the preparation of
//! any volume for the writer ([`to_legacy_geometry`]).

use ndarray::Array2;

use super::LegacyVariant;
use super::layout::GateScale;
use crate::error::{Error, Result};
use crate::volume::{GateStatus, Moment, PolarVolume, Sweep};

/// Doppler gate length of the geometry the writer produces, m (the SA's 250 m).
pub const DOPPLER_SPACING_M: f32 = 250.0;
/// Reflectivity gates are this many Doppler gates long in the geometry the writer produces (SA: 1000 m / 250 m).
pub const REFLECTIVITY_SPACING_RATIO: u16 = 4;

/// The reflectivity gate (index from 0) covering gate `doppler_gate` of a Doppler range axis: the gate whose
/// extent `(centre − spacing/2, centre + spacing/2]` holds the Doppler gate's centre (so a centre on a boundary
/// goes to the gate nearer the radar). `None` for a Doppler gate nearer than the first reflectivity gate.
///
/// All ranges are gate centres in whole metres (as the legacy headers give them); spacings must be positive.
///
/// # Examples
/// The SA geometry, both axes starting at the same range, 1000 m and 250 m gates: Doppler gates 0–2 lie in
/// reflectivity gate 0 (gate 2 on its far boundary), 3–6 in gate 1, …
/// ```
/// use squall::io::cinrad_legacy::reflectivity_gate;
/// let k = |j| reflectivity_gate(j, 0, 250, 0, 1000);
/// assert_eq!((k(0), k(2), k(3), k(6), k(7)), (Some(0), Some(0), Some(1), Some(1), Some(2)));
/// assert_eq!(reflectivity_gate(0, 0, 250, 1000, 1000), None);
/// ```
pub fn reflectivity_gate(
    doppler_gate: usize,
    doppler_first_m: i64,
    doppler_spacing_m: i64,
    reflectivity_first_m: i64,
    reflectivity_spacing_m: i64,
) -> Option<usize> {
    let num = doppler_first_m + doppler_gate as i64 * doppler_spacing_m - reflectivity_first_m;
    // ceil(num / Δz − 1/2), in integers.
    let k = (2 * num + reflectivity_spacing_m - 1).div_euclid(2 * reflectivity_spacing_m);
    usize::try_from(k).ok()
}

/// How many gates of a Doppler axis (from its first gate) reach into `n_reflectivity` reflectivity gates: one
/// more than the last Doppler gate whose centre lies within the extent of the last reflectivity gate (0 if none
/// does). Same arguments and rounding as [`reflectivity_gate`].
pub(super) fn doppler_gates_covered(
    n_reflectivity: usize,
    doppler_first_m: i64,
    doppler_spacing_m: i64,
    reflectivity_first_m: i64,
    reflectivity_spacing_m: i64,
) -> u64 {
    if n_reflectivity == 0 {
        return 0;
    }
    // Largest range offset from the first reflectivity centre still in the last gate: Δz·(2n − 1)/2, rounded down.
    let limit = (reflectivity_spacing_m * (2 * n_reflectivity as i64 - 1)).div_euclid(2)
        - (doppler_first_m - reflectivity_first_m);
    if limit < 0 {
        0
    } else {
        (limit.div_euclid(doppler_spacing_m) + 1) as u64
    }
}

/// Prepares a volume for [`to_bytes`](super::to_bytes): every sweep resampled (nearest gate) to the legacy
/// geometry of `variant`, the lowest `split_cuts` sweeps that have Doppler moments split into a surveillance cut
/// and a Doppler cut as an SA scans its low tilts.
///
/// Each input sweep needs `DBZH`, or `VRADH` and `WRADH`, or all three; other moments are dropped. The output
/// axes start at the input's first gate (rounded to a metre): Doppler gates of 250 m (up to the variant's 920 or
/// 1600) and reflectivity gates of 1000 m (up to 460 or 800), as many as the input's range covers. The CA/CB gate
/// lengths are not documented in the sources available, so the SA lengths are used for both variants. A
/// sweep with both kinds of moments (not split) repeats the reflectivity gates on the Doppler axis, as the reader
/// does ([`reflectivity_gate`]). Because the format has only "no echo" and "range folded" codes, gates without
/// data before the last gate with data of a ray (of reflectivity, or of velocity and width together) become
/// [`GateStatus::NoEcho`], and so does reflectivity below the format's −32 dBZ floor.
///
/// Angles, times, Nyquist velocity, site and frequency are kept; the values are not quantised (the writer does
/// that).
///
/// # Errors
/// [`Error::Parameter`] for a sweep with neither `DBZH` nor both `VRADH` and `WRADH`, or a first gate beyond
/// ±32 km (the header's 16-bit metres); [`Error::Shape`] for an inconsistent volume.
pub fn to_legacy_geometry(
    volume: &PolarVolume,
    variant: LegacyVariant,
    split_cuts: usize,
) -> Result<PolarVolume> {
    volume.validate()?;
    let d_spacing = DOPPLER_SPACING_M;
    let z_spacing = DOPPLER_SPACING_M * f32::from(REFLECTIVITY_SPACING_RATIO);
    let mut sweeps = Vec::with_capacity(volume.sweeps.len() + split_cuts);
    for (s, sweep) in volume.sweeps.iter().enumerate() {
        let first = sweep.first_gate_m.round();
        if !(f32::from(i16::MIN)..=f32::from(i16::MAX)).contains(&first) {
            return Err(Error::parameter(
                "first_gate_m",
                sweep.first_gate_m,
                format!("sweep {s}: the header holds the first gate in 16-bit metres"),
            ));
        }
        let doppler = sweep.moment("VRADH").zip(sweep.moment("WRADH"));
        let reflectivity = sweep.moment("DBZH").map(|m| {
            let n = covered(sweep, first, z_spacing, variant.max_reflectivity_gates());
            let mut z = resample(sweep, m, first, z_spacing, n);
            clear_below_floor(&mut z);
            fill_no_data_inside(&mut [&mut z]);
            trim(&mut [&mut z]);
            z
        });
        let doppler = doppler.map(|(v, w)| {
            let n = covered(sweep, first, d_spacing, variant.max_doppler_gates());
            let mut v = resample(sweep, v, first, d_spacing, n);
            let mut w = resample(sweep, w, first, d_spacing, n);
            fill_no_data_inside(&mut [&mut v, &mut w]);
            trim(&mut [&mut v, &mut w]);
            (v, w)
        });
        let like = |spacing: f32, moments: Vec<Moment>| Sweep {
            first_gate_m: first,
            gate_spacing_m: spacing,
            moments,
            ..sweep.clone()
        };
        match (reflectivity, doppler) {
            (None, None) => {
                return Err(Error::parameter(
                    "sweep",
                    s,
                    "needs DBZH, or VRADH and WRADH, to be written as legacy CINRAD",
                ));
            }
            (Some(z), None) => sweeps.push(like(z_spacing, vec![z])),
            (Some(z), Some((v, w))) if s < split_cuts => {
                sweeps.push(like(z_spacing, vec![z]));
                sweeps.push(like(d_spacing, vec![v, w]));
            }
            (z, Some((v, w))) => {
                let first_m = first as i64;
                let (d, r) = (d_spacing as i64, z_spacing as i64);
                let n_z = z.as_ref().map_or(0, |z| z.values.ncols());
                let n = v
                    .values
                    .ncols()
                    .max(doppler_gates_covered(n_z, first_m, d, first_m, r) as usize);
                let mut moments = Vec::with_capacity(3);
                if let Some(z) = z {
                    let mut on_axis = Moment::no_data("DBZH", "dBZ", z.values.nrows(), n);
                    for ray in 0..z.values.nrows() {
                        for g in 0..n {
                            if let Some(k) =
                                reflectivity_gate(g, first_m, d, first_m, r).filter(|&k| k < n_z)
                            {
                                on_axis.values[[ray, g]] = z.values[[ray, k]];
                                on_axis.status[[ray, g]] = z.status[[ray, k]];
                            }
                        }
                    }
                    moments.push(on_axis);
                }
                moments.extend([widen(v, n), widen(w, n)]);
                sweeps.push(like(d_spacing, moments));
            }
        }
    }
    Ok(PolarVolume {
        sweeps,
        ..volume.clone()
    })
}

/// Output gates (first gate `first`, spacing `spacing`) whose centres lie within the input sweep's range extent,
/// at most `max`.
fn covered(sweep: &Sweep, first: f32, spacing: f32, max: usize) -> usize {
    let end = f64::from(sweep.first_gate_m)
        + (sweep.n_gates() as f64 - 0.5) * f64::from(sweep.gate_spacing_m);
    let n = ((end - f64::from(first)) / f64::from(spacing)).floor() + 1.0;
    if n <= 0.0 { 0 } else { (n as usize).min(max) }
}

/// A moment resampled to `n` gates from `first` every `spacing` metres, nearest input gate (ties to the nearer
/// gate); output gates outside the input are no data.
fn resample(sweep: &Sweep, m: &Moment, first: f32, spacing: f32, n: usize) -> Moment {
    let (n_rays, n_in) = m.values.dim();
    let source: Vec<Option<usize>> = (0..n)
        .map(|g| {
            let r = f64::from(first) + g as f64 * f64::from(spacing);
            let x = (r - f64::from(sweep.first_gate_m)) / f64::from(sweep.gate_spacing_m);
            let i = (x - 0.5).ceil();
            (i >= 0.0 && (i as usize) < n_in).then_some(i as usize)
        })
        .collect();
    let mut out = Moment::no_data(&m.name, &m.units, n_rays, n);
    for ray in 0..n_rays {
        for (g, src) in source.iter().enumerate() {
            if let Some(i) = *src {
                out.values[[ray, g]] = m.values[[ray, i]];
                out.status[[ray, g]] = m.status[[ray, i]];
            }
        }
    }
    out
}

/// Reflectivity below the lowest code (−32 dBZ) becomes no echo.
fn clear_below_floor(z: &mut Moment) {
    let floor = GateScale::REFLECTIVITY.range().0 - 0.25;
    for (v, s) in z.values.iter_mut().zip(z.status.iter_mut()) {
        if *s == GateStatus::Valid && *v < floor {
            *v = f32::NAN;
            *s = GateStatus::NoEcho;
        }
    }
}

/// In each ray, gates without data before the last gate with data in any of `moments` become no echo.
fn fill_no_data_inside(moments: &mut [&mut Moment]) {
    let Some(n_rays) = moments.first().map(|m| m.values.nrows()) else {
        return;
    };
    for ray in 0..n_rays {
        let end = moments
            .iter()
            .filter_map(|m| {
                m.status
                    .row(ray)
                    .iter()
                    .rposition(|&s| s != GateStatus::NoData)
            })
            .max()
            .map_or(0, |last| last + 1);
        for m in moments.iter_mut() {
            for g in 0..end {
                if m.status[[ray, g]] == GateStatus::NoData {
                    m.status[[ray, g]] = GateStatus::NoEcho;
                }
            }
        }
    }
}

/// Drops the gates beyond the last gate with data in any ray of any of `moments` (the reader's gate count is
/// that of the longest ray).
fn trim(moments: &mut [&mut Moment]) {
    let end = moments
        .iter()
        .flat_map(|m| {
            m.status
                .rows()
                .into_iter()
                .filter_map(|row| row.iter().rposition(|&s| s != GateStatus::NoData))
        })
        .max()
        .map_or(0, |last| last + 1);
    for m in moments.iter_mut() {
        if end < m.values.ncols() {
            m.values = m.values.slice(ndarray::s![.., ..end]).to_owned();
            m.status = m.status.slice(ndarray::s![.., ..end]).to_owned();
        }
    }
}

/// A moment extended with no-data gates to `n` gates.
fn widen(m: Moment, n: usize) -> Moment {
    let (n_rays, n_in) = m.values.dim();
    if n_in == n {
        return m;
    }
    let mut values = Array2::from_elem((n_rays, n), f32::NAN);
    let mut status = Array2::from_elem((n_rays, n), GateStatus::NoData);
    values.slice_mut(ndarray::s![.., ..n_in]).assign(&m.values);
    status.slice_mut(ndarray::s![.., ..n_in]).assign(&m.status);
    Moment {
        values,
        status,
        ..m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflectivity_gates_cover_the_doppler_axis_without_gaps() {
        // SA geometry: every reflectivity gate but the first spans 4 Doppler gates.
        let ks: Vec<Option<usize>> = (0..12)
            .map(|j| reflectivity_gate(j, 125, 250, 125, 1000))
            .collect();
        let expect = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3].map(Some);
        assert_eq!(ks, expect);
        assert_eq!(doppler_gates_covered(230, 125, 250, 125, 1000), 919);
        assert_eq!(doppler_gates_covered(460, 0, 250, 0, 1000), 1839);
        assert_eq!(doppler_gates_covered(0, 0, 250, 0, 1000), 0);
        // The count agrees with the mapping: the last covered gate maps inside, the next one outside.
        for (first_d, first_z, n) in [(0i64, 0i64, 7usize), (-125, 250, 3), (500, 0, 10)] {
            let covered = doppler_gates_covered(n, first_d, 250, first_z, 1000) as usize;
            assert!(reflectivity_gate(covered - 1, first_d, 250, first_z, 1000).unwrap() < n);
            assert_eq!(
                reflectivity_gate(covered, first_d, 250, first_z, 1000),
                Some(n)
            );
        }
        // A reflectivity axis starting 2 km out: the nearest Doppler gates are before it.
        assert_eq!(reflectivity_gate(0, 0, 250, 2000, 1000), None);
        assert_eq!(reflectivity_gate(6, 0, 250, 2000, 1000), None);
        assert_eq!(reflectivity_gate(7, 0, 250, 2000, 1000), Some(0));
        assert_eq!(doppler_gates_covered(1, 5000, 250, 0, 1000), 0);
    }
}
