//! Analytic motion fields that carry the synthetic storms.

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::geo::{GridSpec, Projection};

/// A steady, analytic horizontal motion field in the projection plane of a [`GridSpec`].
///
/// Positions `x` (east) and `y` (north) are metres of the grid's projection; velocities `(u, v)` are m s⁻¹ with
/// `u` towards +x (east) and `v` towards +y (north), whatever the sign of the grid's `dy`.
///
/// # Examples
/// ```
/// use squall::synth::MotionField;
/// let rotation = MotionField::Rotation { centre_x: 0.0, centre_y: 0.0, angular_velocity_rad_s: 1e-3 };
/// // Counter-clockwise: a point east of the centre moves north.
/// let (u, v) = rotation.velocity(10_000.0, 0.0);
/// assert!(u.abs() < 1e-12 && (v - 10.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MotionField {
    /// The same velocity everywhere.
    Uniform {
        /// Eastward velocity, m s⁻¹.
        u: f64,
        /// Northward velocity, m s⁻¹.
        v: f64,
    },
    /// Solid-body rotation about a centre, counter-clockwise (seen from above) for a positive angular velocity:
    /// u = −ω (y − y_c), v = ω (x − x_c).
    Rotation {
        /// Projection x of the centre, m.
        centre_x: f64,
        /// Projection y of the centre, m.
        centre_y: f64,
        /// Angular velocity ω, rad s⁻¹ (positive counter-clockwise).
        angular_velocity_rad_s: f64,
    },
    /// Linear shear of the eastward wind with northing: u = u0 + (du/dy)·y, v = v0.
    Shear {
        /// Eastward velocity at y = 0, m s⁻¹.
        u0: f64,
        /// Northward velocity, m s⁻¹.
        v0: f64,
        /// Shear du/dy, s⁻¹.
        du_dy: f64,
    },
    /// Radial outflow (rate > 0) or inflow (rate < 0) about a centre: u = k (x − x_c), v = k (y − y_c).
    Divergent {
        /// Projection x of the centre, m.
        centre_x: f64,
        /// Projection y of the centre, m.
        centre_y: f64,
        /// Rate k, s⁻¹ (the horizontal divergence is 2k).
        rate: f64,
    },
}

impl Default for MotionField {
    /// No motion.
    fn default() -> Self {
        MotionField::Uniform { u: 0.0, v: 0.0 }
    }
}

impl MotionField {
    /// Velocity `(u, v)` in m s⁻¹ (east, north) at projection coordinates `(x, y)` in metres.
    pub fn velocity(&self, x: f64, y: f64) -> (f64, f64) {
        match *self {
            MotionField::Uniform { u, v } => (u, v),
            MotionField::Rotation {
                centre_x,
                centre_y,
                angular_velocity_rad_s: w,
            } => (-w * (y - centre_y), w * (x - centre_x)),
            MotionField::Shear { u0, v0, du_dy } => (u0 + du_dy * y, v0),
            MotionField::Divergent {
                centre_x,
                centre_y,
                rate,
            } => (rate * (x - centre_x), rate * (y - centre_y)),
        }
    }

    /// Where a parcel starting at `(x, y)` (m) is after `duration_s` seconds (negative: before), integrating
    /// the trajectory with `n_steps` classical Runge–Kutta steps (at least one).
    ///
    /// Exact (to rounding) for [`Uniform`](Self::Uniform) and [`Shear`](Self::Shear) motion, whose trajectories are
    /// polynomials of degree ≤ 2 in time.
    ///
    /// ```
    /// use squall::synth::MotionField;
    /// let shear = MotionField::Shear { u0: 5.0, v0: 2.0, du_dy: 1e-4 };
    /// let (x, y) = shear.displace(0.0, 10_000.0, 600.0, 3);
    /// // y = 10 km + 1.2 km; x = (5 + 1e-4·10 000)·600 + 1e-4·2·600²/2.
    /// assert!((y - 11_200.0).abs() < 1e-9 && (x - 3_636.0).abs() < 1e-9);
    /// ```
    pub fn displace(&self, x: f64, y: f64, duration_s: f64, n_steps: usize) -> (f64, f64) {
        let n = n_steps.max(1);
        let dt = duration_s / n as f64;
        (0..n).fold((x, y), |(x, y), _| self.rk4_step(x, y, (0.0, 0.0), dt))
    }

    /// One classical fourth-order Runge–Kutta step of dx/dt = V(x) + `extra` over `dt` seconds.
    pub(crate) fn rk4_step(&self, x: f64, y: f64, extra: (f64, f64), dt: f64) -> (f64, f64) {
        let f = |x: f64, y: f64| {
            let (u, v) = self.velocity(x, y);
            (u + extra.0, v + extra.1)
        };
        let k1 = f(x, y);
        let k2 = f(x + 0.5 * dt * k1.0, y + 0.5 * dt * k1.1);
        let k3 = f(x + 0.5 * dt * k2.0, y + 0.5 * dt * k2.1);
        let k4 = f(x + dt * k3.0, y + dt * k3.1);
        (
            x + dt / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0),
            y + dt / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1),
        )
    }

    /// The field on a grid in pixels per time step, pysteps' convention for motion fields.
    ///
    /// # Shape
    /// `(2, ny, nx)`: index 0 is `u` in columns per step (positive towards increasing column index, i.e. east since
    /// `dx > 0`), index 1 is `v` in rows per step (positive towards increasing row index). Rows follow the sign of
    /// `spec.dy`: with `dy > 0` (rows running north, as [`GridSpec::centred_on`]) a northward wind gives `v > 0`;
    /// with `dy < 0` (north-up images whose row 0 is the northern edge) it gives `v < 0`.
    ///
    /// # Units
    /// m s⁻¹ → pixels per `timestep_s`: `u_px = u·Δt/dx`, `v_px = v·Δt/dy`, evaluated at the cell centres.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a [`Projection::LonLat`] grid (velocities in m s⁻¹ need metric coordinates);
    /// [`Error::Parameter`] for a non-positive or non-finite time step.
    ///
    /// # Examples
    /// ```
    /// use squall::geo::GridSpec;
    /// use squall::synth::MotionField;
    /// let spec = GridSpec::centred_on(23.0, 113.0, 64, 1000.0).unwrap();
    /// let field = MotionField::Uniform { u: 10.0, v: -5.0 }.pixels_per_step(&spec, 300.0).unwrap();
    /// assert_eq!(field.dim(), (2, 64, 64));
    /// assert_eq!((field[[0, 3, 7]], field[[1, 3, 7]]), (3.0, -1.5));
    /// ```
    pub fn pixels_per_step(&self, spec: &GridSpec, timestep_s: f64) -> Result<Array3<f32>> {
        check_metric(spec)?;
        if !(timestep_s > 0.0 && timestep_s.is_finite()) {
            return Err(Error::parameter(
                "timestep_s",
                timestep_s,
                "must be positive and finite",
            ));
        }
        let mut out = Array3::<f32>::zeros((2, spec.ny, spec.nx));
        for row in 0..spec.ny {
            for col in 0..spec.nx {
                let (x, y) = spec.xy(row, col);
                let (u, v) = self.velocity(x, y);
                out[[0, row, col]] = (u * timestep_s / spec.dx) as f32;
                out[[1, row, col]] = (v * timestep_s / spec.dy) as f32;
            }
        }
        Ok(out)
    }
}

/// Refuses grids whose coordinates are not metres.
pub(crate) fn check_metric(spec: &GridSpec) -> Result<()> {
    match spec.projection {
        Projection::LonLat => Err(Error::Unsupported(
            "synthetic scenes on a longitude/latitude grid (use a projection in metres)".to_owned(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn rotation_trajectory_stays_on_its_circle() {
        let field = MotionField::Rotation {
            centre_x: 5_000.0,
            centre_y: -3_000.0,
            angular_velocity_rad_s: 2e-4,
        };
        // A quarter turn (π/2 / 2e-4 s) in 100 steps.
        let t = std::f64::consts::FRAC_PI_2 / 2e-4;
        let (x, y) = field.displace(25_000.0, -3_000.0, t, 100);
        assert_relative_eq!(x, 5_000.0, epsilon = 1e-3);
        assert_relative_eq!(y, 17_000.0, epsilon = 1e-3);
    }

    #[test]
    fn divergent_trajectory_is_exponential() {
        let field = MotionField::Divergent {
            centre_x: 0.0,
            centre_y: 0.0,
            rate: 1e-4,
        };
        let (x, y) = field.displace(10_000.0, -20_000.0, 3_600.0, 36);
        let growth = (0.36f64).exp();
        assert_relative_eq!(x, 10_000.0 * growth, max_relative = 1e-9);
        assert_relative_eq!(y, -20_000.0 * growth, max_relative = 1e-9);
    }

    #[test]
    fn pixel_field_follows_the_row_direction() {
        let mut spec = GridSpec::centred_on(23.0, 113.0, 8, 2000.0).unwrap();
        let field = MotionField::Shear {
            u0: 4.0,
            v0: 6.0,
            du_dy: 1e-3,
        };
        let up = field.pixels_per_step(&spec, 100.0).unwrap();
        // Row 0 is y0 = −7 km: u = 4 − 7 = −3 m/s → −0.15 px per 100 s.
        assert_relative_eq!(up[[0, 0, 3]], -0.15, epsilon = 1e-6);
        assert_relative_eq!(up[[1, 0, 3]], 0.3, epsilon = 1e-6);
        // Flip the grid north-up: same winds, rows now run south.
        spec.y0 = -spec.y0;
        spec.dy = -spec.dy;
        let down = field.pixels_per_step(&spec, 100.0).unwrap();
        assert_relative_eq!(down[[1, 0, 3]], -0.3, epsilon = 1e-6);
        assert_relative_eq!(down[[0, 0, 3]], 0.55, epsilon = 1e-6);
    }

    #[test]
    fn lonlat_grids_and_bad_steps_are_refused() {
        let mut spec = GridSpec::centred_on(0.0, 0.0, 4, 1000.0).unwrap();
        let field = MotionField::default();
        assert!(matches!(
            field.pixels_per_step(&spec, 0.0),
            Err(Error::Parameter { .. })
        ));
        spec.projection = Projection::LonLat;
        assert!(matches!(
            field.pixels_per_step(&spec, 60.0),
            Err(Error::Unsupported(_))
        ));
    }
}
