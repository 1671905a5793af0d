//! Animated loops of forecast maps as GIF (GIF89a with the NETSCAPE2.0 looping extension, through the `gif` crate)
//! or as animated PNG (APNG: `acTL`/`fcTL`/`fdAT` chunks, through the `png` crate) in full 24-bit colour.

use std::io::BufWriter;
use std::path::Path;

use super::Image;
use crate::error::{Error, Result};

/// Writes frames of one size as a looping animated GIF, each shown for `delay_cs` hundredths of a second.
///
/// The maps use few colours (the steps of a colour scale, text, lines), so the palette is exact: every distinct
/// colour of the loop gets one entry of a global palette. Loops with more than 256 colours are refused rather than
/// dithered (a colour scale's meaning would be lost).
///
/// # Errors
/// [`Error::Parameter`] for no frames, frames of different sizes, a frame wider or taller than 65 535 pixels, or more
/// than 256 colours; [`Error::Io`] if the file cannot be written.
pub fn write_gif(frames: &[Image], delay_cs: u16, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let (w, h) = frame_size(frames)?;
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(Error::parameter(
            "frames",
            format!("{w} × {h}"),
            "GIF frames are at most 65 535 px",
        ));
    };
    let mut palette: Vec<[u8; 3]> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut indexed = Vec::with_capacity(frames.len());
    for f in frames {
        let mut pixels = Vec::with_capacity(w * h);
        for rgb in f.pixels.chunks_exact(3) {
            let rgb = [rgb[0], rgb[1], rgb[2]];
            let i = match index.get(&rgb) {
                Some(&i) => i,
                None => {
                    if palette.len() == 256 {
                        return Err(Error::parameter(
                            "frames",
                            "> 256 colours",
                            "a GIF loop holds at most 256 colours",
                        ));
                    }
                    palette.push(rgb);
                    index.insert(rgb, (palette.len() - 1) as u8);
                    (palette.len() - 1) as u8
                }
            };
            pixels.push(i);
        }
        indexed.push(pixels);
    }
    // The colour table size is a power of two of at least 2 entries.
    while palette.len() < 2 {
        palette.push([0, 0, 0]);
    }
    let flat: Vec<u8> = palette.iter().flatten().copied().collect();
    let io = |e: std::io::Error| Error::io(path, e);
    let gif_err = |e: gif::EncodingError| match e {
        gif::EncodingError::Io(e) => io(e),
        other => Error::io(path, std::io::Error::other(other)),
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut encoder = gif::Encoder::new(BufWriter::new(file), w16, h16, &flat).map_err(gif_err)?;
    encoder.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;
    for pixels in indexed {
        let mut frame = gif::Frame::from_indexed_pixels(w16, h16, pixels, None);
        frame.delay = delay_cs;
        encoder.write_frame(&frame).map_err(gif_err)?;
    }
    encoder.into_inner().map_err(gif_err)?;
    Ok(())
}

/// Writes frames of one size as a looping animated PNG (APNG), each shown for `delay_cs` hundredths of a second.
///
/// Unlike [`write_gif`] the colours are kept as they are (8-bit RGB, no palette), so a loop may hold any number
/// of colours. Every frame is a full frame (no sub-rectangles); the first is also the still image that viewers
/// without APNG support show.
///
/// # Errors
/// [`Error::Parameter`] for no frames, frames of different sizes or a frame whose pixel buffer is not
/// `width · height · 3` bytes; [`Error::Io`] if the file cannot be written.
pub fn write_apng(frames: &[Image], delay_cs: u16, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let (w, h) = frame_size(frames)?;
    if let Some(bad) = frames.iter().find(|f| f.pixels.len() != w * h * 3) {
        return Err(Error::parameter(
            "frames",
            format!("{} bytes for {w} × {h} px", bad.pixels.len()),
            "an RGB frame holds width · height · 3 bytes",
        ));
    }
    let (Ok(w32), Ok(h32), Ok(n)) = (
        u32::try_from(w),
        u32::try_from(h),
        u32::try_from(frames.len()),
    ) else {
        return Err(Error::parameter(
            "frames",
            format!("{} frames of {w} × {h} px", frames.len()),
            "too large for PNG",
        ));
    };
    let io = |e: std::io::Error| Error::io(path, e);
    let png_err = |e: png::EncodingError| match e {
        png::EncodingError::IoError(e) => io(e),
        other => Error::io(path, std::io::Error::other(other)),
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), w32, h32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // 0 plays: loop forever, as the GIF.
    encoder.set_animated(n, 0).map_err(png_err)?;
    encoder.set_frame_delay(delay_cs, 100).map_err(png_err)?;
    let mut writer = encoder.write_header().map_err(png_err)?;
    for f in frames {
        writer.write_image_data(&f.pixels).map_err(png_err)?;
    }
    writer.finish().map_err(png_err)
}

/// The common `(width, height)` of the frames of a loop.
fn frame_size(frames: &[Image]) -> Result<(usize, usize)> {
    let first = frames
        .first()
        .ok_or_else(|| Error::parameter("frames", 0, "an animation needs at least one frame"))?;
    let (w, h) = (first.width, first.height);
    if frames.iter().any(|f| (f.width, f.height) != (w, h)) {
        return Err(Error::parameter(
            "frames",
            frames.len(),
            "frames differ in size",
        ));
    }
    Ok((w, h))
}
