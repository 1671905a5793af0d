//! The state a [`Nowcaster`](super::Nowcaster) keeps between cycles, and its file form.
//!
//! The file is CBOR (RFC 8949, `ciborium`): compact and exact for `f32` grids. It holds the configuration it was
//! made with, the volumes already processed but not yet in a computed cycle (as their mosaic shares), the latest
//! cycle's shares with the state before it (so that a late volume can still recompute it), and the state after
//! it: recent rain frames, the cell tracker and the warnings in force. Grid mappings are a cache and are rebuilt.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use ndarray::{Array2, Array3, ArrayView3, Axis, s};
use serde::{Deserialize, Serialize};

use super::config::NowcasterConfig;
use super::update::Share;
use crate::cells::{Tracker, TrackerState};
use crate::error::{Error, Result};
use crate::geo::GridSpec;
use crate::grid::{ColumnContribution, Contribution};
use crate::nowcast::transform::DbTransform;
use crate::warn::WarningState;

/// Frames kept for motion and the ensemble (AR(2) needs three).
pub(crate) const FRAMES_KEPT: usize = 3;

/// Version of the state file layout.
const STATE_VERSION: u32 = 1;

/// One cycle's rain-rate field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    /// Valid time.
    pub time: DateTime<Utc>,
    /// Rain rate `(ny, nx)`, mm h⁻¹, NaN = no data.
    pub rain_mm_h: Array2<f32>,
}

/// The state carried from one cycle to the next.
#[derive(Debug, Clone)]
pub(crate) struct Core {
    /// Recent frames, oldest first, one cycle apart.
    pub frames: VecDeque<Frame>,
    /// Cell tracker.
    pub tracker: Tracker,
    /// Warnings (None without a `[warnings]` section).
    pub warnings: Option<WarningState>,
}

impl Core {
    /// Appends a frame; frames not one cycle before it are forgotten (the motion and the ensemble need
    /// consecutive cycles).
    pub fn push_frame(&mut self, frame: Frame, length_s: f64) {
        let step = TimeDelta::milliseconds((length_s * 1000.0).round() as i64);
        if self
            .frames
            .back()
            .is_some_and(|last| frame.time - last.time != step)
        {
            self.frames.clear();
        }
        self.frames.push_back(frame);
        while self.frames.len() > FRAMES_KEPT {
            self.frames.pop_front();
        }
    }

    /// The frames `(t, ny, nx)` in dB (pysteps' transform), oldest first; None without frames.
    pub fn recent_frames_db(&self, transform: &DbTransform) -> Option<Array3<f32>> {
        let first = self.frames.front()?;
        let (ny, nx) = first.rain_mm_h.dim();
        let mut out = Array3::<f32>::zeros((self.frames.len(), ny, nx));
        for (mut slot, frame) in out.outer_iter_mut().zip(&self.frames) {
            slot.assign(&frame.rain_mm_h.mapv(|r| transform.forward(r)));
        }
        Some(out)
    }
}

/// A 2-D or 3-D `f32` array in the file: shape and values in row-major order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredArray {
    shape: Vec<usize>,
    values: Vec<f32>,
}

impl StoredArray {
    fn from_2d(a: &Array2<f32>) -> StoredArray {
        StoredArray {
            shape: a.shape().to_vec(),
            values: a.iter().copied().collect(),
        }
    }

    fn to_2d(&self, expected: (usize, usize)) -> Result<Array2<f32>> {
        if self.shape != [expected.0, expected.1] {
            return Err(corrupt(format!(
                "a frame of shape {:?} on a {expected:?} grid",
                self.shape
            )));
        }
        Array2::from_shape_vec(expected, self.values.clone())
            .map_err(|e| corrupt(format!("frame: {e}")))
    }
}

/// A radar's share, cropped to the rows and columns where it has weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredShare {
    radar: String,
    scan_time: DateTime<Utc>,
    qc_s: f64,
    grid_s: f64,
    #[serde(default)]
    qc_cpu_s: f64,
    #[serde(default)]
    grid_cpu_s: f64,
    name: String,
    units: String,
    time: Option<DateTime<Utc>>,
    no_echo_value: Option<f32>,
    /// First row, rows, first column, columns of the crop.
    window: [usize; 4],
    /// `(nz, rows, cols)` of the crop.
    weighted_sum: Vec<f32>,
    weight: Vec<f32>,
    /// The ZDR share (same crop; it has weight only where the reflectivity has a value), when products need it.
    #[serde(default)]
    zdr: Option<StoredZdr>,
    /// The ZDR-column share `(rows, cols)` of the crop, when asked for.
    #[serde(default)]
    zdr_column: Option<StoredColumn>,
}

/// The ZDR-column share of a [`StoredShare`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredColumn {
    weighted_sum: Vec<f32>,
    weight: Vec<f32>,
}

/// The ZDR share of a [`StoredShare`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredZdr {
    name: String,
    units: String,
    weighted_sum: Vec<f32>,
    weight: Vec<f32>,
}

impl StoredShare {
    fn new(radar: &str, share: &Share) -> StoredShare {
        let c = &share.contribution;
        let (_, ny, nx) = c.weight.dim();
        let mut any = c
            .weight
            .map_axis(Axis(0), |col| col.iter().any(|&w| w != 0.0));
        if let Some(z) = &share.zdr_column {
            ndarray::Zip::from(&mut any)
                .and(&z.weight)
                .for_each(|a, &w| *a |= w != 0.0);
        }
        let rows: Vec<usize> = (0..ny).filter(|&r| any.row(r).iter().any(|&b| b)).collect();
        let cols: Vec<usize> = (0..nx)
            .filter(|&k| any.column(k).iter().any(|&b| b))
            .collect();
        let window = match (rows.first(), rows.last(), cols.first(), cols.last()) {
            (Some(&r0), Some(&r1), Some(&c0), Some(&c1)) => [r0, r1 - r0 + 1, c0, c1 - c0 + 1],
            _ => [0, 0, 0, 0],
        };
        // the window's cells of every level, level by level, in row-major order
        let crop3 = |a: ArrayView3<f32>| -> Vec<f32> {
            a.slice(s![
                ..,
                window[0]..window[0] + window[1],
                window[2]..window[2] + window[3]
            ])
            .iter()
            .copied()
            .collect()
        };
        let crop = |a: &Array3<f32>| crop3(a.view());
        let crop2 = |a: &Array2<f32>| crop3(a.view().insert_axis(Axis(0)));
        StoredShare {
            radar: radar.to_owned(),
            scan_time: share.scan_time,
            qc_s: share.qc_s,
            grid_s: share.grid_s,
            qc_cpu_s: share.qc_cpu_s,
            grid_cpu_s: share.grid_cpu_s,
            name: c.name.clone(),
            units: c.units.clone(),
            time: c.time,
            no_echo_value: c.no_echo_value,
            window,
            weighted_sum: crop(&c.weighted_sum),
            weight: crop(&c.weight),
            zdr: share.zdr.as_ref().map(|z| StoredZdr {
                name: z.name.clone(),
                units: z.units.clone(),
                weighted_sum: crop(&z.weighted_sum),
                weight: crop(&z.weight),
            }),
            zdr_column: share.zdr_column.as_ref().map(|z| StoredColumn {
                weighted_sum: crop2(&z.weighted_sum),
                weight: crop2(&z.weight),
            }),
        }
    }

    fn restore(self, dim: (usize, usize, usize)) -> Result<(String, Share)> {
        let [r0, nr, c0, nc] = self.window;
        if r0 + nr > dim.1 || c0 + nc > dim.2 {
            return Err(corrupt(format!(
                "radar {} share window {:?} outside the {dim:?} grid",
                self.radar, self.window
            )));
        }
        let expand = |values: Vec<f32>| -> Result<Array3<f32>> {
            let crop = Array3::from_shape_vec((dim.0, nr, nc), values)
                .map_err(|e| corrupt(format!("radar {} share: {e}", self.radar)))?;
            let mut full = Array3::<f32>::zeros(dim);
            full.slice_mut(s![.., r0..r0 + nr, c0..c0 + nc])
                .assign(&crop);
            Ok(full)
        };
        let expand2 = |values: Vec<f32>| -> Result<Array2<f32>> {
            let crop = Array2::from_shape_vec((nr, nc), values)
                .map_err(|e| corrupt(format!("radar {} column share: {e}", self.radar)))?;
            let mut full = Array2::<f32>::zeros((dim.1, dim.2));
            full.slice_mut(s![r0..r0 + nr, c0..c0 + nc]).assign(&crop);
            Ok(full)
        };
        let zdr_column = self
            .zdr_column
            .map(|z| {
                Ok::<_, Error>(ColumnContribution {
                    weighted_sum: expand2(z.weighted_sum)?,
                    weight: expand2(z.weight)?,
                })
            })
            .transpose()?;
        let zdr = self
            .zdr
            .map(|z| {
                Ok::<_, Error>(Contribution {
                    name: z.name,
                    units: z.units,
                    time: self.time,
                    no_echo_value: None,
                    weighted_sum: expand(z.weighted_sum)?,
                    weight: expand(z.weight)?,
                })
            })
            .transpose()?;
        let contribution = Contribution {
            name: self.name,
            units: self.units,
            time: self.time,
            no_echo_value: self.no_echo_value,
            weighted_sum: expand(self.weighted_sum)?,
            weight: expand(self.weight)?,
        };
        Ok((
            self.radar,
            Share {
                scan_time: self.scan_time,
                qc_s: self.qc_s,
                grid_s: self.grid_s,
                qc_cpu_s: self.qc_cpu_s,
                grid_cpu_s: self.grid_cpu_s,
                contribution,
                zdr,
                zdr_column,
            },
        ))
    }
}

/// [`Core`] in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredCore {
    frames: Vec<(DateTime<Utc>, StoredArray)>,
    tracker: TrackerState,
    warnings: Option<WarningState>,
}

impl StoredCore {
    fn new(core: &Core) -> StoredCore {
        StoredCore {
            frames: core
                .frames
                .iter()
                .map(|f| (f.time, StoredArray::from_2d(&f.rain_mm_h)))
                .collect(),
            tracker: core.tracker.state(),
            warnings: core.warnings.clone(),
        }
    }

    fn restore(self, spec: &GridSpec) -> Result<Core> {
        let frames = self
            .frames
            .into_iter()
            .map(|(time, a)| {
                Ok(Frame {
                    time,
                    rain_mm_h: a.to_2d(spec.shape())?,
                })
            })
            .collect::<Result<VecDeque<_>>>()?;
        Ok(Core {
            frames,
            tracker: Tracker::from_state(spec.clone(), self.tracker)?,
            warnings: self.warnings,
        })
    }
}

/// The latest computed cycle: its shares and the state before it.
#[derive(Debug, Clone)]
pub(crate) struct LastCycle {
    /// Cycle index.
    pub index: i64,
    /// Its shares by radar id.
    pub shares: BTreeMap<String, Share>,
    /// The state before it was computed.
    pub before: Core,
}

/// Everything of a [`Nowcaster`](super::Nowcaster) but its caches.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    /// Newest scan time seen.
    pub clock: Option<DateTime<Utc>>,
    /// Shares of the cycles not yet computed, by cycle index and radar id.
    pub pending: BTreeMap<i64, BTreeMap<String, Share>>,
    /// The latest computed cycle.
    pub last: Option<LastCycle>,
    /// The state after the latest computed cycle.
    pub core: Core,
}

#[derive(Serialize, Deserialize)]
struct StoredState {
    version: u32,
    config: NowcasterConfig,
    clock: Option<DateTime<Utc>>,
    pending: Vec<(i64, Vec<StoredShare>)>,
    last: Option<(i64, Vec<StoredShare>, StoredCore)>,
    core: StoredCore,
}

fn stored_shares(shares: &BTreeMap<String, Share>) -> Vec<StoredShare> {
    shares
        .iter()
        .map(|(id, s)| StoredShare::new(id, s))
        .collect()
}

fn restored_shares(
    shares: Vec<StoredShare>,
    dim: (usize, usize, usize),
) -> Result<BTreeMap<String, Share>> {
    shares.into_iter().map(|s| s.restore(dim)).collect()
}

fn corrupt(reason: String) -> Error {
    Error::Decode {
        format: "Nowcaster state (CBOR)",
        source_name: "<state>".to_owned(),
        offset: 0,
        reason,
    }
}

/// Writes the snapshot to `path` (through a temporary file renamed into place, so a crash never leaves a
/// half-written state).
pub(crate) fn save(path: &Path, config: &NowcasterConfig, snapshot: &Snapshot) -> Result<()> {
    let stored = StoredState {
        version: STATE_VERSION,
        config: config.clone(),
        clock: snapshot.clock,
        pending: snapshot
            .pending
            .iter()
            .map(|(&k, shares)| (k, stored_shares(shares)))
            .collect(),
        last: snapshot.last.as_ref().map(|l| {
            (
                l.index,
                stored_shares(&l.shares),
                StoredCore::new(&l.before),
            )
        }),
        core: StoredCore::new(&snapshot.core),
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut writer = std::io::BufWriter::new(file);
    ciborium::into_writer(&stored, &mut writer).map_err(|e| {
        Error::io(
            &tmp,
            std::io::Error::other(format!("writing the state: {e}")),
        )
    })?;
    let file = writer
        .into_inner()
        .map_err(|e| Error::io(&tmp, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Reads a snapshot saved with `config`.
pub(crate) fn load(path: &Path, config: &NowcasterConfig, spec: &GridSpec) -> Result<Snapshot> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let stored: StoredState =
        ciborium::from_reader(std::io::BufReader::new(file)).map_err(|e| Error::Decode {
            format: "Nowcaster state (CBOR)",
            source_name: path.display().to_string(),
            offset: 0,
            reason: e.to_string(),
        })?;
    if stored.version != STATE_VERSION {
        return Err(Error::Unsupported(format!(
            "{}: state file version {} (this build reads version {STATE_VERSION})",
            path.display(),
            stored.version
        )));
    }
    if &stored.config != config {
        return Err(Error::parameter(
            "config",
            path.display(),
            "the state was saved with a different configuration; restore it with the same one \
             (or start afresh)",
        ));
    }
    let dim = (config.grid.heights_m.len(), spec.ny, spec.nx);
    let pending = stored
        .pending
        .into_iter()
        .map(|(k, shares)| Ok((k, restored_shares(shares, dim)?)))
        .collect::<Result<BTreeMap<_, _>>>()?;
    let last = stored
        .last
        .map(|(index, shares, before)| {
            Ok::<_, Error>(LastCycle {
                index,
                shares: restored_shares(shares, dim)?,
                before: before.restore(spec)?,
            })
        })
        .transpose()?;
    Ok(Snapshot {
        clock: stored.clock,
        pending,
        last,
        core: stored.core.restore(spec)?,
    })
}
