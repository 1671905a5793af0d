//! One radial from message 31 (generic format, RDA/RPG ICD Tables XVII-A to XVII-I) or message 1 (legacy
//! format, Table III), with its gate codes borrowed from the message stream.

use super::{FORMAT_NAME, moment_index};
use crate::error::{Error, Result};
use crate::io::bytes::Cursor;

/// Message 31 radial header before the data block pointers, bytes.
const GENERIC_HEADER_LEN: usize = 32;
/// More data blocks than any RDA build writes (the ICD defines up to 10).
const MAX_DATA_BLOCKS: usize = 16;
/// Moment data block header (Table XVII-B), bytes.
const MOMENT_HEADER_LEN: usize = 28;
/// Message 1 header before its gate data, bytes.
const LEGACY_HEADER_LEN: usize = 100;

/// Milliseconds per day.
const DAY_MS: i64 = 86_400_000;

/// Where the radar is, from a `VOL` block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Degrees north.
    pub latitude_deg: f64,
    /// Degrees east.
    pub longitude_deg: f64,
    /// Antenna above mean sea level (site height plus feedhorn height), m.
    pub altitude_m: f64,
}

/// The gate codes of one moment along one radial.
#[derive(Debug, Clone, PartialEq)]
pub struct GateBlock<'a> {
    /// Index in [`super::MOMENT_TYPES`].
    pub moment: usize,
    /// Range to the centre of the first gate, m.
    pub first_gate_m: f32,
    /// Distance between gate centres, m (positive when there are gates).
    pub gate_spacing_m: f32,
    /// `value = (raw − offset) / scale`; finite and non-zero when there are gates.
    pub scale: f32,
    /// See `scale`.
    pub offset: f32,
    /// Two bytes (big-endian) per gate instead of one.
    pub wide: bool,
    /// The gate codes.
    pub data: &'a [u8],
}

impl GateBlock<'_> {
    /// Number of gates.
    pub fn n_gates(&self) -> usize {
        if self.wide {
            self.data.len() / 2
        } else {
            self.data.len()
        }
    }

    /// The code of gate `k` (`k < n_gates()`).
    pub fn raw(&self, k: usize) -> u16 {
        if self.wide {
            u16::from_be_bytes([self.data[2 * k], self.data[2 * k + 1]])
        } else {
            u16::from(self.data[k])
        }
    }
}

/// One radial.
#[derive(Debug, Clone, PartialEq)]
pub struct Radial<'a> {
    /// Elevation number of the cut (1-based in the VCP).
    pub elevation_number: u16,
    /// Degrees clockwise from north.
    pub azimuth_deg: f32,
    /// Degrees above the horizon.
    pub elevation_deg: f32,
    /// Collection time, ms since 1970-01-01 00:00 UTC.
    pub time_ms: i64,
    /// From the `RAD` block (message 31) or the header (message 1), m/s; `None` if absent or zero.
    pub nyquist_mps: Option<f32>,
    /// From the `VOL` block (message 31 only).
    pub location: Option<Location>,
    /// Moments in the order of their block pointers.
    pub gates: Vec<GateBlock<'a>>,
}

/// Collection time from a NEXRAD date (day 1 = 1970-01-01) and ms after midnight.
fn time_ms(date: u16, ms: u32) -> i64 {
    (i64::from(date) - 1) * DAY_MS + i64::from(ms)
}

/// Parses the message 31 whose body starts at `body_start` of `message` and ends with it.
///
/// # Errors
/// [`Error::Unsupported`] for a compressed radial; [`Error::Decode`] for non-finite angles, a block count above
/// 16, a data block pointer outside the body, a word size other than 8 or 16 bits, a non-positive gate spacing, a
/// zero or non-finite scale, a moment appearing twice, or gate data running past the end of the message.
pub fn parse_generic<'a>(
    message: &'a [u8],
    body_start: usize,
    source_name: &'a str,
) -> Result<Radial<'a>> {
    let mut c = Cursor::new(message, FORMAT_NAME, source_name);
    c.seek(body_start, "message 31")?;
    let h = c.block::<GENERIC_HEADER_LEN>("message 31 radial header")?;
    if h.u8(16) != 0 {
        return Err(Error::Unsupported(format!(
            "{source_name}: compressed message 31 radial (compression code {}) at byte offset {}",
            h.u8(16),
            h.offset
        )));
    }
    let (azimuth_deg, elevation_deg) = (h.be_f32(12), h.be_f32(24));
    if !azimuth_deg.is_finite() || !elevation_deg.is_finite() {
        return Err(c.error_at(
            h.offset + 12,
            format!("radial angles azimuth {azimuth_deg} elevation {elevation_deg} are not finite"),
        ));
    }
    let n_blocks = usize::from(h.be_u16(30));
    if n_blocks > MAX_DATA_BLOCKS {
        return Err(c.error_at(
            h.offset + 30,
            format!("data block count {n_blocks} exceeds {MAX_DATA_BLOCKS}"),
        ));
    }
    let pointers = c.take(4 * n_blocks, "data block pointers")?;
    let mut radial = Radial {
        elevation_number: u16::from(h.u8(22)),
        azimuth_deg,
        elevation_deg,
        time_ms: time_ms(h.be_u16(8), h.be_u32(4)),
        nyquist_mps: None,
        location: None,
        gates: Vec::with_capacity(n_blocks),
    };
    let body_len = message.len() - body_start;
    let header_len = GENERIC_HEADER_LEN + 4 * n_blocks;
    for (i, pointer) in pointers.chunks_exact(4).enumerate() {
        let pointer = u32::from_be_bytes([pointer[0], pointer[1], pointer[2], pointer[3]]) as usize;
        if pointer == 0 {
            continue;
        }
        if !(header_len..body_len).contains(&pointer) {
            return Err(c.error_at(
                h.offset + GENERIC_HEADER_LEN + 4 * i,
                format!(
                    "data block pointer {pointer} outside the message body (bytes {header_len}..{body_len})"
                ),
            ));
        }
        c.seek(body_start + pointer, "data block")?;
        let name = c.block::<4>("data block name")?;
        c.seek(body_start + pointer, "data block")?;
        match &message[name.offset + 1..name.offset + 4] {
            b"VOL" => {
                let b = c.block::<20>("VOL data block")?;
                radial.location = Some(Location {
                    latitude_deg: f64::from(b.be_f32(8)),
                    longitude_deg: f64::from(b.be_f32(12)),
                    altitude_m: f64::from(b.be_i16(16)) + f64::from(b.be_u16(18)),
                });
            }
            b"RAD" => {
                let nyquist = c.block::<18>("RAD data block")?.be_i16(16);
                radial.nyquist_mps = (nyquist != 0).then(|| f32::from(nyquist) / 100.0);
            }
            block_name => {
                let Some(moment) = moment_index(block_name) else {
                    continue;
                };
                let block = parse_moment(&mut c, moment)?;
                if radial.gates.iter().any(|g| g.moment == moment) {
                    return Err(c.error_at(
                        name.offset,
                        format!(
                            "moment block {} appears twice in the radial",
                            name.text(1, 3)
                        ),
                    ));
                }
                radial.gates.push(block);
            }
        }
    }
    Ok(radial)
}

/// Parses a moment data block at the cursor (Table XVII-B).
fn parse_moment<'a>(c: &mut Cursor<'a>, moment: usize) -> Result<GateBlock<'a>> {
    let b = c.block::<MOMENT_HEADER_LEN>("moment data block header")?;
    let n_gates = usize::from(b.be_u16(8));
    let wide = match b.u8(19) {
        8 => false,
        16 => true,
        other => {
            return Err(c.error_at(
                b.offset + 19,
                format!("data word size {other} is neither 8 nor 16 bits"),
            ));
        }
    };
    let block = GateBlock {
        moment,
        first_gate_m: f32::from(b.be_i16(10)),
        gate_spacing_m: f32::from(b.be_i16(12)),
        scale: b.be_f32(20),
        offset: b.be_f32(24),
        wide,
        data: c.take(n_gates << usize::from(wide), "moment gate data")?,
    };
    check_geometry(c, &block, b.offset + 12, b.offset + 20)?;
    Ok(block)
}

/// A block with gates needs a positive spacing (checked at byte `spacing_at`) and a usable scale and offset
/// (`scale_at`).
fn check_geometry(c: &Cursor, block: &GateBlock, spacing_at: usize, scale_at: usize) -> Result<()> {
    if block.data.is_empty() {
        return Ok(());
    }
    if block.gate_spacing_m <= 0.0 {
        return Err(c.error_at(
            spacing_at,
            format!("gate spacing {} m is not positive", block.gate_spacing_m),
        ));
    }
    if block.scale == 0.0 || !block.scale.is_finite() || !block.offset.is_finite() {
        return Err(c.error_at(
            scale_at,
            format!(
                "scale {} and offset {} do not decode gate codes",
                block.scale, block.offset
            ),
        ));
    }
    Ok(())
}

/// Parses the message 1 whose 2404-byte body starts at `body_start` of `message` and ends with it.
///
/// Reflectivity decodes as `(raw − 66) / 2` dBZ, velocity as `(raw − 129) / 2` m/s (`raw − 129` at velocity
/// resolution code 4, 1 m/s) and spectrum width as `(raw − 129) / 2` m/s; angles are `code · 180 / 32768` degrees.
///
/// # Errors
/// [`Error::Decode`] for gate data outside the message, a non-positive gate spacing or a velocity resolution code
/// other than 2 or 4.
pub fn parse_legacy<'a>(
    message: &'a [u8],
    body_start: usize,
    source_name: &'a str,
) -> Result<Radial<'a>> {
    let mut c = Cursor::new(message, FORMAT_NAME, source_name);
    c.seek(body_start, "message 1")?;
    let h = c.block::<LEGACY_HEADER_LEN>("message 1 header")?;
    let angle = |code: u16| (f64::from(code) * 180.0 / 32768.0) as f32;
    let nyquist = h.be_i16(60);
    let mut radial = Radial {
        elevation_number: h.be_u16(16),
        azimuth_deg: angle(h.be_u16(8)),
        elevation_deg: angle(h.be_u16(14)),
        time_ms: time_ms(h.be_u16(4), h.be_u32(0)),
        nyquist_mps: (nyquist != 0).then(|| f32::from(nyquist) / 100.0),
        location: None,
        gates: Vec::with_capacity(3),
    };
    // (moment index, pointer field, first gate field, spacing field, gate count field, scale, offset)
    let velocity_scale = match h.be_u16(42) {
        2 => 2.0,
        4 => 1.0,
        other if h.be_u16(38) != 0 => {
            return Err(c.error_at(
                h.offset + 42,
                format!("velocity resolution code {other} is neither 2 (0.5 m/s) nor 4 (1 m/s)"),
            ));
        }
        _ => 2.0,
    };
    let layout = [
        (0, 36, 18, 22, 26, 2.0, 66.0),
        (1, 38, 20, 24, 28, velocity_scale, 129.0),
        (2, 40, 20, 24, 28, 2.0, 129.0),
    ];
    for (moment, pointer_at, first_at, spacing_at, count_at, scale, offset) in layout {
        let pointer = usize::from(h.be_u16(pointer_at));
        let n_gates = usize::from(h.be_u16(count_at));
        if pointer == 0 || n_gates == 0 {
            continue;
        }
        c.seek(body_start + pointer, "message 1 gate data")?;
        let block = GateBlock {
            moment,
            first_gate_m: f32::from(h.be_i16(first_at)),
            gate_spacing_m: f32::from(h.be_u16(spacing_at)),
            scale,
            offset,
            wide: false,
            data: c.take(n_gates, "message 1 gate data")?,
        };
        check_geometry(&c, &block, h.offset + spacing_at, h.offset)?;
        radial.gates.push(block);
    }
    Ok(radial)
}
