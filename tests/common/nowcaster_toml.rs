//! The Nowcaster configuration of a synthetic scene, as TOML text: many radars with warnings
//! (`tests/it/nowcaster.rs`, `tests/cli/warning_server.rs`) or one radar without
//! (`tests/it/nowcaster_history.rs`, `tests/it/nowcaster_zdr.rs`).

use squall::geo::GridSpec;
use squall::pipeline::NowcasterConfig;
use squall::synth::site_at;
use squall::volume::Site;

/// One level of a hazard's warning rule.
#[derive(Clone, Copy)]
pub struct RuleToml {
    /// Issue probability.
    pub p_on: f32,
    /// Cancel probability.
    pub p_off: f32,
    /// Longest lead time looked at, s.
    pub max_lead_s: f64,
    /// Validity of a message, s.
    pub valid_for_s: f64,
}

/// The parts of a Nowcaster configuration that differ between the synthetic scenes.
pub struct NowcasterToml<'a> {
    /// Radars: id, site, band letter (`'S'`, `'C'`, `'X'`).
    pub radars: Vec<(&'a str, Site, char)>,
    /// Grid centre, degrees (latitude, longitude).
    pub centre_deg: (f64, f64),
    /// Grid cells along x and y (1 km each).
    pub n: usize,
    /// Heights of the grid levels, m.
    pub heights_m: &'a [f64],
    /// Cycle length, s.
    pub cycle_s: f64,
    /// How late a volume may come and still recompute its cycle, s.
    pub tolerance_s: f64,
    /// The body of the `[nowcast]` section.
    pub nowcast: &'a str,
    /// Path of the GeoJSON warning regions.
    pub regions: &'a str,
    /// Heavy-rain rule.
    pub heavy_rain: RuleToml,
    /// Hail rule.
    pub hail: RuleToml,
    /// Further sections appended as they are (e.g. `[qc]`).
    pub extra: &'a str,
}

fn rule(name: &str, r: &RuleToml) -> String {
    format!(
        "[warnings.{name}]\nlevels = [{{ level = \"warning\", p_on = {:?}, p_off = {:?} }}]\nmax_lead_s = {:?}\n\
         cancel_after = 2\nvalid_for_s = {:?}\n\n",
        r.p_on, r.p_off, r.max_lead_s, r.valid_for_s
    )
}

/// The `[[radar]]` section of a radar.
fn radar(id: &str, site: &Site, band: char) -> String {
    format!(
        "[[radar]]\nid = \"{id}\"\nlatitude_deg = {}\nlongitude_deg = {}\naltitude_m = {}\nband = \"{band}\"\n\n",
        site.latitude_deg, site.longitude_deg, site.altitude_m
    )
}

/// The `[grid]` section: `n` × `n` cells of 1 km about `centre_deg` (latitude, longitude).
fn grid(centre_deg: (f64, f64), n: usize, heights_m: &[f64]) -> String {
    format!(
        "[grid]\ncentre_latitude_deg = {:?}\ncentre_longitude_deg = {:?}\nnx = {n}\nny = {n}\nspacing_m = 1000.0\n\
         heights_m = {heights_m:?}\n\n",
        centre_deg.0, centre_deg.1,
    )
}

impl NowcasterToml<'_> {
    /// The configuration text.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for (id, site, band) in &self.radars {
            text += &radar(id, site, *band);
        }
        text += &grid(self.centre_deg, self.n, self.heights_m);
        text += &format!(
            "[cycle]\nlength_s = {}\nwait_s = 60.0\ntolerance_s = {:?}\n\n[nowcast]\n{}\n\n\
             [warnings]\nregions = \"{}\"\nsender = \"test@example.org\"\nstatus = \"Test\"\n\n",
            self.cycle_s,
            self.tolerance_s,
            self.nowcast.trim(),
            self.regions,
        );
        text += &rule("heavy_rain", &self.heavy_rain);
        text += &rule("hail", &self.hail);
        text += self.extra;
        text
    }
}

/// One radar at the centre of an `n` × `n` grid of 1-km cells, a deterministic 10-min extrapolation nowcast on the
/// full-resolution grid, no warnings.
pub struct OneRadarToml<'a> {
    /// Radar id.
    pub id: &'a str,
    /// Band letter (`'S'`, `'C'`, `'X'`).
    pub band: char,
    /// Grid centre, degrees (latitude, longitude).
    pub centre_deg: (f64, f64),
    /// Radar site east and north of the grid centre, m.
    pub radar_offset_m: (f64, f64),
    /// Grid cells along x and y.
    pub n: usize,
    /// Heights of the grid levels, m.
    pub heights_m: &'a [f64],
    /// Cycle length, s.
    pub cycle_s: f64,
    /// Further sections appended as they are (e.g. `[qc]`, `[products]`).
    pub extra: &'a str,
}

impl OneRadarToml<'_> {
    /// The configuration text.
    pub fn render(&self) -> String {
        let spec =
            GridSpec::centred_on(self.centre_deg.0, self.centre_deg.1, self.n, 1000.0).unwrap();
        let site = site_at(&spec, self.radar_offset_m.0, self.radar_offset_m.1, self.id).unwrap();
        radar(self.id, &site, self.band)
            + &grid(self.centre_deg, self.n, self.heights_m)
            + &format!(
                "[cycle]\nlength_s = {:?}\n\n[nowcast]\nmethod = \"extrapolation\"\nmembers = 1\n\
                 lead_time_min = 10.0\nmotion_coarsening = 1\nensemble_coarsening = 1\n\n{}\n",
                self.cycle_s,
                self.extra.trim()
            )
    }

    /// The checked configuration.
    pub fn config(&self) -> NowcasterConfig {
        NowcasterConfig::from_toml(&self.render(), "test", std::path::Path::new(".")).unwrap()
    }
}
