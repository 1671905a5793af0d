//! Forecaster maps shared by the commands that draw them: the field in its colour scale, optional boundaries from
//! a GeoJSON file, a time label and the legend.

use std::path::Path;

use squall::Result;
use squall::geo::Grid2;
use squall::render::{
    BOUNDARY, Boundaries, ColourScale, Image, draw_boundaries, render_grid, with_legend,
};

/// Colours of the time label.
const LABEL_INK: [u8; 3] = [0, 0, 0];
const LABEL_BOX: [u8; 3] = [255, 255, 255];

/// Reads the `--boundaries` file, if one was given.
pub fn boundaries(path: Option<&Path>) -> Result<Option<Boundaries>> {
    path.map(Boundaries::read).transpose()
}

/// How values are written in a legend: integers as integers, fractions of 1 as percentages, else one decimal.
pub fn legend_label(units: &str) -> impl Fn(f32) -> String {
    let percent = units == "1";
    move |v: f32| {
        if percent {
            format!("{:.0}%", 100.0 * v)
        } else if v.fract() == 0.0 || v.abs() >= 100.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    }
}

/// A map of `grid`: the field, the boundaries over it, a `label` in the top-left corner and the legend on the right,
/// titled `title`.
pub fn map(
    grid: &Grid2,
    scale: &ColourScale,
    title: &str,
    boundaries: Option<&Boundaries>,
    label: Option<&str>,
) -> Result<Image> {
    let mut image = render_grid(grid, scale);
    decorate(&mut image, grid, boundaries, label)?;
    Ok(with_legend(
        &image,
        scale,
        title,
        &legend_label(&grid.units),
    ))
}

/// Draws the boundaries and the label on a map already rendered from `grid`.
pub fn decorate(
    image: &mut Image,
    grid: &Grid2,
    boundaries: Option<&Boundaries>,
    label: Option<&str>,
) -> Result<()> {
    if let Some(b) = boundaries {
        draw_boundaries(image, &grid.spec, b, BOUNDARY)?;
    }
    if let Some(text) = label {
        image.draw_label(2, 2, text, LABEL_INK, LABEL_BOX, 1);
    }
    Ok(())
}
