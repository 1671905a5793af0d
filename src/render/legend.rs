//! Colour-scale legends: a panel to the right of a map with one box per colour step and its lower bound.

use super::text::{GLYPH_PX, text_width};
use super::{BACKGROUND, ColourScale, Image};

/// Colour of legend text and box outlines.
const INK: [u8; 3] = [0, 0, 0];

/// The map with a legend panel appended on its right: the `title` on top, then one box per colour of `scale`
/// (strongest on top) labelled with its lower bound as `label` formats it. Bounds of −∞ (open-ended scales) are
/// labelled with the next bound prefixed by `<`.
///
/// Boxes are as tall as the map allows, between 6 and 16 px; the panel is as wide as its longest text.
pub fn with_legend(
    map: &Image,
    scale: &ColourScale,
    title: &str,
    label: &dyn Fn(f32) -> String,
) -> Image {
    let n = scale.colours.len();
    let labels: Vec<String> = (0..n)
        .map(|i| match scale.bounds[i] {
            b if b.is_finite() => label(b),
            _ => scale
                .bounds
                .get(i + 1)
                .map_or(String::new(), |&next| format!("<{}", label(next))),
        })
        .collect();
    let margin = 6;
    let title_h = GLYPH_PX + 2 * margin;
    let box_h = ((map.height.saturating_sub(title_h + margin)) / n.max(1)).clamp(6, 16);
    let box_w = 16;
    let label_w = labels.iter().map(|l| text_width(l, 1)).max().unwrap_or(0);
    let panel_w = (box_w + margin + label_w).max(text_width(title, 1)) + 2 * margin;
    let height = map.height.max(title_h + n * box_h + margin);
    let mut out = Image::blank(map.width + panel_w, height, BACKGROUND);
    for row in 0..map.height {
        let (src, dst) = (3 * row * map.width, 3 * row * out.width);
        out.pixels[dst..dst + 3 * map.width].copy_from_slice(&map.pixels[src..src + 3 * map.width]);
    }
    let x0 = map.width + margin;
    out.draw_text(x0, margin, title, INK, 1);
    for (k, i) in (0..n).rev().enumerate() {
        let y = title_h + k * box_h;
        out.fill_rect(x0, y, box_w, box_h, INK);
        out.fill_rect(
            x0 + 1,
            y + 1,
            box_w - 2,
            box_h.saturating_sub(2).max(1),
            scale.colours[i],
        );
        // The label sits at the box's lower edge: the step starts at that bound.
        let ty = (y + box_h).saturating_sub(GLYPH_PX.min(box_h));
        out.draw_text(x0 + box_w + margin, ty, &labels[i], INK, 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_holds_every_colour_in_order() {
        let map = Image::blank(100, 200, [1, 2, 3]);
        let scale = ColourScale::probability();
        let out = with_legend(&map, &scale, "P(>=5 mm/h)", &|b| {
            format!("{:.0}%", 100.0 * b)
        });
        assert_eq!(out.height, 200);
        assert!(out.width > 100 + 16);
        assert_eq!(out.pixel(50, 50), [1, 2, 3]);
        // Box centres from the top: the strongest colour first.
        let n = scale.colours.len();
        let box_h = ((200 - (8 + 12 + 6)) / n).clamp(6, 16);
        for (k, i) in (0..n).rev().enumerate() {
            let y = 8 + 12 + k * box_h + box_h / 2;
            assert_eq!(out.pixel(y, 100 + 6 + 8), scale.colours[i], "box {k}");
        }
    }
}
