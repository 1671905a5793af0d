//! Walking the message stream: a 12-byte CTM header and a 16-byte message header before every message, fixed
//! 2432-byte frames for all messages but message 31, whose size is in its header (RDA/RPG ICD Table II).

use super::FORMAT_NAME;
use super::radial::{self, Radial};
use crate::error::Result;
use crate::io::bytes::Cursor;

/// Channel terminal manager header before every message, bytes.
pub const CTM_LEN: usize = 12;
/// Message header, bytes.
pub const MESSAGE_HEADER_LEN: usize = 16;
/// Frame of every message except message 31 (CTM header, message header and body), bytes.
pub const FRAME_LEN: usize = 2432;
/// Body of a framed message, bytes.
const FRAME_BODY_LEN: usize = FRAME_LEN - CTM_LEN - MESSAGE_HEADER_LEN;

/// Message 5 (volume coverage pattern): header and per-cut lengths, bytes (RDA/RPG ICD Table XI).
const VCP_HEADER_LEN: usize = 22;
const VCP_CUT_LEN: usize = 46;

/// What the reader takes from the messages of a segment, or of the whole file.
#[derive(Debug, Default)]
pub struct Messages<'a> {
    /// Message 31 radials in file order.
    pub generic: Vec<Radial<'a>>,
    /// Message 1 radials in file order.
    pub legacy: Vec<Radial<'a>>,
    /// ICAO identifier of the first message 31 radial.
    pub radial_icao: Option<String>,
    /// Target elevation of each cut from the first message 5, degrees (index = elevation number − 1).
    pub cut_elevations_deg: Option<Vec<f32>>,
}

impl<'a> Messages<'a> {
    /// The messages of consecutive segments, in order (identifiers and cut elevations from the first that has
    /// them).
    pub fn concat(parts: Vec<Messages<'a>>) -> Messages<'a> {
        let mut all = Messages::default();
        for part in parts {
            all.generic.extend(part.generic);
            all.legacy.extend(part.legacy);
            all.radial_icao = all.radial_icao.or(part.radial_icao);
            all.cut_elevations_deg = all.cut_elevations_deg.or(part.cut_elevations_deg);
        }
        all
    }
}

/// Walks the messages of `stream` from byte `first` (the CTM header of the first message) to the end, which must
/// be the end of a message.
///
/// # Errors
/// [`crate::Error::Decode`] for a truncated message, a message 31 shorter than its header, and the errors of
/// [`radial::parse_generic`] and [`radial::parse_legacy`].
pub fn parse<'a>(stream: &'a [u8], first: usize, source_name: &'a str) -> Result<Messages<'a>> {
    let mut c = Cursor::new(stream, FORMAT_NAME, source_name);
    c.seek(first, "first message")?;
    let mut found = Messages::default();
    while c.remaining() > 0 {
        if c.remaining() < CTM_LEN + MESSAGE_HEADER_LEN {
            return Err(c.error(format!(
                "{} bytes at the end are too few for a message header",
                c.remaining()
            )));
        }
        c.take(CTM_LEN, "CTM header")?;
        let header = c.block::<MESSAGE_HEADER_LEN>("message header")?;
        let body_start = c.position();
        match header.u8(3) {
            31 => {
                let len = 2 * usize::from(header.be_u16(0));
                let Some(body_len) = len.checked_sub(MESSAGE_HEADER_LEN) else {
                    return Err(c.error_at(
                        header.offset,
                        format!("message 31 of {len} bytes is shorter than its message header"),
                    ));
                };
                c.take(body_len, "message 31")?;
                let message = &stream[..c.position()];
                found
                    .generic
                    .push(radial::parse_generic(message, body_start, source_name)?);
                if found.radial_icao.is_none() {
                    let mut id = Cursor::new(message, FORMAT_NAME, source_name);
                    id.seek(body_start, "radial identifier")?;
                    found.radial_icao = Some(id.block::<4>("radial identifier")?.text(0, 4));
                }
            }
            1 => {
                c.take(FRAME_BODY_LEN, "message 1")?;
                found.legacy.push(radial::parse_legacy(
                    &stream[..c.position()],
                    body_start,
                    source_name,
                )?);
            }
            5 => {
                let body = c.take(FRAME_BODY_LEN, "message 5")?;
                if found.cut_elevations_deg.is_none() {
                    found.cut_elevations_deg = vcp_elevations(body);
                }
            }
            other => {
                c.take(FRAME_BODY_LEN, &format!("message {other}"))?;
            }
        }
    }
    Ok(found)
}

/// Target elevations of the cuts of a message 5 body, degrees: the binary angle `code · 360 / 65536`, above 180°
/// taken as negative. `None` when the message does not hold the cuts it announces (the angles then come from the
/// rays, as for a file without message 5).
fn vcp_elevations(body: &[u8]) -> Option<Vec<f32>> {
    let n_cuts = usize::from(u16::from_be_bytes([*body.get(6)?, *body.get(7)?]));
    if n_cuts == 0 || VCP_HEADER_LEN + n_cuts * VCP_CUT_LEN > body.len() {
        return None;
    }
    let angles = (0..n_cuts)
        .map(|i| {
            let at = VCP_HEADER_LEN + i * VCP_CUT_LEN;
            let degrees = f64::from(u16::from_be_bytes([body[at], body[at + 1]])) * 360.0 / 65536.0;
            (if degrees > 180.0 {
                degrees - 360.0
            } else {
                degrees
            }) as f32
        })
        .collect();
    Some(angles)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A framed message of `kind` with `body` (padded to the frame).
    fn framed(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; CTM_LEN];
        let mut header = [0u8; MESSAGE_HEADER_LEN];
        header[0..2]
            .copy_from_slice(&(((MESSAGE_HEADER_LEN + body.len()) / 2) as u16).to_be_bytes());
        header[3] = kind;
        out.extend_from_slice(&header);
        out.extend_from_slice(body);
        out.resize(FRAME_LEN, 0);
        out
    }

    fn vcp_body(codes: &[u16]) -> Vec<u8> {
        let mut body = vec![0u8; VCP_HEADER_LEN + codes.len() * VCP_CUT_LEN];
        body[6..8].copy_from_slice(&(codes.len() as u16).to_be_bytes());
        for (i, code) in codes.iter().enumerate() {
            let at = VCP_HEADER_LEN + i * VCP_CUT_LEN;
            body[at..at + 2].copy_from_slice(&code.to_be_bytes());
        }
        body
    }

    #[test]
    fn vcp_angles_are_binary_angles() {
        let angles = vcp_elevations(&vcp_body(&[88, 264, 65_500])).unwrap();
        // 495/1024°, 1485/1024° and −810/4096°: exact in f32.
        assert_eq!(angles, [495.0 / 1024.0, 1485.0 / 1024.0, -810.0 / 4096.0]);
        assert_eq!(vcp_elevations(&vcp_body(&[])), None);
        let mut short = vcp_body(&[88; 3]);
        short[7] = 60;
        assert_eq!(vcp_elevations(&short), None);
    }

    #[test]
    fn skips_other_messages() {
        let mut stream = framed(2, b"status");
        stream.extend(framed(5, &vcp_body(&[88])));
        stream.extend(framed(5, &vcp_body(&[264])));
        stream.extend(framed(13, &[]));
        let m = parse(&stream, 0, "mem").unwrap();
        assert!(m.generic.is_empty() && m.legacy.is_empty() && m.radial_icao.is_none());
        assert_eq!(m.cut_elevations_deg, Some(vec![495.0 / 1024.0]));
    }

    #[test]
    fn truncated_messages_are_errors() {
        let stream = framed(5, &vcp_body(&[88]));
        for cut in [30, 100, FRAME_LEN - 1] {
            let error = parse(&stream[..cut], 0, "mem").unwrap_err().to_string();
            assert!(error.contains("message 5 needs 2404 bytes"), "{error}");
        }
        let mut tail = stream.clone();
        tail.extend([0; 20]);
        let error = parse(&tail, 0, "mem").unwrap_err().to_string();
        assert!(error.contains("20 bytes at the end"), "{error}");
        let error = parse(&framed(2, b"status")[..2000], 0, "mem").unwrap_err();
        assert!(
            error.to_string().contains("message 2 needs 2404 bytes"),
            "{error}"
        );
        // A message 31 claiming fewer bytes than its own header, and one running past the end.
        let mut short = vec![0u8; CTM_LEN + MESSAGE_HEADER_LEN];
        short[CTM_LEN + 1] = 4;
        short[CTM_LEN + 3] = 31;
        let error = parse(&short, 0, "mem").unwrap_err().to_string();
        assert!(error.contains("shorter than its message header"), "{error}");
        short[CTM_LEN] = 0x40;
        let error = parse(&short, 0, "mem").unwrap_err().to_string();
        assert!(error.contains("message 31 needs"), "{error}");
    }
}
