//! Text on maps (time labels, legend labels) in the public-domain 8 × 8 bitmap font of the `font8x8` crate.

use super::{Image, Rgb};

/// Width and height of one glyph at scale 1, pixels.
pub const GLYPH_PX: usize = 8;

impl Image {
    /// Draws `text` with its top-left corner at pixel `(x, y)`, each font pixel a `scale × scale` square; characters
    /// outside ASCII are drawn as `?`, and whatever falls outside the image is clipped.
    pub fn draw_text(&mut self, x: usize, y: usize, text: &str, colour: Rgb, scale: usize) {
        let scale = scale.max(1);
        for (i, ch) in text.chars().enumerate() {
            let code = if ch.is_ascii() {
                ch as usize
            } else {
                '?' as usize
            };
            let glyph = font8x8::legacy::BASIC_LEGACY[code];
            let left = x + i * GLYPH_PX * scale;
            for (gy, bits) in glyph.iter().enumerate() {
                for gx in 0..GLYPH_PX {
                    // Bit 0 is the leftmost pixel of the row.
                    if bits >> gx & 1 == 1 {
                        self.fill_rect(left + gx * scale, y + gy * scale, scale, scale, colour);
                    }
                }
            }
        }
    }

    /// Draws `text` on an opaque box with a one-glyph-pixel margin (a label readable over any field); returns the
    /// box's width and height.
    pub fn draw_label(
        &mut self,
        x: usize,
        y: usize,
        text: &str,
        colour: Rgb,
        background: Rgb,
        scale: usize,
    ) -> (usize, usize) {
        let scale = scale.max(1);
        let (w, h) = (
            text_width(text, scale) + 2 * scale,
            GLYPH_PX * scale + 2 * scale,
        );
        self.fill_rect(x, y, w, h, background);
        self.draw_text(x + scale, y + scale, text, colour, scale);
        (w, h)
    }

    /// Fills a rectangle (clipped to the image).
    pub fn fill_rect(&mut self, x: usize, y: usize, width: usize, height: usize, colour: Rgb) {
        for row in y..(y + height).min(self.height) {
            for col in x..(x + width).min(self.width) {
                let i = 3 * (row * self.width + col);
                self.pixels[i..i + 3].copy_from_slice(&colour);
            }
        }
    }
}

/// Width in pixels of `text` drawn at `scale`.
pub fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * GLYPH_PX * scale.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_land_where_expected() {
        let mut img = Image::blank(40, 10, [255, 255, 255]);
        img.draw_text(0, 0, "1", [0, 0, 0], 1);
        // font8x8's "1": rows 0x0C, 0x0E, 0x0C, 0x0C, 0x0C, 0x0C, 0x3F, 0x00 (bit 0 leftmost).
        assert_eq!(img.pixel(0, 2), [0, 0, 0]);
        assert_eq!(img.pixel(0, 3), [0, 0, 0]);
        assert_eq!(img.pixel(0, 1), [255, 255, 255]);
        assert_eq!(img.pixel(6, 0), [0, 0, 0]);
        assert_eq!(img.pixel(7, 0), [255, 255, 255]);
        // Clipped, not a panic.
        img.draw_text(35, 5, "888", [0, 0, 0], 2);
        assert_eq!(text_width("12:30", 2), 80);
    }
}
