//! `squall demo`: the end-to-end run on a synthetic storm. Later stages (mosaic, cells, nowcast, warnings) join
//! it as they land.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use squall::io::cf_netcdf::write_grid_sequence;
use squall::io::compression::Compression;
use squall::io::summary::VolumeSummary;
use squall::render::{ColourScale, render_grid, render_ppi};
use squall::synth::{
    RadarConfig, SceneConfig, SyntheticVolume, polar_volume, site_at, to_rain_rate,
};
use squall::volume::{GateStatus, Moment, Sweep};
use squall::{Error, Result};

/// Prints one progress line at once on stderr (the run takes seconds; the user sees each stage).
fn step(line: String) {
    eprintln!("{line}");
}

/// Runs the demonstration, writing under `out`; returns the closing summary.
pub fn run(out: &Path, seed: u64, size: usize) -> Result<String> {
    let t0 = Instant::now();
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut written: Vec<PathBuf> = Vec::new();

    let sequence = SceneConfig::convective(seed, size)?.generate()?;
    let n = sequence.frames.len();
    let cells_last = sequence.truth.last().map_or(0, |t| t.cells.len());
    step(format!(
        "synthetic scene: {size}×{size} km, {n} frames every {:.0} min, {cells_last} cells in the last frame, \
             {} merge/split events",
        sequence.config().timestep_s / 60.0,
        sequence.events.len()
    ));

    let dbzh_nc = out.join("synthetic_dbzh.nc");
    write_grid_sequence(&dbzh_nc, &sequence.frames)?;
    let rain = to_rain_rate(&sequence);
    let rain_nc = out.join("synthetic_rain_rate.nc");
    write_grid_sequence(&rain_nc, &rain)?;
    let truth_json = out.join("synthetic_truth.json");
    let truth = serde_json::json!({ "frames": sequence.truth, "events": sequence.events });
    std::fs::write(
        &truth_json,
        serde_json::to_string_pretty(&truth).unwrap_or_default(),
    )
    .map_err(|e| Error::io(&truth_json, e))?;
    written.extend([dbzh_nc, rain_nc, truth_json]);
    step(
        "wrote the reflectivity and rain-rate sequences (CF-NetCDF) and the cell truth (JSON)"
            .into(),
    );

    for (k, label) in [(0, "first"), (n - 1, "last")] {
        let png = out.join(format!("composite_dbzh_{label}.png"));
        render_grid(&sequence.frames[k], &ColourScale::reflectivity()).write_png(&png)?;
        written.push(png);
    }
    let png = out.join("rain_rate_last.png");
    render_grid(&rain[n - 1], &ColourScale::rain_rate()).write_png(&png)?;
    written.push(png);

    let k = n / 2;
    let scene = sequence.scene_3d(k)?;
    let s_band = RadarConfig::s_band_vcp21(site_at(&scene.spec, 0.0, 0.0, "SYNS")?);
    let x_band = RadarConfig::x_band(site_at(&scene.spec, 30_000.0, -25_000.0, "SYNX")?);
    for (radar, tag) in [(s_band, "s_band"), (x_band, "x_band")] {
        let synthetic = polar_volume(&scene, &radar)?;
        let volume = &synthetic.volume;
        let name = format!(
            "Z_RADR_I_{}_{}_O_DOR_SYN_CAP_FMT.bin.bz2",
            volume.site.id,
            volume.start_time.format("%Y%m%d%H%M%S")
        );
        let path = out.join(name);
        squall::io::cinrad::write(volume, &path, Compression::Bzip2)?;
        let (format, back) = squall::io::open_volume_with_format(&path)?;
        let summary = VolumeSummary::new(format, &back);
        let dbzh = summary.sweeps[0].moments.get("DBZH").copied();
        step(format!(
            "{tag}: {} band volume, {} sweeps, wrote and re-read {} (lowest sweep: {} valid DBZH gates, max {:.1} dBZ)",
            summary.band.as_deref().unwrap_or("?"),
            summary.sweeps.len(),
            path.display(),
            dbzh.map_or(0, |m| m.valid),
            dbzh.and_then(|m| m.max).unwrap_or(f64::NAN),
        ));
        written.push(path);
        let range = radar.first_gate_m + radar.n_gates as f32 * radar.gate_spacing_m;
        // An 800-px reflectivity PPI of a sweep to the radar's range.
        let mut write_ppi = |sweep: &Sweep, name: &str| -> Result<()> {
            let ppi = out.join(name);
            render_ppi(sweep, "DBZH", &ColourScale::reflectivity(), 800, range)?.write_png(&ppi)?;
            written.push(ppi);
            Ok(())
        };
        write_ppi(&back.sweeps[0], &format!("ppi_{tag}_dbzh.png"))?;
        if tag == "x_band" {
            let (mean_pia, max_pia) = attenuation_summary(&synthetic);
            step(format!(
                "x_band: path-integrated attenuation in the lowest sweep: mean {mean_pia:.2} dB, max {max_pia:.1} dB \
                     over echo gates (the dual-pol chain corrects it)"
            ));
            let mut true_sweep = back.sweeps[0].clone();
            let mut truth = Moment::from_values("DBZH", "dBZ", synthetic.truth[0].dbzh.clone());
            // The model holds no hydrometeors there: no echo rather than no data.
            truth.status.mapv_inplace(|s| {
                if s == GateStatus::Valid {
                    s
                } else {
                    GateStatus::NoEcho
                }
            });
            true_sweep.moments = vec![truth];
            write_ppi(&true_sweep, "ppi_x_band_dbzh_unattenuated.png")?;
        }
    }

    let mut text = String::new();
    let _ = writeln!(
        text,
        "done in {:.1} s; outputs:",
        t0.elapsed().as_secs_f64()
    );
    for p in &written {
        let _ = writeln!(text, "  {}", p.display());
    }
    Ok(text)
}

/// Mean and maximum two-way attenuation (dB) over the gates of the lowest sweep that hold an echo.
fn attenuation_summary(synthetic: &SyntheticVolume) -> (f64, f64) {
    let sweep = &synthetic.volume.sweeps[0];
    let truth = &synthetic.truth[0];
    let Some(dbzh) = sweep.moment("DBZH") else {
        return (0.0, 0.0);
    };
    let (mut n, mut sum, mut max) = (0u64, 0.0f64, 0.0f64);
    for ((&status, &pia), _) in dbzh
        .status
        .iter()
        .zip(truth.pia_h_db.iter())
        .zip(dbzh.values.iter())
    {
        if status == GateStatus::Valid {
            n += 1;
            sum += f64::from(pia);
            max = max.max(f64::from(pia));
        }
    }
    (if n > 0 { sum / n as f64 } else { 0.0 }, max)
}
