//! Finnish Meteorological Institute radar composites in 8-bit binary PGM (netpbm `P5`), usually gzip-compressed.
//!
//! Layout: `P5`, then whitespace-separated width, height and maxval (≤ 255: one byte a pixel), with `#` comment
//! lines anywhere in the header, one whitespace byte, and `width × height` bytes, row 0 at the top (north). FMI's
//! comments hold the metadata as `# key value …`: `obstime YYYYMMDDHHMM` (the valid time, UTC), `type
//! stereographic`, `centrallongitude`, `centrallatitude` (90: the polar aspect), `truelatitude`, and `bottomleft`
//! and `topright` longitude/latitude — the outer corners of the lower-left and upper-right cells.
//!
//! Values: reflectivity dBZ = raw × 0.5 − 32 ([`DBZ_GAIN`], [`DBZ_OFFSET`]); raw [`NODATA`] (255) → NaN (no
//! data); raw 0 → [`NO_ECHO_DBZ`] (−32 dBZ), the no-echo value.
//!
//! Georeferencing: a polar stereographic projection with `lat_0 = centrallatitude`, `lon_0 = centrallongitude`,
//! `lat_ts = truelatitude` on a sphere of radius [`EARTH_RADIUS_M`] (FMI's value, which the file does not carry:
//! it is hard-coded in pysteps' `import_fmi_pgm` too) and no false origin (pysteps adds `+x_0=380886.310
//! +y_0=3395677.920`, which puts the lower-left corner near (0, 0); Squall's `x`, `y` are pysteps' minus these).
//! The projected corners give the extent: `dx = (x(topright) − x(bottomleft)) / width`, `dy = −(y(topright) −
//! y(bottomleft)) / height`, `x0 = x(bottomleft) + dx/2`, `y0 = y(topright) + dy/2`. Without an `obstime`
//! comment, the time is the first 12 digits `YYYYMMDDHHMM` of the file name (FMI's naming).
//!
//! # References
//! - Poskanzer, J., and netpbm contributors: *pgm — Netpbm grayscale image format*,
//!   <https://netpbm.sourceforge.net/doc/pgm.html>.
//! - Pulkkinen, S., and co-authors, 2019: Pysteps: an open-source Python library for probabilistic
//!   precipitation nowcasting (v1.0), *Geosci. Model Dev.*, 12, 4185–4219, doi:10.5194/gmd-12-4185-2019
//!   (`pysteps.io.importers.import_fmi_pgm`).

use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use ndarray::Array2;

use super::{MAX_CELLS, REFLECTIVITY};
use crate::error::{Error, Result};
use crate::geo::projection::{Ellipsoid, Stereographic, StereographicScale};
use crate::geo::{Grid2, GridSpec, Projection};

/// Name used for this format in messages.
pub const FORMAT_NAME: &str = "FMI PGM composite";
/// Raw value meaning no data.
pub const NODATA: u8 = 255;
/// dBZ per raw step.
pub const DBZ_GAIN: f32 = 0.5;
/// dBZ of raw 0.
pub const DBZ_OFFSET: f32 = -32.0;
/// Reflectivity of raw 0, the no-echo value, dBZ.
pub const NO_ECHO_DBZ: f32 = DBZ_OFFSET;
/// Radius of the sphere of FMI's stereographic composites, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_288.0;
/// Longest header accepted (FMI's are ≈ 700 bytes).
const MAX_HEADER_BYTES: usize = 1 << 16;

/// Whether content starts with the binary-PGM signature `P5` and a whitespace byte.
pub fn is_pgm(data: &[u8]) -> bool {
    matches!(data, [b'P', b'5', c, ..] if c.is_ascii_whitespace())
}

/// Decodes an FMI PGM composite (already decompressed) to reflectivity in dBZ. `source_name` appears in errors
/// and, without an `obstime` comment, supplies the time.
///
/// # Errors
/// [`Error::Decode`] naming the byte offset for a malformed or truncated header or raster, or missing
/// georeferencing comments; [`Error::Unsupported`] for 16-bit PGM or a projection other than polar stereographic;
/// [`Error::Limits`] for an absurd image size.
pub fn decode(data: &[u8], source_name: &str) -> Result<Grid2> {
    let err = |offset: usize, reason: String| Error::Decode {
        format: FORMAT_NAME,
        source_name: source_name.to_owned(),
        offset: offset as u64,
        reason,
    };
    let header = Header::parse(data, source_name)?;
    let (nx, ny) = (header.width, header.height);
    if header.maxval == 0 || header.maxval > 255 {
        return Err(Error::Unsupported(format!(
            "{source_name}: PGM maxval {} (8-bit images, maxval 1..=255, are read)",
            header.maxval
        )));
    }
    let cells = nx.saturating_mul(ny);
    if cells > MAX_CELLS || nx == 0 || ny == 0 {
        return Err(Error::Limits {
            what: format!("{source_name}: PGM pixels ({nx} × {ny})"),
            requested: cells as u64,
            limit: MAX_CELLS as u64,
        });
    }
    let raster = data
        .get(header.raster_offset..)
        .filter(|r| r.len() >= cells)
        .ok_or_else(|| {
            err(
                data.len(),
                format!(
                    "raster of {nx} × {ny} = {cells} bytes truncated to {}",
                    data.len().saturating_sub(header.raster_offset)
                ),
            )
        })?;
    let values: Vec<f32> = raster[..cells]
        .iter()
        .map(|&raw| {
            if raw == NODATA {
                f32::NAN
            } else {
                f32::from(raw) * DBZ_GAIN + DBZ_OFFSET
            }
        })
        .collect();
    let values = Array2::from_shape_vec((ny, nx), values).map_err(|e| err(0, e.to_string()))?;
    let spec = header.grid_spec().map_err(|reason| err(0, reason))?;
    let time = header
        .obstime()
        .or_else(|| time_from_file_name(source_name))
        .ok_or_else(|| {
            err(
                0,
                "no obstime comment and no YYYYMMDDHHMM in the file name".into(),
            )
        })?;
    Grid2::new(spec, REFLECTIVITY.0, REFLECTIVITY.1, Some(time), values)
}

/// The parsed PGM header: size, maxval, the raster's offset and the `# key value …` comments.
struct Header {
    width: usize,
    height: usize,
    maxval: usize,
    raster_offset: usize,
    comments: Vec<(String, Vec<String>)>,
}

impl Header {
    fn parse(data: &[u8], source_name: &str) -> Result<Header> {
        let err = |offset: usize, reason: &str| Error::Decode {
            format: FORMAT_NAME,
            source_name: source_name.to_owned(),
            offset: offset as u64,
            reason: reason.to_owned(),
        };
        if !is_pgm(data) {
            return Err(err(0, "no P5 signature"));
        }
        let mut pos = 2;
        let mut numbers = Vec::with_capacity(3);
        let mut comments = Vec::new();
        while numbers.len() < 3 {
            if pos > MAX_HEADER_BYTES {
                return Err(err(pos, "header longer than 64 KiB"));
            }
            match data.get(pos) {
                None => return Err(err(pos, "header truncated")),
                Some(c) if c.is_ascii_whitespace() => pos += 1,
                Some(b'#') => {
                    let end = data[pos..]
                        .iter()
                        .position(|&c| c == b'\n' || c == b'\r')
                        .map_or(data.len(), |k| pos + k);
                    let line = String::from_utf8_lossy(&data[pos + 1..end]);
                    let mut words = line.split_whitespace().map(str::to_owned);
                    if let Some(key) = words.next() {
                        comments.push((key, words.collect()));
                    }
                    pos = end;
                }
                Some(_) => {
                    let start = pos;
                    while data.get(pos).is_some_and(u8::is_ascii_digit) {
                        pos += 1;
                    }
                    let token = std::str::from_utf8(&data[start..pos]).unwrap_or_default();
                    let value: usize = token
                        .parse()
                        .ok()
                        .filter(|_| token.len() <= 9)
                        .ok_or_else(|| err(start, "expected a decimal width, height or maxval"))?;
                    if !data.get(pos).is_some_and(u8::is_ascii_whitespace) {
                        return Err(err(pos, "a header number must end in whitespace"));
                    }
                    numbers.push(value);
                }
            }
        }
        // Exactly one whitespace byte separates maxval from the raster.
        Ok(Header {
            width: numbers[0],
            height: numbers[1],
            maxval: numbers[2],
            raster_offset: pos + 1,
            comments,
        })
    }

    /// The words after the first comment `# key …`.
    fn comment(&self, key: &str) -> Option<&[String]> {
        self.comments
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// The numbers after `# key`, exactly `n` of them.
    fn numbers(&self, key: &str, n: usize) -> std::result::Result<Vec<f64>, String> {
        let words = self
            .comment(key)
            .ok_or_else(|| format!("no '# {key}' comment"))?;
        let values: Vec<f64> = words.iter().filter_map(|w| w.parse().ok()).collect();
        if values.len() == n && words.len() == n && values.iter().all(|v| v.is_finite()) {
            Ok(values)
        } else {
            Err(format!(
                "'# {key} {}': {n} numbers expected",
                words.join(" ")
            ))
        }
    }

    fn grid_spec(&self) -> std::result::Result<GridSpec, String> {
        let kind = self
            .comment("type")
            .and_then(|w| w.first())
            .map(String::as_str);
        if kind != Some("stereographic") {
            return Err(format!(
                "projection type {kind:?}: only 'stereographic' is read"
            ));
        }
        let lat0 = self.numbers("centrallatitude", 1)?[0];
        if (lat0.abs() - 90.0).abs() > 1e-9 {
            return Err(format!(
                "centrallatitude {lat0}: only the polar aspect (±90) is read"
            ));
        }
        let projection = Projection::Stereographic(Stereographic {
            latitude_origin_deg: lat0,
            longitude_origin_deg: self.numbers("centrallongitude", 1)?[0],
            scale: StereographicScale::TrueScaleLatitude(self.numbers("truelatitude", 1)?[0]),
            false_easting_m: 0.0,
            false_northing_m: 0.0,
            ellipsoid: Ellipsoid::sphere(EARTH_RADIUS_M),
        });
        let bottom_left = self.numbers("bottomleft", 2)?;
        let top_right = self.numbers("topright", 2)?;
        let (x_left, y_bottom) = projection
            .forward(bottom_left[0], bottom_left[1])
            .map_err(|e| e.to_string())?;
        let (x_right, y_top) = projection
            .forward(top_right[0], top_right[1])
            .map_err(|e| e.to_string())?;
        let dx = (x_right - x_left) / self.width as f64;
        let dy = -(y_top - y_bottom) / self.height as f64;
        if !(dx > 0.0 && dy < 0.0 && dx.is_finite() && dy.is_finite()) {
            return Err(format!(
                "corners bottomleft {bottom_left:?}, topright {top_right:?} do not span the image"
            ));
        }
        Ok(GridSpec {
            projection,
            ny: self.height,
            nx: self.width,
            x0: x_left + dx / 2.0,
            y0: y_top + dy / 2.0,
            dx,
            dy,
        })
    }

    /// `# obstime YYYYMMDDHHMM`.
    fn obstime(&self) -> Option<DateTime<Utc>> {
        parse_minutes(self.comment("obstime")?.first()?)
    }
}

/// The first 12 consecutive digits of the file name, as `YYYYMMDDHHMM` UTC.
fn time_from_file_name(source_name: &str) -> Option<DateTime<Utc>> {
    let name = Path::new(source_name).file_name()?.to_str()?;
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(11))
        .find(|&k| bytes[k..k + 12].iter().all(u8::is_ascii_digit))
        .and_then(|k| parse_minutes(&name[k..k + 12]))
}

fn parse_minutes(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "P5\n# obstime 201609281445\n# type stereographic\n# centrallongitude 25\n\
        # centrallatitude 90\n# truelatitude 60\n# bottomleft 18.600000 57.930000\n\
        # topright 34.903000 69.005000\n4 3\n255\n";

    fn pgm(header: &str, raster: &[u8]) -> Vec<u8> {
        let mut out = header.as_bytes().to_vec();
        out.extend_from_slice(raster);
        out
    }

    #[test]
    fn small_image_decodes() {
        let raster: Vec<u8> = (0..12).map(|k| [0, 64, 255, 200][k % 4]).collect();
        let grid = decode(&pgm(HEADER, &raster), "mem").unwrap();
        assert_eq!(grid.values.dim(), (3, 4));
        assert_eq!(grid.values[[0, 0]], NO_ECHO_DBZ);
        assert_eq!(grid.values[[0, 1]], 0.0);
        assert!(grid.values[[1, 2]].is_nan());
        assert_eq!(grid.values[[2, 3]], 68.0);
        assert_eq!(grid.time.unwrap().to_rfc3339(), "2016-09-28T14:45:00+00:00");
        // 4 columns across the 759.75 km FMI extent.
        assert!(
            (grid.spec.dx - 759_752.28 / 4.0).abs() < 0.01,
            "{}",
            grid.spec.dx
        );
        assert!(grid.spec.dy < 0.0);
    }

    #[test]
    fn time_falls_back_to_the_file_name() {
        let header = HEADER.replace("# obstime 201609281445\n", "");
        let grid = decode(&pgm(&header, &[0; 12]), "/a/201609281450_fmi.radar.pgm").unwrap();
        assert_eq!(grid.time.unwrap().to_rfc3339(), "2016-09-28T14:50:00+00:00");
        let err = decode(&pgm(&header, &[0; 12]), "noname.pgm").unwrap_err();
        assert!(err.to_string().contains("no obstime"), "{err}");
    }

    #[test]
    fn bad_headers_and_rasters_are_reported_with_offsets() {
        let cases: &[(&str, &[u8], &str)] = &[
            (HEADER, &[0; 11], "truncated to 11"),
            ("P5\n# only a comment", &[], "header truncated"),
            ("P5\n4 x3\n255\n", &[], "expected a decimal"),
            ("P5\n4 3\n65535\n", &[0; 24], "maxval 65535"),
            ("P5\n99999 99999\n255\n", &[], "limit exceeded"),
            ("P5\n1234567890 1\n255\n", &[], "expected a decimal"),
            ("P5\n4 3\n255\n", &[0; 12], "projection type None"),
            (
                &HEADER.replace("# truelatitude 60\n", ""),
                &[0; 12],
                "no '# truelatitude'",
            ),
            (
                &HEADER.replace("34.903000 69.005000", "10 50"),
                &[0; 12],
                "do not span",
            ),
            (
                &HEADER.replace("centrallatitude 90", "centrallatitude 60"),
                &[0; 12],
                "polar aspect",
            ),
        ];
        for (header, raster, expected) in cases {
            let err = decode(&pgm(header, raster), "bad.pgm").unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(expected) && text.contains("bad.pgm"),
                "{header:?}: {text}"
            );
        }
    }
}
