//! A vertical cross-section samples a gridded volume every `Δs` along the straight line between two points of
//! the grid's projection, at every level: bilinear interpolation of the four surrounding cells for continuous
//! fields (reflectivity, ZDR, KDP), the nearest cell for categories (hydrometeor classes).

use ndarray::Array2;

use crate::error::{Error, Result};
use crate::geo::Grid3;
use crate::render::{ColourScale, Image, Rgb};

/// How values between cell centres are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    /// Bilinear interpolation of the four surrounding cell centres of the level; missing (`NaN`) neighbours are
    /// left out and the weights of the others renormalised (`NaN` when all four are missing).
    Bilinear,
    /// The value of the nearest cell centre (for categorical fields such as hydrometeor classes).
    Nearest,
}

/// Values along a vertical section.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossSection {
    /// Distance of each sample from the start, projection units (metres for the usual radar grids), `(ns,)`.
    pub distance_m: Vec<f64>,
    /// Projection `(x, y)` of each sample, `(ns,)`.
    pub xy: Vec<(f64, f64)>,
    /// Heights of the levels, metres above mean sea level, `(nz,)`.
    pub heights_m: Vec<f64>,
    /// Variable name (copied from the grid).
    pub name: String,
    /// Units (copied from the grid).
    pub units: String,
    /// Values `(nz, ns)`; `NaN` outside the grid or where there is no data.
    pub values: Array2<f32>,
}

/// Samples `grid` every `step` along the segment from `from` to `to` (projection coordinates, usually metres;
/// see [`Projection::forward`](crate::geo::Projection::forward) for longitude/latitude), both ends included.
///
/// # Errors
/// [`Error::Parameter`] for non-finite end points, identical end points, a non-positive step or more than
/// 100 000 samples; [`Error::Shape`] if the grid's values do not match its spec and heights.
pub fn cross_section(
    grid: &Grid3,
    from: (f64, f64),
    to: (f64, f64),
    step: f64,
    sampling: Sampling,
) -> Result<CrossSection> {
    grid.check_shape()?;
    let (nz, ny, nx) = grid.values.dim();
    if ![from.0, from.1, to.0, to.1].iter().all(|v| v.is_finite()) {
        return Err(Error::parameter(
            "from/to",
            format!("{from:?} → {to:?}"),
            "end points must be finite",
        ));
    }
    let length = (to.0 - from.0).hypot(to.1 - from.1);
    if length == 0.0 {
        return Err(Error::parameter(
            "from/to",
            format!("{from:?}"),
            "the two end points are the same",
        ));
    }
    if !(step > 0.0 && step.is_finite()) || length / step > 100_000.0 {
        return Err(Error::parameter(
            "step",
            step,
            "must be positive and give at most 100 000 samples",
        ));
    }
    let intervals = (length / step).ceil() as usize;
    let distance_m: Vec<f64> = (0..=intervals)
        .map(|i| (i as f64 * step).min(length))
        .collect();
    let xy: Vec<(f64, f64)> = distance_m
        .iter()
        .map(|d| {
            let t = d / length;
            (from.0 + t * (to.0 - from.0), from.1 + t * (to.1 - from.1))
        })
        .collect();
    let mut values = Array2::from_elem((nz, xy.len()), f32::NAN);
    for (s, &(x, y)) in xy.iter().enumerate() {
        let (r, c) = grid.spec.index_of(x, y);
        // Half a cell beyond the outer centres still belongs to the grid.
        if !(r >= -0.5 && r <= ny as f64 - 0.5 && c >= -0.5 && c <= nx as f64 - 0.5) {
            continue;
        }
        for k in 0..nz {
            let level = grid.values.index_axis(ndarray::Axis(0), k);
            values[[k, s]] = match sampling {
                Sampling::Nearest => {
                    let (row, col) = (
                        r.round().clamp(0.0, (ny - 1) as f64),
                        c.round().clamp(0.0, (nx - 1) as f64),
                    );
                    level[[row as usize, col as usize]]
                }
                Sampling::Bilinear => {
                    let (r, c) = (r.clamp(0.0, (ny - 1) as f64), c.clamp(0.0, (nx - 1) as f64));
                    let (r0, c0) = (r.floor() as usize, c.floor() as usize);
                    let (r1, c1) = ((r0 + 1).min(ny - 1), (c0 + 1).min(nx - 1));
                    let (fr, fc) = (r - r0 as f64, c - c0 as f64);
                    let corners = [
                        (r0, c0, (1.0 - fr) * (1.0 - fc)),
                        (r0, c1, (1.0 - fr) * fc),
                        (r1, c0, fr * (1.0 - fc)),
                        (r1, c1, fr * fc),
                    ];
                    let (mut sum, mut weight) = (0.0, 0.0);
                    for (rr, cc, w) in corners {
                        let v = level[[rr, cc]];
                        if w > 0.0 && v.is_finite() {
                            sum += w * f64::from(v);
                            weight += w;
                        }
                    }
                    if weight > 0.0 {
                        (sum / weight) as f32
                    } else {
                        f32::NAN
                    }
                }
            };
        }
    }
    Ok(CrossSection {
        distance_m,
        xy,
        heights_m: grid.heights_m.clone(),
        name: grid.name.clone(),
        units: grid.units.clone(),
        values,
    })
}

/// Colour of the axes and ticks.
const AXIS: Rgb = [0, 0, 0];
/// Margin around the plot for the axes, pixels.
const MARGIN: usize = 12;

/// Renders a section with distance on x (left = start) and height on y (up), `px_per_sample` × `px_per_level`
/// pixels per value, framed by axes with a tick every `tick_km` km of distance and every km of height (long
/// ticks every 5 km). The plot area starts `12` pixels from the left and top edges.
///
/// # Errors
/// [`Error::Parameter`] for zero pixel sizes or a non-positive tick spacing.
pub fn render_cross_section(
    section: &CrossSection,
    scale: &ColourScale,
    px_per_sample: usize,
    px_per_level: usize,
    tick_km: f64,
) -> Result<Image> {
    if px_per_sample == 0 || px_per_level == 0 || !(tick_km > 0.0 && tick_km.is_finite()) {
        return Err(Error::parameter(
            "px_per_sample/px_per_level/tick_km",
            format!("{px_per_sample}/{px_per_level}/{tick_km}"),
            "need positive pixel sizes and tick spacing",
        ));
    }
    let (nz, ns) = section.values.dim();
    let (pw, ph) = (ns * px_per_sample, nz * px_per_level);
    let width = pw + 2 * MARGIN;
    let height = ph + 2 * MARGIN;
    let mut image = Image {
        width,
        height,
        pixels: vec![255; width * height * 3],
    };
    let mut put = |row: usize, col: usize, colour: Rgb| {
        if row < height && col < width {
            let i = 3 * (row * width + col);
            image.pixels[i..i + 3].copy_from_slice(&colour);
        }
    };
    for k in 0..nz {
        for s in 0..ns {
            let colour = scale.colour(section.values[[k, s]]);
            for dr in 0..px_per_level {
                for dc in 0..px_per_sample {
                    // Top image row = highest level.
                    put(
                        MARGIN + (nz - 1 - k) * px_per_level + dr,
                        MARGIN + s * px_per_sample + dc,
                        colour,
                    );
                }
            }
        }
    }
    // Frame.
    for c in MARGIN - 1..=MARGIN + pw {
        put(MARGIN - 1, c, AXIS);
        put(MARGIN + ph, c, AXIS);
    }
    for r in MARGIN - 1..=MARGIN + ph {
        put(r, MARGIN - 1, AXIS);
        put(r, MARGIN + pw, AXIS);
    }
    // Distance ticks below the plot: sample s covers [s, s + 1) pixels-per-sample around distance_m[s].
    let total = section.distance_m.last().copied().unwrap_or(0.0);
    let spacing = if ns > 1 { total / (ns - 1) as f64 } else { 1.0 };
    let mut n = 0usize;
    while spacing > 0.0 && n as f64 * tick_km * 1000.0 <= total {
        let d = n as f64 * tick_km * 1000.0;
        let col = MARGIN + ((d / spacing + 0.5) * px_per_sample as f64) as usize;
        let len = if n % 5 == 0 { 8 } else { 4 };
        for r in 0..len {
            put(MARGIN + ph + 1 + r, col.min(MARGIN + pw - 1), AXIS);
        }
        n += 1;
    }
    // Height ticks left of the plot, at whole km between the lowest and highest level.
    if nz > 1 {
        let (h0, h1) = (section.heights_m[0], section.heights_m[nz - 1]);
        let per_px = (h1 - h0) / ((nz - 1) * px_per_level) as f64;
        let mut km = (h0 / 1000.0).ceil() as i64;
        while km as f64 * 1000.0 <= h1 {
            let from_bottom = ((km as f64 * 1000.0 - h0) / per_px) as usize + px_per_level / 2;
            let row = MARGIN + ph - 1 - from_bottom.min(ph - 1);
            let len = if km % 5 == 0 { 8 } else { 4 };
            for c in 0..len {
                put(row, MARGIN - 2 - c, AXIS);
            }
            km += 1;
        }
    }
    Ok(image)
}
