//! `squall dualpol`: run the dual-polarisation chain on a volume and write the processed polar fields as CfRadial,
//! with optional PPI maps of the lowest sweep.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use ndarray::Zip;
use squall::dualpol::attenuation::AttenuationMethod;
use squall::dualpol::phidp::PathPhase;
use squall::dualpol::process::names;
use squall::dualpol::{Config, TemperatureProfile, process};
use squall::io::cfradial_writer::write_cfradial;
use squall::render::{ColourScale, HYDROMETEOR_CLASS_NAMES, render_ppi, with_legend};
use squall::volume::{Band, GateStatus, Moment, PolarVolume, SweepMode};
use squall::{Error, Result};

/// Name of the gate mask written with the processed fields: 1 weather echo, 0 other measured gate.
pub const ECHO_MASK: &str = "ECHO_MASK";

/// The moments written, in this order (all derived by `dualpol::process`, plus [`ECHO_MASK`]).
pub const WRITTEN: [&str; 8] = [
    names::DBZH_CORRECTED,
    names::ZDR_CORRECTED,
    names::KDP,
    names::PHIDP_CORRECTED,
    names::PIA,
    names::HCLASS,
    names::RATE,
    ECHO_MASK,
];

/// Radar band.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BandArg {
    /// S band (about 10 cm).
    S,
    /// C band (about 5 cm).
    C,
    /// X band (about 3 cm).
    X,
}

/// Attenuation correction.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AttenuationArg {
    /// ZPHI, Testud et al. (2000).
    Zphi,
    /// ZPHI with Py-ART's conventions (to compare with Py-ART).
    ZphiPyart,
    /// PIA proportional to ΦDP.
    Linear,
    /// No correction.
    None,
}

/// The phase the attenuation correction integrates.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PathPhaseArg {
    /// The median-filtered measured phase.
    Median,
    /// Its non-decreasing least-squares fit along each ray.
    Monotone,
}

/// Arguments of `squall dualpol`.
#[derive(Debug, Args)]
pub struct DualpolArgs {
    /// Radar volume with DBZH, ZDR, RHOHV and PHIDP (any supported format; URHOHV and UPHIDP are read when the
    /// filtered moments are absent).
    volume: PathBuf,
    /// Output CfRadial NetCDF file (must not exist, unless --force).
    #[arg(short, long)]
    out: PathBuf,
    /// Folder for PPI maps of the lowest sweep (created if needed; existing maps are not replaced without --force).
    #[arg(long)]
    png: Option<PathBuf>,
    /// Band, when the file gives no frequency or to override it (S, C or X).
    #[arg(long, value_enum, ignore_case = true)]
    band: Option<BandArg>,
    /// Height of the 0 °C level above mean sea level, m (standard atmosphere, 6.5 K/km; default 4000).
    #[arg(long)]
    freezing_level_m: Option<f64>,
    /// Attenuation correction.
    #[arg(long, value_enum, default_value = "zphi")]
    attenuation: AttenuationArg,
    /// The phase the attenuation correction integrates.
    #[arg(long, value_enum, default_value = "median")]
    path_phase: PathPhaseArg,
    /// Overwrite existing outputs.
    #[arg(long)]
    force: bool,
}

/// The maps drawn: moment, title, unit, colour scale.
fn maps() -> Vec<(&'static str, &'static str, &'static str, ColourScale)> {
    vec![
        (
            names::DBZH_CORRECTED,
            "DBZH corrected",
            "dBZ",
            ColourScale::reflectivity(),
        ),
        (
            names::ZDR_CORRECTED,
            "ZDR corrected",
            "dB",
            ColourScale::ramp(-1.0, 4.0),
        ),
        (names::KDP, "KDP", "deg/km", ColourScale::ramp(-0.5, 4.5)),
        (
            names::PHIDP_CORRECTED,
            "PHIDP processed",
            "deg",
            ColourScale::ramp(0.0, 100.0),
        ),
        (names::RATE, "rain rate", "mm/h", ColourScale::rain_rate()),
        (
            names::HCLASS,
            "hydrometeor class",
            "",
            ColourScale::hydrometeor_classes(),
        ),
    ]
}

/// The configuration of the chain from the arguments.
fn config(args: &DualpolArgs) -> Result<Config> {
    let mut config = Config {
        band: args.band.map(|b| match b {
            BandArg::S => Band::S,
            BandArg::C => Band::C,
            BandArg::X => Band::X,
        }),
        attenuation: match args.attenuation {
            AttenuationArg::Zphi => AttenuationMethod::Zphi,
            AttenuationArg::ZphiPyart => AttenuationMethod::ZphiPyArt,
            AttenuationArg::Linear => AttenuationMethod::Linear,
            AttenuationArg::None => AttenuationMethod::None,
        },
        path_phase: match args.path_phase {
            PathPhaseArg::Median => PathPhase::Median,
            PathPhaseArg::Monotone => PathPhase::Monotone,
        },
        ..Config::default()
    };
    if let Some(m) = args.freezing_level_m {
        config.temperature = TemperatureProfile::standard(m).map_err(|_| {
            Error::parameter("--freezing-level-m", m, "must be a finite height in metres")
        })?;
    }
    Ok(config)
}

/// Adds [`ECHO_MASK`] to every sweep: 1 where the corrected reflectivity is valid (the weather gates), 0 at other
/// measured gates, no data where the reflectivity had none.
fn add_echo_mask(volume: &mut PolarVolume) {
    for sweep in &mut volume.sweeps {
        let Some(z) = sweep.moment(names::DBZH_CORRECTED) else {
            continue;
        };
        let values = z.status.mapv(|s| match s {
            GateStatus::Valid => 1.0,
            GateStatus::NoData => f32::NAN,
            _ => 0.0,
        });
        let status = z.status.mapv(|s| match s {
            GateStatus::NoData => GateStatus::NoData,
            _ => GateStatus::Valid,
        });
        sweep.moments.push(Moment {
            name: ECHO_MASK.to_owned(),
            units: "unitless".to_owned(),
            values,
            status,
        });
    }
}

/// Index of the lowest PPI sweep (the lowest sweep of any mode if there is no PPI).
fn lowest_sweep(volume: &PolarVolume) -> usize {
    let ppi: Vec<usize> = (0..volume.sweeps.len())
        .filter(|&i| volume.sweeps[i].mode == SweepMode::Ppi)
        .collect();
    let candidates = if ppi.is_empty() {
        (0..volume.sweeps.len()).collect()
    } else {
        ppi
    };
    candidates
        .into_iter()
        .min_by(|&a, &b| {
            volume.sweeps[a]
                .fixed_angle_deg
                .total_cmp(&volume.sweeps[b].fixed_angle_deg)
        })
        .unwrap_or(0)
}

/// The map file of a moment: `DIR/<stem of --out>_<moment>.png`.
fn map_file(dir: &Path, out: &Path, moment: &str) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or("dualpol".to_owned(), |s| s.to_string_lossy().into_owned());
    dir.join(format!("{stem}_{}.png", moment.to_lowercase()))
}

/// Renders the maps of the lowest sweep into `dir`; returns the files written.
fn write_maps(volume: &PolarVolume, dir: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let index = lowest_sweep(volume);
    let sweep = &volume.sweeps[index];
    let planned: Vec<(PathBuf, &str, &str, &str, ColourScale)> = maps()
        .into_iter()
        .map(|(moment, title, unit, scale)| {
            (map_file(dir, out, moment), moment, title, unit, scale)
        })
        .collect();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let max_range_m = sweep.first_gate_m + sweep.gate_spacing_m * sweep.n_gates() as f32;
    let mut written = Vec::with_capacity(planned.len());
    for (file, moment, title, unit, scale) in planned {
        let image = render_ppi(sweep, moment, &scale, 800, max_range_m)?;
        // Class k's step starts at k − 0.5: its label is the class name; other steps show their lower bound.
        let label = |bound: f32| {
            if moment == names::HCLASS {
                let k = (bound + 0.5).round() as usize;
                HYDROMETEOR_CLASS_NAMES
                    .get(k.wrapping_sub(1))
                    .map_or(String::new(), |n| (*n).to_owned())
            } else {
                format!("{bound} {unit}")
            }
        };
        let heading = format!("{title}, {:.1} deg", sweep.fixed_angle_deg);
        with_legend(&image, &scale, &heading, &label).write_png(&file)?;
        written.push(file);
    }
    Ok(written)
}

/// Runs the command; returns the summary printed on stdout.
pub fn run(args: DualpolArgs) -> Result<String> {
    crate::check_output(&args.out, &[&args.volume], args.force)?;
    if let Some(dir) = &args.png {
        for (moment, ..) in maps() {
            let file = map_file(dir, &args.out, moment);
            crate::check_output(&file, &[&args.volume], args.force).map_err(|_| {
                Error::parameter(
                    "--png",
                    file.display(),
                    "exists; pass --force to replace it",
                )
            })?;
        }
    }
    let mut config = config(&args)?;
    let volume = squall::io::open_volume(&args.volume)?;
    let mut notes = Vec::new();
    // files that keep only the unfiltered ρhv / ΦDP (FM 301 URHOHV, UPHIDP) are read from those
    if let Some(first) = volume.sweeps.first() {
        for (name, unfiltered) in [
            (&mut config.names.rhohv, "URHOHV"),
            (&mut config.names.phidp, "UPHIDP"),
        ] {
            if first.moment(name).is_none() && first.moment(unfiltered).is_some() {
                notes.push(format!("{name} absent: read {unfiltered}"));
                *name = unfiltered.to_owned();
            }
        }
    }
    let mut processed = process(&volume, &config)?;
    add_echo_mask(&mut processed);
    let band = config
        .band
        .or(volume.band())
        .map_or("?".to_owned(), |b| format!("{b:?}"));
    let history = format!(
        "squall dualpol {} (band {band}, attenuation {:?}, freezing level {} m)",
        args.volume.display(),
        config.attenuation,
        args.freezing_level_m.unwrap_or(4000.0)
    );
    write_cfradial(
        &args.out,
        &processed,
        &WRITTEN,
        &[
            ("history", history),
            (
                "comment",
                "dual-polarisation chain of squall::dualpol::process; ECHO_MASK 1 = weather echo"
                    .to_owned(),
            ),
        ],
    )?;
    let mut lines = vec![format!(
        "{}: {} sweeps, band {band}, {} → {}",
        args.volume.display(),
        processed.sweeps.len(),
        WRITTEN.join(", "),
        args.out.display()
    )];
    lines.extend(notes);
    let lowest = &processed.sweeps[lowest_sweep(&processed)];
    if let Some(mask) = lowest.moment(ECHO_MASK) {
        let weather = mask.values.iter().filter(|&&v| v == 1.0).count();
        let pia = lowest
            .moment(names::PIA)
            .map(|m| {
                Zip::from(&m.values)
                    .and(&m.status)
                    .fold(0.0f32, |acc, &v, &s| {
                        if s == GateStatus::Valid {
                            acc.max(v)
                        } else {
                            acc
                        }
                    })
            })
            .unwrap_or(0.0);
        lines.push(format!(
            "lowest sweep ({:.1}°): {weather} weather gates, largest two-way PIA {pia:.1} dB",
            lowest.fixed_angle_deg
        ));
    }
    if let Some(dir) = &args.png {
        for file in write_maps(&processed, dir, &args.out)? {
            lines.push(format!("map {}", file.display()));
        }
    }
    Ok(lines.join("\n"))
}
