//! A warning server: radar volumes in, products and CAP warnings out, one [`Nowcaster`] update at a time.
//!
//! ```text
//! warning_server --config nowcaster.toml --out OUT --watch INCOMING [--poll-ms 500] [--settle-ms 1000]
//!                [--idle-exit-s 30] [--png]
//! find day/ -name '*.bin*' | sort | warning_server --config nowcaster.toml --out OUT --stdin --png
//! ```
//!
//! Volumes come from a folder that is polled, or as paths on standard input, one per line. In the folder:
//!
//! - a file is taken once its size and modification time have not changed for `--settle-ms`, so a file still being
//!   written is not read (a writer that pauses longer than that should write under a temporary name and rename);
//! - names starting with `.` or ending in `.part`/`.tmp` (files being written under a temporary name) and
//!   sub-folders are ignored;
//! - files are taken oldest first (modification time, then name); each file is taken once. A file that could not
//!   be read is taken again only if it changes afterwards (a writer that paused longer than `--settle-ms`);
//!   a file that was read is never read again, even if it is rewritten;
//! - files present at start are taken too (the backlog).
//!
//! Each volume is read with [`squall::io::open_volume`] (any supported format, compressed or not) and given to
//! [`Nowcaster::ingest`]; every update it completes writes, under `OUT`:
//!
//! - `products/products_<time>.nc`: composite reflectivity, echo top, VIL, MESH, POSH and rain rate (CF-NetCDF);
//! - `products/nowcast_<time>.nc`: ensemble-mean rain rate and exceedance probabilities per lead time;
//! - with `--png`, `products/composite_<time>.png` (cells, 30-min forecast cones and the warning regions over the
//!   composite) and `products/heavy_rain_<time>.png` (the largest probability of heavy rain over the lead times);
//! - `cap/<identifier>.xml`: one CAP 1.2 message per warning message (Alert, Update, Cancel);
//! - `log.jsonl`: one JSON line per event (volume taken, volume skipped, update with its stage timings), also
//!   printed on standard error.
//!
//! A file that cannot be read (missing, corrupt, unknown radar, wrong site) is logged and skipped; the server goes
//! on. Input files are only ever read. At the end of the input (end of standard input, or `--idle-exit-s` seconds
//! without a new file) the cycles still pending are computed with the radars they have. With `--state FILE` the
//! Nowcaster's state is saved after every update and restored at start.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clap::Parser;
use ndarray::Axis;
use serde_json::{Value, json};
use squall::geo::Grid2;
use squall::io::cf_netcdf::{Field, write_fields};
use squall::pipeline::{Nowcaster, NowcasterConfig, Update};
use squall::render::{
    BOUNDARY, Boundaries, CONE, ColourScale, draw_boundaries, draw_forecast_cone_to, render_grid,
    with_legend,
};
use squall::warn::to_cap_xml;
use squall::{Error, Result};

#[derive(Parser)]
#[command(
    about = "Watch for radar volumes, run the streaming Nowcaster, write products and CAP warnings"
)]
struct Args {
    /// Nowcaster configuration (TOML).
    #[arg(long)]
    config: PathBuf,
    /// Output folder (created; products, CAP messages and the log go here).
    #[arg(long)]
    out: PathBuf,
    /// Folder to watch for new volumes.
    #[arg(long, conflicts_with = "stdin", required_unless_present = "stdin")]
    watch: Option<PathBuf>,
    /// Read volume paths from standard input, one per line, until it closes.
    #[arg(long)]
    stdin: bool,
    /// Polling interval of --watch, ms.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
    /// Time a file in the watched folder must stay unchanged (size and modification time) before it is read, ms.
    #[arg(long, default_value_t = 1000)]
    settle_ms: u64,
    /// Stop watching after this many seconds without a new or changing file (default: run until killed).
    #[arg(long)]
    idle_exit_s: Option<f64>,
    /// Also write PNG maps.
    #[arg(long)]
    png: bool,
    /// Save the Nowcaster's state here after every update, and continue from it at start if it exists.
    #[arg(long)]
    state: Option<PathBuf>,
}

/// Longest lead time of the cones drawn on the composite maps, s.
const CONE_LEAD_S: f64 = 1800.0;

struct Server {
    nowcaster: Nowcaster,
    out: PathBuf,
    png: bool,
    state: Option<PathBuf>,
    regions: Option<Boundaries>,
    log: File,
    volumes: usize,
    skipped: usize,
    updates: usize,
    messages: usize,
}

impl Server {
    fn new(args: &Args) -> Result<Server> {
        let config = NowcasterConfig::load(&args.config)?;
        // Region outlines for the maps (a regions file of points only has none).
        let regions = config
            .warnings
            .as_ref()
            .and_then(|w| Boundaries::read(&w.regions).ok());
        for dir in ["products", "cap"] {
            let d = args.out.join(dir);
            std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
        }
        let log_path = args.out.join("log.jsonl");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| Error::io(&log_path, e))?;
        let nowcaster = match &args.state {
            Some(path) if path.exists() => Nowcaster::restore(config, path)?,
            _ => Nowcaster::new(config)?,
        };
        Ok(Server {
            nowcaster,
            out: args.out.clone(),
            png: args.png,
            state: args.state.clone(),
            regions,
            log,
            volumes: 0,
            skipped: 0,
            updates: 0,
            messages: 0,
        })
    }

    /// One JSON line on standard error and in the log.
    fn log(&mut self, mut event: Value) {
        event["logged"] = json!(Utc::now().to_rfc3339());
        let line = event.to_string();
        eprintln!("{line}");
        if let Err(e) = writeln!(self.log, "{line}") {
            eprintln!("warning_server: cannot write the log: {e}");
        }
    }

    /// Takes one volume file; never fails: problems are logged and the file skipped. Returns whether the volume
    /// was read.
    fn take(&mut self, path: &Path) -> bool {
        let started = Instant::now();
        let volume = match squall::io::open_volume(path) {
            Ok(v) => v,
            Err(e) => {
                self.skip(path, "read", &e);
                return false;
            }
        };
        let read_s = started.elapsed().as_secs_f64();
        let (radar, scan_time) = (volume.site.id.clone(), volume.start_time);
        let ingested = match self.nowcaster.ingest(volume) {
            Ok(i) => i,
            Err(e) => {
                self.skip(path, "ingest", &e);
                return true;
            }
        };
        if let Some(reason) = &ingested.dropped {
            self.skipped += 1;
            self.log(
                json!({"event": "dropped", "path": path, "radar": radar, "scan_time": scan_time,
                            "reason": reason.to_string()}),
            );
            return true;
        }
        self.volumes += 1;
        self.log(
            json!({"event": "volume", "path": path, "radar": radar, "scan_time": scan_time,
                        "cycle": ingested.cycle, "read_s": read_s,
                        "ingest_s": started.elapsed().as_secs_f64() - read_s}),
        );
        for update in &ingested.updates {
            self.publish(update);
        }
        true
    }

    fn skip(&mut self, path: &Path, stage: &str, error: &Error) {
        self.skipped += 1;
        self.log(
            json!({"event": "skipped", "path": path, "stage": stage, "error": error.to_string()}),
        );
    }

    /// Computes the cycles still pending (end of input).
    fn finish(&mut self) {
        match self.nowcaster.flush() {
            Ok(updates) => {
                for u in &updates {
                    self.publish(u);
                }
            }
            Err(e) => self.log(json!({"event": "error", "stage": "flush", "error": e.to_string()})),
        }
        let summary = json!({"event": "summary", "volumes": self.volumes, "skipped": self.skipped,
                             "updates": self.updates, "messages": self.messages});
        self.log(summary);
    }

    /// Writes an update's products and messages and logs its timings.
    fn publish(&mut self, update: &Update) {
        let started = Instant::now();
        let written = self.write(update);
        let write_s = started.elapsed().as_secs_f64();
        self.updates += 1;
        self.messages += update.warnings.len();
        let stages: serde_json::Map<String, Value> = update
            .timings
            .stages()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        let warnings: Vec<Value> = update
            .warnings
            .iter()
            .map(|m| {
                json!({"identifier": m.identifier, "type": m.msg_type.as_str(), "event": m.hazard.event(),
                       "area": m.area_name, "level": format!("{:?}", m.level), "onset": m.onset})
            })
            .collect();
        let mut event = json!({"event": "update", "time": update.time, "recomputed": update.recomputed,
            "radars_used": update.radars_used, "radars_missing": update.radars_missing,
            "cells": update.cells.cells.len(), "nowcast": update.nowcast.is_some(),
            "nowcast_note": update.nowcast_note, "warnings": warnings,
            "total_s": update.timings.total_s(), "stages_s": stages, "write_s": write_s});
        if let Err(e) = &written {
            event["write_error"] = json!(e.to_string());
        }
        self.log(event);
        if let Some(path) = &self.state {
            if let Err(e) = self.nowcaster.save(path) {
                self.log(json!({"event": "error", "stage": "save state", "error": e.to_string()}));
            }
        }
    }

    fn write(&self, update: &Update) -> Result<()> {
        let stamp = update.time.format("%Y%m%dT%H%M%SZ").to_string();
        let products = self.out.join("products");
        for m in &update.warnings {
            let name: String = m
                .identifier
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = self.out.join("cap").join(format!("{name}.xml"));
            std::fs::write(&path, to_cap_xml(m)).map_err(|e| Error::io(&path, e))?;
        }
        let p = &update.products;
        let grids = [
            &p.composite,
            &p.echo_top_m,
            &p.vil_kg_m2,
            &p.mesh_mm,
            &p.posh_percent,
            &p.rain_rate_mm_h,
        ];
        let expanded: Vec<_> = grids
            .iter()
            .map(|g| g.values.clone().insert_axis(Axis(0)))
            .collect();
        let fields: Vec<Field> = grids
            .iter()
            .zip(&expanded)
            .map(|(g, v)| Field {
                name: &g.name,
                units: &g.units,
                values: v.view(),
            })
            .collect();
        let spec = self.nowcaster.spec().clone();
        // A recomputed cycle replaces the files of its first computation (our own outputs, never inputs).
        let path = products.join(format!("products_{stamp}.nc"));
        remove_own(&path)?;
        write_fields(&path, &spec, &[Some(update.time)], &fields)?;
        if let Some(n) = &update.nowcast {
            let times: Vec<Option<DateTime<Utc>>> = n
                .lead_times_s
                .iter()
                .map(|&s| Some(update.time + chrono::Duration::milliseconds((s * 1000.0) as i64)))
                .collect();
            let names: Vec<String> = n
                .thresholds_mm_h
                .iter()
                .map(|t| format!("probability_of_rainfall_rate_ge_{t}_mm_h"))
                .collect();
            let mut fields = vec![Field {
                name: "rainfall_rate_mean",
                units: "mm h-1",
                values: n.mean_mm_h.view(),
            }];
            for (j, name) in names.iter().enumerate() {
                fields.push(Field {
                    name,
                    units: "1",
                    values: n.probability.index_axis(Axis(0), j),
                });
            }
            let path = products.join(format!("nowcast_{stamp}.nc"));
            remove_own(&path)?;
            write_fields(&path, &spec, &times, &fields)?;
        }
        if self.png {
            self.maps(update, &stamp)?;
        }
        Ok(())
    }

    fn maps(&self, update: &Update, stamp: &str) -> Result<()> {
        let products = self.out.join("products");
        let spec = self.nowcaster.spec();
        let composite = &update.products.composite;
        let mut image = render_grid(composite, &ColourScale::reflectivity());
        if let Some(b) = &self.regions {
            draw_boundaries(&mut image, spec, b, BOUNDARY)?;
        }
        for f in &update.cells.forecasts {
            draw_forecast_cone_to(&mut image, spec, f, CONE_LEAD_S, CONE)?;
        }
        let label = format!(
            "{} {} cells",
            update.time.format("%Y-%m-%d %H:%MZ"),
            update.cells.cells.len()
        );
        image.draw_label(2, 2, &label, [0, 0, 0], [255, 255, 255], 1);
        let legend = |v: f32| format!("{v:.0}");
        with_legend(&image, &ColourScale::reflectivity(), "dBZ", &legend)
            .write_png(products.join(format!("composite_{stamp}.png")))?;
        if let Some(n) = &update.nowcast {
            let most = n
                .heavy_rain
                .probability
                .fold_axis(
                    Axis(0),
                    f32::NAN,
                    |&a, &b| if b.is_nan() { a } else { a.max(b) },
                );
            let grid = Grid2::new(spec.clone(), "probability", "1", Some(update.time), most)?;
            let mut image = render_grid(&grid, &ColourScale::probability());
            if let Some(b) = &self.regions {
                draw_boundaries(&mut image, spec, b, BOUNDARY)?;
            }
            let label = format!("{} max", update.time.format("%H:%MZ"));
            image.draw_label(2, 2, &label, [0, 0, 0], [255, 255, 255], 1);
            let legend = |v: f32| format!("{:.0}%", 100.0 * v);
            with_legend(
                &image,
                &ColourScale::probability(),
                "P(heavy rain)",
                &legend,
            )
            .write_png(products.join(format!("heavy_rain_{stamp}.png")))?;
        }
        Ok(())
    }
}

/// Removes an earlier output of ours before it is rewritten (NetCDF refuses to create over a file).
fn remove_own(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(path, e)),
        _ => Ok(()),
    }
}

/// Whether a name in the watched folder is a file still being written or not meant for us.
fn ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with(".part") || name.ends_with(".tmp")
}

/// What a file in the watched folder looks like: size, bytes, and modification time.
type Signature = (u64, Option<std::time::SystemTime>);

/// Polls `dir` and takes each file once it has settled (see the module documentation), oldest first.
fn watch(
    server: &mut Server,
    dir: &Path,
    poll: Duration,
    settle: Duration,
    idle_exit: Option<Duration>,
) -> Result<()> {
    // Files taken (read, or failed with this signature), and files waiting to settle (signature, since when).
    let mut taken: BTreeMap<PathBuf, (Signature, bool)> = BTreeMap::new();
    let mut waiting: BTreeMap<PathBuf, (Signature, Instant)> = BTreeMap::new();
    let mut listing: BTreeMap<PathBuf, Signature> = BTreeMap::new();
    let mut last_activity = Instant::now();
    loop {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut now_listed = BTreeMap::new();
        for entry in entries.flatten() {
            let Ok(meta) = std::fs::metadata(entry.path()) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            now_listed.insert(entry.path(), (meta.len(), meta.modified().ok()));
        }
        // Any new, growing, renamed or removed file counts as activity for --idle-exit-s.
        if now_listed != listing {
            last_activity = Instant::now();
        }
        listing = now_listed;
        taken.retain(|path, _| listing.contains_key(path));
        waiting.retain(|path, _| listing.contains_key(path));
        let now = Instant::now();
        let mut ready: Vec<(Signature, PathBuf)> = Vec::new();
        for (path, &signature) in &listing {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let done = taken
                .get(path)
                .is_some_and(|&(s, read)| read || s == signature);
            if ignored(&name) || done {
                continue;
            }
            match waiting.get(path) {
                Some(&(s, since)) if s == signature => {
                    if now.duration_since(since) >= settle {
                        ready.push((signature, path.clone()));
                    }
                }
                _ => {
                    waiting.insert(path.clone(), (signature, now));
                }
            }
        }
        ready.sort_by(|a, b| (a.0.1, &a.1).cmp(&(b.0.1, &b.1)));
        for (signature, path) in ready {
            waiting.remove(&path);
            let read = server.take(&path);
            taken.insert(path, (signature, read));
            last_activity = Instant::now();
        }
        if idle_exit.is_some_and(|limit| last_activity.elapsed() >= limit) {
            return Ok(());
        }
        std::thread::sleep(poll);
    }
}

fn run(args: &Args) -> Result<()> {
    if let Some(dir) = &args.watch {
        let same =
            matches!((dir.canonicalize(), args.out.canonicalize()), (Ok(a), Ok(b)) if a == b);
        if same {
            return Err(Error::parameter(
                "--out",
                args.out.display(),
                "is the watched folder",
            ));
        }
        if !dir.is_dir() {
            return Err(Error::parameter(
                "--watch",
                dir.display(),
                "is not a folder",
            ));
        }
    }
    let mut server = Server::new(args)?;
    server.log(
        json!({"event": "start", "config": args.config, "out": args.out,
                      "watch": args.watch, "stdin": args.stdin}),
    );
    match &args.watch {
        Some(dir) => watch(
            &mut server,
            dir,
            Duration::from_millis(args.poll_ms.max(10)),
            Duration::from_millis(args.settle_ms),
            args.idle_exit_s.map(Duration::from_secs_f64),
        )?,
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| Error::io("<stdin>", e))?;
                let path = line.trim();
                if !path.is_empty() {
                    server.take(Path::new(path));
                }
            }
        }
    }
    server.finish();
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warning_server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
