//! The quick look at a volume that `squall info` prints, as text or JSON.
//!
//! The JSON layout is a contract that tests and users rely on:
//! `{"format", "site": {"id","name","lat","lon","altitude_m"}, "band", "frequency_mhz", "time",
//! "sweeps": [{"elevation_deg","n_rays","n_gates","gate_spacing_m","moments": {"DBZH": {"valid","mean","min","max"}, …}}]}`
//! with sweeps in file order, moments keyed by FM 301 name in file order, and `valid` the number of gates that
//! hold a measured value (not no-data, not below detection, not range folded).

use std::fmt::Write as _;

use indexmap::IndexMap;
use serde::Serialize;

use super::Format;
use crate::volume::{MomentSummary, PolarVolume};

/// Site part of a [`VolumeSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteSummary {
    /// Station identifier.
    pub id: String,
    /// Station name.
    pub name: String,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// Antenna altitude above mean sea level, metres.
    pub altitude_m: f64,
}

/// One sweep of a [`VolumeSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepSummary {
    /// Fixed angle of the sweep (the nominal elevation of a PPI), degrees.
    pub elevation_deg: f32,
    /// Number of rays.
    pub n_rays: usize,
    /// Number of gates of the longest ray of any moment.
    pub n_gates: usize,
    /// Gate spacing, metres.
    pub gate_spacing_m: f32,
    /// Statistics per moment (FM 301 name), in file order.
    pub moments: IndexMap<String, MomentSummary>,
}

/// Summary of a whole volume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeSummary {
    /// Format identifier, see [`Format::id`].
    pub format: String,
    /// Radar site.
    pub site: SiteSummary,
    /// Frequency band ("S", "C", "X", "other"), if the frequency is known.
    pub band: Option<String>,
    /// Transmit frequency, MHz.
    pub frequency_mhz: Option<f64>,
    /// Scan start time, ISO 8601 UTC.
    pub time: String,
    /// Sweeps in file order.
    pub sweeps: Vec<SweepSummary>,
}

impl VolumeSummary {
    /// Summarises a volume read from a file of the given format (statistics computed per sweep in parallel).
    pub fn new(format: Format, volume: &PolarVolume) -> VolumeSummary {
        use rayon::prelude::*;
        let sweeps = volume
            .sweeps
            .par_iter()
            .map(|s| SweepSummary {
                elevation_deg: s.fixed_angle_deg,
                n_rays: s.n_rays(),
                n_gates: s.n_gates(),
                gate_spacing_m: s.gate_spacing_m,
                moments: s
                    .moments
                    .iter()
                    .map(|m| (m.name.clone(), m.summary()))
                    .collect(),
            })
            .collect();
        VolumeSummary {
            format: format.id().to_owned(),
            site: SiteSummary {
                id: volume.site.id.clone(),
                name: volume.site.name.clone(),
                lat: volume.site.latitude_deg,
                lon: volume.site.longitude_deg,
                altitude_m: volume.site.altitude_m,
            },
            band: volume.band().map(|b| b.to_string()),
            frequency_mhz: volume.frequency_mhz,
            time: volume.start_time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            sweeps,
        }
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// A human-readable multi-line summary.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let band = self.band.as_deref().unwrap_or("unknown");
        let freq = self
            .frequency_mhz
            .map_or("unknown frequency".to_owned(), |f| format!("{f:.0} MHz"));
        let _ = writeln!(s, "format:  {}", self.format);
        let _ = writeln!(
            s,
            "site:    {} {} at {:.4}°N {:.4}°E, {:.0} m",
            self.site.id, self.site.name, self.site.lat, self.site.lon, self.site.altitude_m
        );
        let _ = writeln!(s, "radar:   {band} band, {freq}");
        let _ = writeln!(s, "time:    {}", self.time);
        let _ = writeln!(s, "sweeps:  {}", self.sweeps.len());
        for (i, sw) in self.sweeps.iter().enumerate() {
            let _ = writeln!(
                s,
                "  {i:>2}  {:>6.2}°  {:>4} rays × {:>4} gates × {:>6.1} m",
                sw.elevation_deg, sw.n_rays, sw.n_gates, sw.gate_spacing_m
            );
            for (name, m) in &sw.moments {
                match (m.mean, m.min, m.max) {
                    (Some(mean), Some(lo), Some(hi)) => {
                        let _ = writeln!(
                            s,
                            "        {name:<10} {:>8} valid  mean {mean:>9.3}  min {lo:>9.3}  max {hi:>9.3}",
                            m.valid
                        );
                    }
                    _ => {
                        let _ = writeln!(s, "        {name:<10} {:>8} valid", m.valid);
                    }
                }
            }
        }
        s
    }
}
