//! Cell forecast tracks with their uncertainty cones (as TITAN and SCIT displays draw them).

use super::{Image, Rgb, pixel_of};
use crate::cells::{CellForecast, ForecastStep};
use crate::error::{Error, Result};
use crate::geo::GridSpec;

/// Default colour of forecast tracks and cones (magenta).
pub const CONE: Rgb = [200, 0, 200];

/// Draws a cell forecast on a map rendered from a grid with this `spec`: the centre line through every step, the
/// two flanks of the cone (each step's centre shifted by its uncertainty radius across the direction of travel)
/// and the circle of uncertainty at the last step. A cell that does not move gets its last circle only.
///
/// # Errors
/// [`Error::Shape`] if the image does not match the grid; [`Error::Parameter`] for steps with non-finite
/// positions or radii.
pub fn draw_forecast_cone(
    image: &mut Image,
    spec: &GridSpec,
    steps: &[ForecastStep],
    colour: Rgb,
) -> Result<()> {
    spec.check_shape("cone map", (image.height, image.width))?;
    if steps
        .iter()
        .any(|s| !(s.x_m.is_finite() && s.y_m.is_finite() && s.uncertainty_m.is_finite()))
    {
        return Err(Error::parameter(
            "steps",
            steps.len(),
            "forecast positions and radii must be finite",
        ));
    }
    let (Some(first), Some(last)) = (steps.first(), steps.last()) else {
        return Ok(());
    };
    let px = |x: f64, y: f64| pixel_of(spec, x, y);
    let (dx, dy) = (last.x_m - first.x_m, last.y_m - first.y_m);
    let length = dx.hypot(dy);
    if length > 0.0 {
        // Unit normal to the direction of travel, projection axes.
        let (nx, ny) = (-dy / length, dx / length);
        for pair in steps.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (p, q) = (px(a.x_m, a.y_m), px(b.x_m, b.y_m));
            image.line(p.0, p.1, q.0, q.1, colour);
            for side in [1.0, -1.0] {
                let p = px(
                    a.x_m + side * a.uncertainty_m * nx,
                    a.y_m + side * a.uncertainty_m * ny,
                );
                let q = px(
                    b.x_m + side * b.uncertainty_m * nx,
                    b.y_m + side * b.uncertainty_m * ny,
                );
                image.line(p.0, p.1, q.0, q.1, colour);
            }
        }
    }
    let n = ((last.uncertainty_m / spec.dx.abs()) * 6.0).clamp(16.0, 720.0) as usize;
    let point = |k: usize| {
        let t = k as f64 / n as f64 * std::f64::consts::TAU;
        px(
            last.x_m + last.uncertainty_m * t.cos(),
            last.y_m + last.uncertainty_m * t.sin(),
        )
    };
    for k in 0..n {
        let (p, q) = (point(k), point(k + 1));
        image.line(p.0, p.1, q.0, q.1, colour);
    }
    Ok(())
}

/// Draws the steps of a cell forecast up to `max_lead_s` (s) as [`draw_forecast_cone`] does: a shorter cone than
/// the forecast's own, e.g. 30 min, keeps the cones of a busy day from covering the map.
///
/// # Errors
/// As [`draw_forecast_cone`].
pub fn draw_forecast_cone_to(
    image: &mut Image,
    spec: &GridSpec,
    forecast: &CellForecast,
    max_lead_s: f64,
    colour: Rgb,
) -> Result<()> {
    let steps: Vec<ForecastStep> = forecast
        .steps
        .iter()
        .copied()
        .filter(|s| s.lead_s <= max_lead_s)
        .collect();
    draw_forecast_cone(image, spec, &steps, colour)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::BACKGROUND;
    use chrono::Utc;

    fn step(lead_s: f64, x_m: f64, uncertainty_m: f64) -> ForecastStep {
        ForecastStep {
            lead_s,
            time: Utc::now(),
            x_m,
            y_m: 0.0,
            area_km2: 10.0,
            max_dbz: 50.0,
            uncertainty_m,
        }
    }

    #[test]
    fn cone_widens_along_the_track() {
        // 61 × 61 km grid, rows north; a cell moving east from x = −20 km to +20 km, radius 2 → 10 km.
        let spec = GridSpec::centred_on(0.0, 0.0, 61, 1000.0).unwrap();
        let mut img = Image::blank(61, 61, BACKGROUND);
        let steps = [
            step(0.0, -20_000.0, 2_000.0),
            step(1800.0, 0.0, 6_000.0),
            step(3600.0, 20_000.0, 10_000.0),
        ];
        draw_forecast_cone(&mut img, &spec, &steps, CONE).unwrap();
        // Centre line along the middle row (row 30 in the image), from column 10 to 50.
        assert_eq!(img.pixel(30, 10), CONE);
        assert_eq!(img.pixel(30, 40), CONE);
        // Flanks: 2 km off at the start, 6 km at the middle; nothing between the flanks and the centre line.
        assert_eq!(img.pixel(30 - 2, 10), CONE);
        assert_eq!(img.pixel(30 + 6, 30), CONE);
        assert_eq!(img.pixel(30 - 6, 30), CONE);
        assert_eq!(img.pixel(30 - 3, 30), BACKGROUND);
        // The last circle reaches 10 km ahead of the last position.
        assert_eq!(img.pixel(30, 60), CONE);
        assert_eq!(img.pixel(30, 5), BACKGROUND);
        let bad = [step(0.0, f64::NAN, 1.0)];
        assert!(draw_forecast_cone(&mut img, &spec, &bad, CONE).is_err());
    }

    #[test]
    fn cone_to_a_lead_draws_the_steps_up_to_it() {
        let spec = GridSpec::centred_on(0.0, 0.0, 61, 1000.0).unwrap();
        let steps = vec![
            step(0.0, -20_000.0, 2_000.0),
            step(1800.0, 0.0, 6_000.0),
            step(3600.0, 20_000.0, 10_000.0),
        ];
        let forecast = CellForecast {
            track: 1,
            velocity_mps: (20_000.0 / 1800.0, 0.0),
            area_trend_km2_per_hour: 0.0,
            max_dbz_trend_db_per_hour: 0.0,
            steps: steps.clone(),
        };
        let mut to_30 = Image::blank(61, 61, BACKGROUND);
        draw_forecast_cone_to(&mut to_30, &spec, &forecast, 1800.0, CONE).unwrap();
        let mut first_two = Image::blank(61, 61, BACKGROUND);
        draw_forecast_cone(&mut first_two, &spec, &steps[..2], CONE).unwrap();
        assert!(to_30 == first_two);
        // The 6-km circle at x = 0 ends 6 km east of it; the 60-min step (x = 20 km) is not drawn.
        assert_eq!(to_30.pixel(30, 36), CONE);
        assert_eq!(to_30.pixel(30, 45), BACKGROUND);
    }
}
