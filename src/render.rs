//! Pictures forecasters look at: grids and PPI sweeps rendered to PNG with the conventional radar colour scales.
//!
//! North is always up. Gates or cells with no data are grey, "no echo" is white, and values below the first
//! colour bound are white too.
//!
//! Around the maps: legends ([`with_legend`]), text labels ([`Image::draw_text`]), boundaries from GeoJSON
//! ([`draw_boundaries`]), cell forecast cones ([`draw_forecast_cone`]) and animated loops ([`write_gif`], [`write_apng`]).

mod animation;
mod boundaries;
mod cone;
mod legend;
mod text;

pub use animation::{write_apng, write_gif};
pub use boundaries::{BOUNDARY, Boundaries, draw_boundaries};
pub use cone::{CONE, draw_forecast_cone, draw_forecast_cone_to};
pub use legend::with_legend;
pub use text::{GLYPH_PX, text_width};

use std::io::BufWriter;
use std::path::Path;

use ndarray::ArrayView3;

use crate::error::{Error, Result};
use crate::geo::{Grid2, GridSpec};
use crate::volume::{GateStatus, Sweep};

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Colour of cells with no data.
pub const NO_DATA: Rgb = [200, 200, 200];
/// Colour of cells with no echo / below the scale.
pub const BACKGROUND: Rgb = [255, 255, 255];

/// A stepped colour scale: `colours[i]` for values in `[bounds[i], bounds[i + 1])`, the last colour above the last
/// bound, [`BACKGROUND`] below the first.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourScale {
    /// Lower bound of each colour step, ascending.
    pub bounds: Vec<f32>,
    /// One colour per bound.
    pub colours: Vec<Rgb>,
}

impl ColourScale {
    /// The US National Weather Service reflectivity scale: 5 dBZ steps from 5 to 75 dBZ.
    pub fn reflectivity() -> ColourScale {
        let colours = vec![
            [0x04, 0xe9, 0xe7],
            [0x01, 0x9f, 0xf4],
            [0x03, 0x00, 0xf4],
            [0x02, 0xfd, 0x02],
            [0x01, 0xc5, 0x01],
            [0x00, 0x8e, 0x00],
            [0xfd, 0xf8, 0x02],
            [0xe5, 0xbc, 0x00],
            [0xfd, 0x95, 0x00],
            [0xfd, 0x00, 0x00],
            [0xd4, 0x00, 0x00],
            [0xbc, 0x00, 0x00],
            [0xf8, 0x00, 0xfd],
            [0x98, 0x54, 0xc6],
            [0xfd, 0xfd, 0xfd],
        ];
        ColourScale {
            bounds: (0..colours.len()).map(|i| 5.0 + 5.0 * i as f32).collect(),
            colours,
        }
    }

    /// A rain-rate scale in mm/h (0.1 to 100 mm/h, blues through greens and yellows to reds and magenta).
    pub fn rain_rate() -> ColourScale {
        ColourScale {
            bounds: vec![0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0],
            colours: vec![
                [0xc6, 0xdb, 0xef],
                [0x6b, 0xae, 0xd6],
                [0x21, 0x71, 0xb5],
                [0x41, 0xab, 0x5d],
                [0x00, 0x6d, 0x2c],
                [0xfe, 0xe0, 0x8b],
                [0xfd, 0xae, 0x61],
                [0xf4, 0x6d, 0x43],
                [0xd7, 0x30, 0x27],
                [0xa5, 0x00, 0xa5],
            ],
        }
    }

    /// Probability (a fraction in \[0, 1\]) in nine ten-percent classes from 10 % up, with the ColorBrewer YlOrRd
    /// ramp (light yellow through orange to dark red), as probability-of-exceedance maps are usually drawn; below
    /// 10 % is background.
    pub fn probability() -> ColourScale {
        ColourScale {
            bounds: (1..=9).map(|i| i as f32 / 10.0).collect(),
            colours: vec![
                [0xff, 0xff, 0xcc],
                [0xff, 0xed, 0xa0],
                [0xfe, 0xd9, 0x76],
                [0xfe, 0xb2, 0x4c],
                [0xfd, 0x8d, 0x3c],
                [0xfc, 0x4e, 0x2a],
                [0xe3, 0x1a, 0x1c],
                [0xbd, 0x00, 0x26],
                [0x80, 0x00, 0x26],
            ],
        }
    }

    /// A diverging scale for radial velocity in m/s (green towards the radar, red away), symmetric about 0.
    pub fn velocity(nyquist_mps: f32) -> ColourScale {
        let v = nyquist_mps.abs().max(1.0);
        let colours = vec![
            [0x00, 0x44, 0x1b],
            [0x00, 0x6d, 0x2c],
            [0x41, 0xab, 0x5d],
            [0xa1, 0xd9, 0x9b],
            [0xe0, 0xe0, 0xe0],
            [0xfc, 0xbb, 0xa1],
            [0xfb, 0x6a, 0x4a],
            [0xcb, 0x18, 0x1d],
            [0x67, 0x00, 0x0d],
        ];
        let n = colours.len() as f32;
        let mut bounds: Vec<f32> = (0..colours.len())
            .map(|i| -v + 2.0 * v * i as f32 / n)
            .collect();
        bounds[0] = f32::NEG_INFINITY;
        ColourScale { bounds, colours }
    }

    /// The conventional scale for a moment name: reflectivity for `DBZH`/`DBTH`, velocity for `VRADH`, rain
    /// for `rainfall_rate`, else a 10-step blue-to-red ramp over `[lo, hi]`.
    pub fn for_moment(name: &str, lo: f32, hi: f32) -> ColourScale {
        match name {
            "DBZH" | "DBTH" | "DBZH_CORR" => Self::reflectivity(),
            "VRADH" | "VRADH_CORR" => Self::velocity(hi.abs().max(lo.abs())),
            "rainfall_rate" => Self::rain_rate(),
            "probability" => Self::probability(),
            _ => Self::ramp(lo, hi),
        }
    }

    /// Ten equal steps over `[lo, hi]` from dark blue to dark red.
    pub fn ramp(lo: f32, hi: f32) -> ColourScale {
        const ANCHORS: [Rgb; 10] = [
            [0x31, 0x36, 0x95],
            [0x45, 0x75, 0xb4],
            [0x74, 0xad, 0xd1],
            [0xab, 0xd9, 0xe9],
            [0xe0, 0xf3, 0xf8],
            [0xfe, 0xe0, 0x90],
            [0xfd, 0xae, 0x61],
            [0xf4, 0x6d, 0x43],
            [0xd7, 0x30, 0x27],
            [0xa5, 0x00, 0x26],
        ];
        let span = if hi > lo { hi - lo } else { 1.0 };
        let mut bounds: Vec<f32> = (0..10).map(|i| lo + span * i as f32 / 10.0).collect();
        bounds[0] = f32::NEG_INFINITY;
        ColourScale {
            bounds,
            colours: ANCHORS.to_vec(),
        }
    }

    /// A categorical scale for the hydrometeor classes of
    /// [`HydroClass`](crate::dualpol::hydroclass::HydroClass), codes 1–10 (drizzle, rain, ice crystals, aggregates,
    /// wet snow, vertical ice, low- and high-density graupel, hail, big drops): one distinct colour per class, code
    /// `k` covering `[k − 0.5, k + 0.5)`; code 0 (unclassified) is background. [`HYDROMETEOR_CLASS_NAMES`] are the
    /// legend labels in the same order.
    pub fn hydrometeor_classes() -> ColourScale {
        ColourScale {
            bounds: (1..=10).map(|k| k as f32 - 0.5).collect(),
            colours: vec![
                [0x9e, 0xca, 0xe1], // drizzle: light blue
                [0x21, 0x66, 0xac], // rain: blue
                [0xd9, 0xd9, 0xd9], // ice crystals: light grey
                [0x8c, 0x6b, 0xb1], // aggregates: purple
                [0xf1, 0x9c, 0xbb], // wet snow: pink
                [0x66, 0x66, 0x66], // vertical ice: dark grey
                [0xa6, 0xd8, 0x54], // low-density graupel: light green
                [0x1b, 0x7a, 0x3a], // high-density graupel: dark green
                [0xd7, 0x19, 0x1c], // hail: red
                [0xfd, 0xae, 0x61], // big drops: orange
            ],
        }
    }

    /// The colour of a value (`NaN` → [`NO_DATA`]).
    pub fn colour(&self, value: f32) -> Rgb {
        if value.is_nan() {
            return NO_DATA;
        }
        match self.bounds.partition_point(|&b| b <= value) {
            0 => BACKGROUND,
            i => self.colours[i - 1],
        }
    }
}

/// Legend labels of [`ColourScale::hydrometeor_classes`], codes 1–10.
pub const HYDROMETEOR_CLASS_NAMES: [&str; 10] = [
    "drizzle",
    "rain",
    "ice crystals",
    "aggregates",
    "wet snow",
    "vertical ice",
    "low-density graupel",
    "high-density graupel",
    "hail",
    "big drops",
];

/// A number with at most two decimals and no trailing zeros.
/// An RGB raster, row 0 at the top (north).
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major RGB pixels, `width · height · 3` bytes.
    pub pixels: Vec<u8>,
}

impl Image {
    /// An image of one colour.
    pub fn blank(width: usize, height: usize, colour: Rgb) -> Image {
        Image {
            width,
            height,
            pixels: colour.repeat(width * height),
        }
    }

    /// The colour at `(row, col)`.
    pub fn pixel(&self, row: usize, col: usize) -> Rgb {
        let i = 3 * (row * self.width + col);
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// Writes the image as an 8-bit RGB PNG.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written.
    pub fn write_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let io = |e: std::io::Error| Error::io(path, e);
        let file = std::fs::File::create(path).map_err(io)?;
        let mut enc =
            png::Encoder::new(BufWriter::new(file), self.width as u32, self.height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let to_io = |e: png::EncodingError| io(std::io::Error::other(e));
        enc.write_header()
            .map_err(to_io)?
            .write_image_data(&self.pixels)
            .map_err(to_io)
    }
}

/// The image position `(column, row)` (fractional; integers are pixel centres) of projection coordinates `(x, y)`
/// on a map rendered by [`render_grid`] from a grid with this `spec`.
pub fn pixel_of(spec: &GridSpec, x: f64, y: f64) -> (f32, f32) {
    let (row, col) = spec.index_of(x, y);
    let row = if spec.dy > 0.0 {
        spec.ny as f64 - 1.0 - row
    } else {
        row
    };
    (col as f32, row as f32)
}

/// Renders a grid, one pixel per cell, north up.
pub fn render_grid(grid: &Grid2, scale: &ColourScale) -> Image {
    let (ny, nx) = grid.spec.shape();
    let mut pixels = Vec::with_capacity(ny * nx * 3);
    for out_row in 0..ny {
        // Rows with dy > 0 run north: the top image row is the last grid row.
        let row = if grid.spec.dy > 0.0 {
            ny - 1 - out_row
        } else {
            out_row
        };
        for col in 0..nx {
            pixels.extend_from_slice(&scale.colour(grid.values[[row, col]]));
        }
    }
    Image {
        width: nx,
        height: ny,
        pixels,
    }
}

/// Colour of motion arrows.
pub const ARROW: Rgb = [0, 0, 0];

/// Draws motion vectors as arrows on a sparse grid over an image made by [`render_grid`] from a grid with the
/// same `spec`: one arrow every `spacing` cells in each direction, starting half a spacing from the top-left
/// corner, from the cell centre along the motion. Arrows are scaled together so that the fastest is `0.9 ·
/// spacing` image pixels long (as plotting programs autoscale quivers); cells with a non-finite or zero vector
/// get no arrow. Returns that scale, image pixels per (pixel per time step); 0 when nothing moves.
///
/// # Shape
/// `motion (2, ny, nx)` = (u, v) in pixels per step along columns and rows of the grid (the convention of
/// [`crate::motion`]); rows of a grid with `dy > 0` are drawn flipped, as [`render_grid`] does.
///
/// # Errors
/// [`Error::Shape`] if the motion or the image does not match `spec`; [`Error::Parameter`] for a zero spacing.
pub fn draw_motion_arrows(
    image: &mut Image,
    spec: &GridSpec,
    motion: ArrayView3<f32>,
    spacing: usize,
    colour: Rgb,
) -> Result<f32> {
    let (ny, nx) = spec.shape();
    if motion.dim() != (2, ny, nx) || (image.height, image.width) != (ny, nx) {
        return Err(Error::Shape {
            what: "motion arrows".into(),
            expected: format!("motion (2, {ny}, {nx}) on a {nx} × {ny} image"),
            found: format!(
                "motion {:?} on a {} × {} image",
                motion.dim(),
                image.width,
                image.height
            ),
        });
    }
    if spacing == 0 {
        return Err(Error::parameter(
            "spacing",
            0,
            "arrows need a spacing of at least one cell",
        ));
    }
    let flip = spec.dy > 0.0;
    let sample = |r: usize, c: usize| -> Option<(f32, f32)> {
        let (u, v) = (motion[[0, r, c]], motion[[1, r, c]]);
        (u.is_finite() && v.is_finite() && (u != 0.0 || v != 0.0))
            .then_some((u, if flip { -v } else { v }))
    };
    let centres = || {
        (spacing / 2..ny)
            .step_by(spacing)
            .flat_map(move |r| (spacing / 2..nx).step_by(spacing).map(move |c| (r, c)))
    };
    let fastest = centres()
        .filter_map(|(r, c)| sample(r, c))
        .map(|(u, v)| u.hypot(v))
        .fold(0.0_f32, f32::max);
    if fastest == 0.0 {
        return Ok(0.0);
    }
    let gain = 0.9 * spacing as f32 / fastest;
    for (r, c) in centres() {
        let Some((u, v)) = sample(r, c) else { continue };
        let row = if flip { ny - 1 - r } else { r };
        let (x0, y0) = (c as f32, row as f32);
        let (dx, dy) = (u * gain, v * gain);
        let (x1, y1) = (x0 + dx, y0 + dy);
        image.line(x0, y0, x1, y1, colour);
        // Two barbs at ±25° from the shaft, a third of its length (at least 2 px).
        let length = dx.hypot(dy);
        let barb = (length / 3.0).max(2.0).min(length);
        let (back_x, back_y) = (-dx / length, -dy / length);
        for angle in [25.0_f32.to_radians(), -25.0_f32.to_radians()] {
            let (sin, cos) = angle.sin_cos();
            let bx = back_x * cos - back_y * sin;
            let by = back_x * sin + back_y * cos;
            image.line(x1, y1, x1 + barb * bx, y1 + barb * by, colour);
        }
    }
    Ok(gain)
}

impl Image {
    /// Draws a one-pixel line between two points (x = column, y = row, pixel centres at integers), clipped to
    /// the image.
    pub fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, colour: Rgb) {
        let steps = (x1 - x0).abs().max((y1 - y0).abs()).ceil().max(1.0) as usize;
        for k in 0..=steps {
            let t = k as f32 / steps as f32;
            let (x, y) = ((x0 + t * (x1 - x0)).round(), (y0 + t * (y1 - y0)).round());
            if x >= 0.0 && y >= 0.0 && (x as usize) < self.width && (y as usize) < self.height {
                let i = 3 * (y as usize * self.width + x as usize);
                self.pixels[i..i + 3].copy_from_slice(&colour);
            }
        }
    }
}

/// Renders one moment of a PPI sweep on a square image `size` pixels wide covering `max_range_m` around the
/// radar (ground range approximated by slant range × cos(elevation)); each pixel takes the nearest ray and gate.
///
/// # Errors
/// [`Error::Parameter`] if the moment is absent or the size is zero.
pub fn render_ppi(
    sweep: &Sweep,
    moment: &str,
    scale: &ColourScale,
    size: usize,
    max_range_m: f32,
) -> Result<Image> {
    let m = sweep.moment(moment).ok_or_else(|| {
        let names: Vec<&str> = sweep.moments.iter().map(|m| m.name.as_str()).collect();
        Error::parameter(
            "moment",
            moment,
            format!("not in this sweep (has {names:?})"),
        )
    })?;
    if size == 0 || max_range_m.is_nan() || max_range_m <= 0.0 {
        return Err(Error::parameter(
            "size",
            size,
            "image size and range must be positive",
        ));
    }
    let mut order: Vec<usize> = (0..sweep.n_rays()).collect();
    order.sort_by(|&a, &b| sweep.azimuth_deg[a].total_cmp(&sweep.azimuth_deg[b]));
    let sorted_az: Vec<f32> = order.iter().map(|&i| sweep.azimuth_deg[i]).collect();
    let cos_el = sweep.fixed_angle_deg.to_radians().cos().max(1e-3);
    let half_width = sweep.azimuth_deg.len().max(1) as f32;
    let mut pixels = vec![0u8; size * size * 3];
    let metres_per_px = 2.0 * max_range_m / size as f32;
    for row in 0..size {
        for col in 0..size {
            let x = (col as f32 + 0.5) * metres_per_px - max_range_m;
            let y = max_range_m - (row as f32 + 0.5) * metres_per_px;
            let ground = x.hypot(y);
            let colour = if ground > max_range_m || order.is_empty() {
                BACKGROUND
            } else {
                let az = x.atan2(y).to_degrees().rem_euclid(360.0);
                let ray = nearest_ray(&sorted_az, &order, az, 360.0 / half_width);
                let gate = ((ground / cos_el - sweep.first_gate_m) / sweep.gate_spacing_m).round();
                match ray {
                    Some(r) if gate >= 0.0 && (gate as usize) < sweep.n_gates() => {
                        let g = gate as usize;
                        match m.status[[r, g]] {
                            GateStatus::Valid => scale.colour(m.values[[r, g]]),
                            GateStatus::NoEcho => BACKGROUND,
                            _ => NO_DATA,
                        }
                    }
                    _ => NO_DATA,
                }
            };
            let i = 3 * (row * size + col);
            pixels[i..i + 3].copy_from_slice(&colour);
        }
    }
    Ok(Image {
        width: size,
        height: size,
        pixels,
    })
}

/// The ray nearest in azimuth (wrapping at 360°), if it lies within twice the mean ray spacing.
fn nearest_ray(sorted_az: &[f32], order: &[usize], az: f32, spacing: f32) -> Option<usize> {
    let i = sorted_az.partition_point(|&a| a < az);
    let n = sorted_az.len();
    let candidates = [(i + n - 1) % n, i % n];
    candidates
        .iter()
        .map(|&k| (k, angle_diff(sorted_az[k], az)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|&(_, d)| d <= 2.0 * spacing)
        .map(|(k, _)| order[k])
}

fn angle_diff(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GridSpec;
    use ndarray::Array2;

    #[test]
    fn classes_are_categorical_and_the_legend_is_drawn() {
        let s = ColourScale::hydrometeor_classes();
        assert_eq!(s.colour(0.0), BACKGROUND);
        for k in 1..=10u8 {
            assert_eq!(s.colour(f32::from(k)), s.colours[usize::from(k) - 1]);
        }
        let distinct: std::collections::HashSet<Rgb> = s.colours.iter().copied().collect();
        assert_eq!(distinct.len(), 10);
    }

    #[test]
    fn reflectivity_steps() {
        let s = ColourScale::reflectivity();
        assert_eq!(s.colour(0.0), BACKGROUND);
        assert_eq!(s.colour(5.0), [0x04, 0xe9, 0xe7]);
        assert_eq!(s.colour(52.0), [0xfd, 0x00, 0x00]);
        assert_eq!(s.colour(80.0), [0xfd, 0xfd, 0xfd]);
        assert_eq!(s.colour(f32::NAN), NO_DATA);
    }

    #[test]
    fn grids_render_north_up() {
        let spec = GridSpec::centred_on(0.0, 0.0, 3, 1000.0).unwrap();
        let mut v = Array2::zeros((3, 3));
        v[[2, 0]] = 60.0; // last row of a dy > 0 grid is the northern edge
        let img = render_grid(
            &Grid2::new(spec, "DBZH", "dBZ", None, v).unwrap(),
            &ColourScale::reflectivity(),
        );
        assert_eq!(img.pixel(0, 0), [0xbc, 0x00, 0x00]);
        assert_eq!(img.pixel(2, 0), BACKGROUND);
    }

    #[test]
    fn arrows_point_along_the_motion() {
        // North-up grid (dy < 0): rows are image rows; motion 2 px/step east and 1 px/step south.
        let spec = GridSpec {
            dy: -1000.0,
            ..GridSpec::centred_on(0.0, 0.0, 20, 1000.0).unwrap()
        };
        let grid = Grid2::new(spec.clone(), "DBZH", "dBZ", None, Array2::zeros((20, 20))).unwrap();
        let mut img = render_grid(&grid, &ColourScale::reflectivity());
        let mut motion = ndarray::Array3::<f32>::zeros((2, 20, 20));
        motion.index_axis_mut(ndarray::Axis(0), 0).fill(2.0);
        motion.index_axis_mut(ndarray::Axis(0), 1).fill(1.0);
        let gain = draw_motion_arrows(&mut img, &spec, motion.view(), 10, ARROW).unwrap();
        // Fastest |(2, 1)| = √5 drawn 9 px long.
        assert!((gain - 9.0 / 5f32.sqrt()).abs() < 1e-5);
        // Arrows start at (5, 5) and (15, 15); the tip of the first is at (5 + 2 gain, 5 + gain).
        assert_eq!(img.pixel(5, 5), ARROW);
        let (tip_x, tip_y) = (
            (5.0 + 2.0 * gain).round() as usize,
            (5.0 + gain).round() as usize,
        );
        assert_eq!(img.pixel(tip_y, tip_x), ARROW);
        // Nothing drawn up-wind of the start.
        assert_eq!(img.pixel(3, 1), BACKGROUND);
        // The same motion on a grid whose rows run north points up in the image.
        let north = GridSpec::centred_on(0.0, 0.0, 20, 1000.0).unwrap();
        let mut img = render_grid(&grid, &ColourScale::reflectivity());
        draw_motion_arrows(&mut img, &north, motion.view(), 10, ARROW).unwrap();
        assert_eq!(img.pixel(19 - 5 - gain.round() as usize, tip_x), ARROW);
        // No motion, no arrows; wrong shapes are refused.
        let mut img = render_grid(&grid, &ColourScale::reflectivity());
        let still = ndarray::Array3::<f32>::zeros((2, 20, 20));
        assert_eq!(
            draw_motion_arrows(&mut img, &spec, still.view(), 10, ARROW).unwrap(),
            0.0
        );
        assert!(img.pixels.iter().all(|&p| p == 255));
        let small = ndarray::Array3::<f32>::zeros((2, 10, 20));
        assert!(draw_motion_arrows(&mut img, &spec, small.view(), 10, ARROW).is_err());
    }

    #[test]
    fn nearest_ray_wraps_north() {
        let az = [0.5f32, 90.5, 180.5, 359.5];
        let order = [0, 1, 2, 3];
        assert_eq!(nearest_ray(&az, &order, 359.9, 90.0), Some(3));
        assert_eq!(nearest_ray(&az, &order, 0.1, 90.0), Some(0));
        assert_eq!(nearest_ray(&az, &order, 91.0, 90.0), Some(1));
    }
}
