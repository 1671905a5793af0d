//! `squall grid`: grid one or more radar volumes (a mosaic when several), derive the storm products, write them
//! as CF-NetCDF and optionally as PNG maps.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use ndarray::{Array2, Axis};
use squall::geo::{Grid2, Grid3, GridSpec};
use squall::grid::{
    GridConfig, Mosaic, MosaicConfig, RadiusOfInfluence, Weighting, cappi, composite,
};
use squall::io::cf_netcdf::{Field, Field3, write_volume_fields};
use squall::products::{
    ECHO_TOP_THRESHOLDS_DBZ, HEAVY_RAIN_MM_H, HailHeights, ZdrColumn, echo_top, hdr, heavy_rain,
    mesh, posh, probability_of_hail, rain_rate_from_reflectivity, severe_hail_index, vil,
    vil_density,
};
use squall::render::ColourScale;
use squall::volume::PolarVolume;
use squall::{Error, Result};

/// Reflectivity given to cells that only no-echo gates reach, dBZ.
pub(crate) const NO_ECHO_DBZ: f32 = -32.0;

/// Distance weighting (command-line names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightingArg {
    /// Py-ART's Barnes2, exp(−4d²/R²).
    Barnes2,
    /// Barnes, exp(−d²/2R²).
    Barnes,
    /// Cressman, (R² − d²)/(R² + d²).
    Cressman,
    /// Nearest gate.
    Nearest,
}

/// Arguments of `squall grid`.
#[derive(Debug, Args)]
pub struct GridArgs {
    /// Radar volumes (any supported format); several are merged into one mosaic.
    #[arg(required = true)]
    volumes: Vec<PathBuf>,
    /// Output CF-NetCDF file (must not exist, unless --force).
    #[arg(short, long)]
    out: PathBuf,
    /// Folder for PNG maps of the products (created if needed).
    #[arg(long)]
    png: Option<PathBuf>,
    /// GeoJSON file of coastlines/boundaries (lon/lat) drawn over the PNG maps.
    #[arg(long)]
    boundaries: Option<PathBuf>,
    /// Overwrite existing outputs.
    #[arg(long)]
    force: bool,
    /// Grid geometry.
    #[command(flatten)]
    geometry: GridGeometry,
    /// Distance weighting.
    #[arg(long, value_enum, default_value = "barnes2")]
    weighting: WeightingArg,
    /// Constant radius of influence, m (default: Py-ART's, growing with range by 1°, at least 250 m).
    #[arg(long)]
    roi_m: Option<f64>,
    /// Height of the 0 °C level, m above mean sea level (default: ICAO standard atmosphere, 2308 m).
    #[arg(long)]
    freezing_level_m: Option<f64>,
    /// Height of the −20 °C level, m above mean sea level (default: ICAO standard atmosphere, 5385 m).
    #[arg(long)]
    minus20_m: Option<f64>,
    /// Height of the CAPPI (and of the rain rate), m above the lowest level.
    #[arg(long, default_value_t = 1500.0)]
    cappi_above_bottom_m: f64,
}

/// Grid geometry options, shared with the commands that grid a volume first (`xsection`, `isosurface`).
#[derive(Debug, Args)]
pub struct GridGeometry {
    /// Grid centre "LAT,LON" in degrees (default: the mean of the radar sites).
    #[arg(long, allow_hyphen_values = true)]
    centre: Option<String>,
    /// Cells per side of the square grid.
    #[arg(long, default_value_t = 201)]
    size: usize,
    /// Horizontal spacing, km.
    #[arg(long, default_value_t = 1.0)]
    spacing_km: f64,
    /// Number of levels.
    #[arg(long, default_value_t = 41)]
    levels: usize,
    /// Vertical spacing, m.
    #[arg(long, default_value_t = 500.0)]
    level_spacing_m: f64,
    /// Lowest level, m above mean sea level (default: the mean antenna altitude).
    #[arg(long, allow_hyphen_values = true)]
    bottom_m: Option<f64>,
}

/// A 2-D product for the file and the maps.
struct Product {
    grid: Grid2,
    scale: ColourScale,
}

/// Runs the command; returns the summary printed on stdout.
pub fn run(args: GridArgs) -> Result<String> {
    let inputs: Vec<&Path> = args.volumes.iter().map(PathBuf::as_path).collect();
    crate::check_output(&args.out, &inputs, args.force)?;
    let volumes = args
        .volumes
        .iter()
        .map(squall::io::open_volume)
        .collect::<Result<Vec<PolarVolume>>>()?;
    let (spec, heights) = grid_of(&args.geometry, &volumes)?;
    let config = GridConfig {
        weighting: match args.weighting {
            WeightingArg::Barnes2 => Weighting::Barnes2,
            WeightingArg::Barnes => Weighting::Barnes,
            WeightingArg::Cressman => Weighting::Cressman,
            WeightingArg::Nearest => Weighting::Nearest,
        },
        roi: args.roi_m.map_or(RadiusOfInfluence::default(), |radius_m| {
            RadiusOfInfluence::Constant { radius_m }
        }),
        ..GridConfig::default()
    };
    let standard = HailHeights::standard_atmosphere();
    let levels = HailHeights {
        freezing_level_m: args.freezing_level_m.unwrap_or(standard.freezing_level_m),
        minus20_level_m: args.minus20_m.unwrap_or(standard.minus20_level_m),
    };
    levels.validate()?;
    let started = Instant::now();
    let mut mosaic = Mosaic::new(&spec, &heights, config, MosaicConfig::default())?;
    let refs: Vec<&PolarVolume> = volumes.iter().collect();
    let dbzh = mosaic.grid(&refs, "DBZH", Some(NO_ECHO_DBZ))?;
    let all_have_zdr = volumes
        .iter()
        .all(|v| v.sweeps.iter().any(|s| s.moment("ZDR").is_some()));
    let zdr = if all_have_zdr {
        Some(mosaic.grid(&refs, "ZDR", None)?)
    } else {
        None
    };
    // the ZDR column from each radar's tilts (the gridded volume has gaps between distant tilts)
    let zdr_column = if all_have_zdr {
        let column = ZdrColumn::new(levels.freezing_level_m);
        let parts = volumes
            .iter()
            .map(|v| column.contribution(&mut mosaic, v, "DBZH", "ZDR"))
            .collect::<Result<Vec<_>>>()?;
        Some(mosaic.merge_columns(&parts.iter().collect::<Vec<_>>())?)
    } else {
        None
    };
    let gridded_s = started.elapsed().as_secs_f64();
    let products = products(
        &dbzh,
        zdr.as_ref(),
        zdr_column,
        levels,
        args.cappi_above_bottom_m,
    )?;
    let heavy = heavy_rain(
        products
            .iter()
            .map(|p| &p.grid)
            .find(|g| g.name == "rainfall_rate")
            .ok_or_else(|| Error::Unsupported("no rain rate".to_owned()))?,
        HEAVY_RAIN_MM_H,
    )?;

    let mut fields3 = vec![Field3 {
        name: "DBZH",
        units: "dBZ",
        values: dbzh.values.view(),
    }];
    if let Some(z) = &zdr {
        fields3.push(Field3 {
            name: "ZDR",
            units: "dB",
            values: z.values.view(),
        });
    }
    let expanded: Vec<(String, String, ndarray::Array3<f32>)> = products
        .iter()
        .map(|p| {
            (
                p.grid.name.clone(),
                p.grid.units.clone(),
                p.grid.values.clone().insert_axis(Axis(0)),
            )
        })
        .chain(std::iter::once((
            "heavy_rain".to_owned(),
            "1".to_owned(),
            heavy.mask.clone().insert_axis(Axis(0)),
        )))
        .collect();
    let fields: Vec<Field> = expanded
        .iter()
        .map(|(name, units, values)| Field {
            name,
            units,
            values: values.view(),
        })
        .collect();
    let sources: Vec<String> = volumes
        .iter()
        .zip(&args.volumes)
        .map(|(v, p)| format!("{} ({})", v.site.id, p.display()))
        .collect();
    let attributes = [
        ("radars", sources.join(", ")),
        (
            "gridding",
            format!("{config:?}; DBZH cells reached only by no-echo gates = {NO_ECHO_DBZ} dBZ"),
        ),
        (
            "environment",
            format!(
                "0 C level {:.0} m, -20 C level {:.0} m{}",
                levels.freezing_level_m,
                levels.minus20_level_m,
                if args.freezing_level_m.is_none() || args.minus20_m.is_none() {
                    " (ICAO standard atmosphere where not given)"
                } else {
                    ""
                }
            ),
        ),
        ("heavy_rain_area_km2", format!("{:.1}", heavy.area_km2)),
    ];
    write_volume_fields(
        &args.out,
        &spec,
        &heights,
        dbzh.time,
        &fields3,
        &fields,
        &attributes,
    )?;

    let mut lines = vec![format!(
        "{} radar(s) → {} × {} × {} grid ({} km, levels {:.0}–{:.0} m) in {:.2} s → {}",
        volumes.len(),
        heights.len(),
        spec.ny,
        spec.nx,
        args.geometry.spacing_km,
        heights[0],
        heights[heights.len() - 1],
        gridded_s,
        args.out.display()
    )];
    for p in &products {
        let max = p
            .grid
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f32::NAN, f32::max);
        lines.push(format!(
            "  {:<22} max {:>10.2} {}",
            p.grid.name, max, p.grid.units
        ));
    }
    lines.push(format!(
        "  heavy rain (≥ {HEAVY_RAIN_MM_H} mm/h) area {:.1} km²",
        heavy.area_km2
    ));
    if let Some(dir) = &args.png {
        let boundaries = crate::maps::boundaries(args.boundaries.as_deref())?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for p in &products {
            let path = dir.join(format!("{}.png", p.grid.name));
            crate::check_output(&path, &inputs, args.force)?;
            let label = p.grid.time.map(|t| t.format("%Y-%m-%d %H:%MZ").to_string());
            crate::maps::map(
                &p.grid,
                &p.scale,
                &format!("{} {}", p.grid.name, p.grid.units),
                boundaries.as_ref(),
                label.as_deref(),
            )?
            .write_png(&path)?;
            lines.push(format!("  map {}", path.display()));
        }
    }
    Ok(lines.join("\n"))
}

/// Ten steps over (0, `hi`], with 0 (no echo, no hail) shown as background.
fn positive_ramp(hi: f32) -> ColourScale {
    ramp_above(f32::MIN_POSITIVE, hi)
}

/// Ten steps over \[0, `hi`\] whose first step starts at `lowest`; smaller values are background.
fn ramp_above(lowest: f32, hi: f32) -> ColourScale {
    let mut scale = ColourScale::ramp(0.0, hi);
    scale.bounds[0] = lowest;
    scale
}

/// The grid: an azimuthal equidistant square about the centre, and the levels.
pub(crate) fn grid_of(
    args: &GridGeometry,
    volumes: &[PolarVolume],
) -> Result<(GridSpec, Vec<f64>)> {
    let n = volumes.len() as f64;
    let (lat, lon) = match &args.centre {
        Some(text) => {
            let parts: Vec<f64> = text
                .split(',')
                .map(|s| s.trim().parse::<f64>())
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| Error::parameter("--centre", text, "expected LAT,LON in degrees"))?;
            match parts.as_slice() {
                [lat, lon] if lat.abs() <= 90.0 && lon.is_finite() => (*lat, *lon),
                _ => {
                    return Err(Error::parameter(
                        "--centre",
                        text,
                        "expected LAT,LON in degrees",
                    ));
                }
            }
        }
        None => (
            volumes.iter().map(|v| v.site.latitude_deg).sum::<f64>() / n,
            volumes.iter().map(|v| v.site.longitude_deg).sum::<f64>() / n,
        ),
    };
    if !(args.spacing_km > 0.0 && args.spacing_km.is_finite()) || args.size == 0 || args.size > 4000
    {
        return Err(Error::parameter(
            "--size / --spacing-km",
            format!("{} / {}", args.size, args.spacing_km),
            "need 1–4000 cells and a positive spacing",
        ));
    }
    let spacing_ok = args.level_spacing_m > 0.0 && args.level_spacing_m.is_finite();
    if args.levels == 0 || args.levels > 200 || !spacing_ok {
        return Err(Error::parameter(
            "--levels / --level-spacing-m",
            format!("{} / {}", args.levels, args.level_spacing_m),
            "need 1–200 levels and a positive spacing",
        ));
    }
    let spec = GridSpec::centred_on(lat, lon, args.size, args.spacing_km * 1000.0)?;
    let bottom = args
        .bottom_m
        .unwrap_or_else(|| volumes.iter().map(|v| v.site.altitude_m).sum::<f64>() / n);
    let heights = (0..args.levels)
        .map(|k| bottom + args.level_spacing_m * k as f64)
        .collect();
    Ok((spec, heights))
}

/// The 2-D products of a reflectivity (and ZDR) volume, with the ZDR-column depth made from the tilts.
fn products(
    dbzh: &Grid3,
    zdr: Option<&Grid3>,
    zdr_column: Option<Array2<f32>>,
    levels: HailHeights,
    cappi_above_bottom_m: f64,
) -> Result<Vec<Product>> {
    let h = &dbzh.heights_m;
    let z = dbzh.values.view();
    let field = |name: &str, units: &str, values: Array2<f32>| {
        Grid2::new(dbzh.spec.clone(), name, units, dbzh.time, values)
    };
    let mut out = Vec::new();
    let mut comp = composite(dbzh);
    comp.name = "composite_reflectivity".to_owned();
    out.push(Product {
        grid: comp,
        scale: ColourScale::reflectivity(),
    });
    let low = cappi(dbzh, (h[0] + cappi_above_bottom_m).min(h[h.len() - 1]))?;
    let rain = low.values.mapv(|d| {
        if d.is_nan() {
            f32::NAN
        } else if d <= NO_ECHO_DBZ {
            0.0
        } else {
            rain_rate_from_reflectivity(d, 200.0, 1.6)
        }
    });
    let mut low = low;
    low.name = "cappi_reflectivity".to_owned();
    out.push(Product {
        grid: low,
        scale: ColourScale::reflectivity(),
    });
    out.push(Product {
        grid: field("rainfall_rate", "mm h-1", rain)?,
        scale: ColourScale::rain_rate(),
    });
    let tops = ECHO_TOP_THRESHOLDS_DBZ
        .iter()
        .map(|&t| echo_top(z, h, t))
        .collect::<Result<Vec<_>>>()?;
    let v = vil(z, h)?;
    let density = vil_density(v.view(), tops[0].view())?;
    let shi = severe_hail_index(z, h, levels)?;
    let poh = probability_of_hail(tops[2].view(), levels.freezing_level_m)?;
    for (t, top) in ECHO_TOP_THRESHOLDS_DBZ.iter().zip(&tops) {
        out.push(Product {
            grid: field(&format!("echo_top_{t:.0}dBZ"), "m", top.clone())?,
            scale: positive_ramp(18_000.0),
        });
    }
    out.push(Product {
        grid: field("vil", "kg m-2", v)?,
        scale: ramp_above(1.0, 70.0),
    });
    out.push(Product {
        grid: field("vil_density", "g m-3", density)?,
        scale: positive_ramp(5.0),
    });
    out.push(Product {
        grid: field("mesh", "mm", mesh(shi.view()))?,
        scale: positive_ramp(50.0),
    });
    out.push(Product {
        grid: field("posh", "%", posh(shi.view(), levels.freezing_level_m))?,
        scale: positive_ramp(100.0),
    });
    out.push(Product {
        grid: field("shi", "J m-1 s-1", shi)?,
        scale: positive_ramp(400.0),
    });
    out.push(Product {
        grid: field("poh", "%", poh)?,
        scale: positive_ramp(100.0),
    });
    if let Some(depth) = zdr_column {
        out.push(Product {
            grid: field("zdr_column_depth", "m", depth)?,
            scale: positive_ramp(4000.0),
        });
    }
    if let Some(zdr) = zdr {
        let hdr3 = hdr(z, zdr.values.view())?;
        let hdr_max = Grid3 {
            values: hdr3,
            ..dbzh.clone()
        };
        let mut hdr_max = composite(&hdr_max);
        hdr_max.name = "hdr_max".to_owned();
        hdr_max.units = "dB".to_owned();
        out.push(Product {
            grid: hdr_max,
            scale: ColourScale::ramp(-20.0, 30.0),
        });
    }
    Ok(out)
}
