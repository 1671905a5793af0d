//! Streaming cell tracking: the cells of each new scan are linked to the tracks of the previous ones.
//!
//! For each active track the last footprint is moved by the track's forecast displacement (its weighted
//! least-squares velocity, else the motion field at its centroid, else the mean velocity of the tracks matched in
//! the previous scan) and overlapped with the new cells. The links are then chosen by optimal assignment
//! (Kuhn–Munkres) on TITAN's cost — distance between the forecast and the new centroid (km) plus the change of
//! size `|√A₂ − √A₁|` (km) — minus a bonus for overlap, with a speed limit. Tracks left over that overlap a cell
//! continued by another track have **merged** into it; cells left over that overlap the footprint of a track
//! continued by another cell have **split** from it; the rest are births and coasting tracks (kept for
//! `max_gap_scans` scans before ending).
//!
//! # References
//! Dixon, M. and Wiener, G., 1993: TITAN, *J. Atmos. Oceanic Technol.*, **10**, 785–797,
//! doi:10.1175/1520-0426(1993)010<0785:TTITAA>2.0.CO;2 (overlap test, optimal assignment cost, speed limit,
//! merge/split parent and child links). Munkres, J., 1957: Algorithms for the assignment and transportation
//! problems, *J. SIAM*, **5**, 32–38, doi:10.1137/0105003.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ndarray::ArrayView3;
use pathfinding::prelude::{Matrix, kuhn_munkres};
use serde::{Deserialize, Serialize};

use super::forecast::velocity_of;
use super::properties::Cell;
use crate::error::{Error, Result};
use crate::geo::GridSpec;

/// Settings of the tracker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerConfig {
    /// Fastest plausible cell motion, m s⁻¹ (TITAN: 100 km h⁻¹).
    pub max_speed_mps: f64,
    /// Scans a track may go unseen before it ends.
    pub max_gap_scans: usize,
    /// Overlap (of a moved track footprint with a cell, as a fraction of the smaller of the two) from which a
    /// left-over track or cell is taken as part of a merge or split.
    pub event_overlap: f64,
    /// Weight of the overlap bonus in the assignment cost, km per unit of `overlap/A₁ + overlap/A₂`.
    pub overlap_bonus_km: f64,
    /// Scans of history used for the velocity (TITAN: 7, weights 1.0 → 0.4, newest first).
    pub history_scans: usize,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            max_speed_mps: 100.0 / 3.6,
            max_gap_scans: 2,
            event_overlap: 0.2,
            overlap_bonus_km: 10.0,
            history_scans: 7,
        }
    }
}

/// How a track ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "into", rename_all = "snake_case")]
pub enum TrackEnd {
    /// Not seen for more than `max_gap_scans` scans.
    Lost,
    /// Merged into this track.
    Merged(u64),
}

/// A track: the cells of one storm over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    /// Identifier, unique within a tracker (from 1).
    pub id: u64,
    /// Tracks it came from: the track it split from, or the tracks that merged into a new one.
    pub parents: Vec<u64>,
    /// Tracks that split from it or that it merged into.
    pub children: Vec<u64>,
    /// Its cells, oldest first.
    pub history: Vec<Cell>,
    /// Velocity `(u, v)` of the centroid, m s⁻¹ (east, north in projection coordinates).
    pub velocity_mps: (f64, f64),
    /// Scans in a row without a cell (0 when seen in the last scan).
    pub missed_scans: usize,
    /// Distances between the forecast and the observed centroid at each continuation, m.
    pub position_errors_m: Vec<f64>,
    /// Set once the track has ended.
    pub ended: Option<TrackEnd>,
    /// Scans it was seen in (history length) plus gaps bridged.
    pub gaps_bridged: usize,
}

impl Track {
    /// The last cell.
    pub fn last(&self) -> &Cell {
        // A track is created with one cell and never loses it.
        &self.history[self.history.len() - 1]
    }

    /// Root-mean-square of the past forecast position errors, m (`None` before the first continuation).
    pub fn rms_error_m(&self) -> Option<f64> {
        let n = self.position_errors_m.len();
        (n > 0)
            .then(|| (self.position_errors_m.iter().map(|e| e * e).sum::<f64>() / n as f64).sqrt())
    }

    /// Whether the track is still active.
    pub fn is_active(&self) -> bool {
        self.ended.is_none()
    }
}

/// Kind of a track event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackEventKind {
    /// Several tracks became one.
    Merge,
    /// One track became several.
    Split,
}

/// A merge or split, with parents and children as track ids. The track that goes on through the event is in
/// both lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackEvent {
    /// Merge or split.
    pub kind: TrackEventKind,
    /// Time of the scan that showed it.
    pub time: DateTime<Utc>,
    /// Tracks before.
    pub parents: Vec<u64>,
    /// Tracks after.
    pub children: Vec<u64>,
}

/// The state of a [`Tracker`] between scans, serialisable (serde) so that a restarted process continues the same
/// tracks ([`Tracker::state`], [`Tracker::from_state`]). Unlike [`Cell`]'s own serialisation it keeps the
/// footprints the overlap matching needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerState {
    config: TrackerConfig,
    tracks: Vec<Track>,
    /// Per track, per history cell, the footprint indices.
    footprints: Vec<Vec<Vec<u32>>>,
    events: Vec<TrackEvent>,
    last_time: Option<DateTime<Utc>>,
    next_id: u64,
    steering_mps: (f64, f64),
}

/// The streaming tracker.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackerConfig,
    spec: GridSpec,
    tracks: Vec<Track>,
    events: Vec<TrackEvent>,
    last_time: Option<DateTime<Utc>>,
    next_id: u64,
    steering_mps: (f64, f64),
}

impl Tracker {
    /// A tracker for cells on a grid.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a non-positive speed limit or event overlap outside (0, 1].
    pub fn new(spec: GridSpec, config: TrackerConfig) -> Result<Tracker> {
        if !(config.max_speed_mps > 0.0 && config.max_speed_mps.is_finite()) {
            return Err(Error::parameter(
                "max_speed_mps",
                config.max_speed_mps,
                "must be positive",
            ));
        }
        if !(config.event_overlap > 0.0 && config.event_overlap <= 1.0) {
            return Err(Error::parameter(
                "event_overlap",
                config.event_overlap,
                "must be in (0, 1]",
            ));
        }
        Ok(Tracker {
            config,
            spec,
            tracks: Vec::new(),
            events: Vec::new(),
            last_time: None,
            next_id: 1,
            steering_mps: (0.0, 0.0),
        })
    }

    /// Every track so far (active and ended), in order of creation.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The track with this id.
    pub fn track(&self, id: u64) -> Option<&Track> {
        self.tracks
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .map(|i| &self.tracks[i])
    }

    /// Merges and splits so far, in time order.
    pub fn events(&self) -> &[TrackEvent] {
        &self.events
    }

    /// Mean velocity of the tracks continued in the last scan, m s⁻¹: the first guess for new tracks.
    pub fn steering_mps(&self) -> (f64, f64) {
        self.steering_mps
    }

    /// The grid of the cells.
    pub fn spec(&self) -> &GridSpec {
        &self.spec
    }

    /// The tracker's state between scans (footprints included), to save and later continue with
    /// [`Tracker::from_state`].
    pub fn state(&self) -> TrackerState {
        TrackerState {
            config: self.config.clone(),
            footprints: self
                .tracks
                .iter()
                .map(|t| t.history.iter().map(|c| c.footprint.clone()).collect())
                .collect(),
            tracks: self.tracks.clone(),
            events: self.events.clone(),
            last_time: self.last_time,
            next_id: self.next_id,
            steering_mps: self.steering_mps,
        }
    }

    /// A tracker continuing from a saved [`TrackerState`] on the grid `spec` it was made on: it links the next
    /// scan exactly as the tracker that was saved would have.
    ///
    /// # Errors
    /// As [`Tracker::new`] for the saved settings; [`Error::Shape`] when the saved footprints do not match the
    /// tracks or lie outside the grid.
    pub fn from_state(spec: GridSpec, state: TrackerState) -> Result<Tracker> {
        let mut tracker = Tracker::new(spec, state.config)?;
        let n_cells = (tracker.spec.ny * tracker.spec.nx) as u64;
        let counts = |t: &[Track]| t.iter().map(|t| t.history.len()).collect::<Vec<_>>();
        let footprint_counts: Vec<usize> = state.footprints.iter().map(Vec::len).collect();
        if counts(&state.tracks) != footprint_counts
            || state
                .footprints
                .iter()
                .flatten()
                .flatten()
                .any(|&i| u64::from(i) >= n_cells)
        {
            return Err(Error::Shape {
                what: "saved tracker footprints".into(),
                expected: format!(
                    "one per cell of {:?}, inside the grid",
                    counts(&state.tracks)
                ),
                found: format!("{footprint_counts:?}"),
            });
        }
        let mut tracks = state.tracks;
        for (track, footprints) in tracks.iter_mut().zip(state.footprints) {
            for (cell, footprint) in track.history.iter_mut().zip(footprints) {
                cell.footprint = footprint;
            }
        }
        tracker.tracks = tracks;
        tracker.events = state.events;
        tracker.last_time = state.last_time;
        tracker.next_id = state.next_id;
        tracker.steering_mps = state.steering_mps;
        Ok(tracker)
    }

    /// Links the cells of a new scan to the tracks; sets each cell's `track` and returns the cells' track ids (in
    /// the order of `cells`).
    ///
    /// `cells` must be on the tracker's grid (their `footprint` indices refer to it).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `time` is not after the previous scan or a footprint index is outside the grid.
    pub fn update(&mut self, cells: &mut [Cell], time: DateTime<Utc>) -> Result<Vec<u64>> {
        self.update_with_motion(cells, time, None)
    }

    /// As [`Tracker::update`], with a motion field `(2, ny, nx)` in pixels per `motion_step_s` (columns, rows; as
    /// [`crate::motion`]) used to move tracks that have no velocity of their own yet.
    ///
    /// # Errors
    /// As [`Tracker::update`]; [`Error::Shape`] for a motion field not `(2, ny, nx)`.
    pub fn update_with_motion(
        &mut self,
        cells: &mut [Cell],
        time: DateTime<Utc>,
        motion: Option<(ArrayView3<'_, f32>, f64)>,
    ) -> Result<Vec<u64>> {
        if let Some(last) = self.last_time {
            if time <= last {
                return Err(Error::parameter(
                    "time",
                    time,
                    format!("must be after the previous scan ({last})"),
                ));
            }
        }
        let (ny, nx) = self.spec.shape();
        if let Some((m, _)) = motion {
            if m.dim() != (2, ny, nx) {
                return Err(Error::Shape {
                    what: "motion field".into(),
                    expected: format!("(2, {ny}, {nx})"),
                    found: format!("{:?}", m.dim()),
                });
            }
        }
        let n_pixels = (ny * nx) as u32;
        if let Some(bad) = cells
            .iter()
            .flat_map(|c| &c.footprint)
            .find(|&&p| p >= n_pixels)
        {
            return Err(Error::parameter(
                "cells",
                bad,
                "footprint index outside the tracker's grid",
            ));
        }
        // Label map of the new cells: index + 1, 0 outside (zeroed memory: only the pages with cells are touched).
        let mut label = vec![0u32; ny * nx];
        for (j, c) in cells.iter().enumerate() {
            for &p in &c.footprint {
                label[p as usize] = j as u32 + 1;
            }
        }
        let active: Vec<usize> = (0..self.tracks.len())
            .filter(|&i| self.tracks[i].is_active())
            .collect();
        // Forecast displacement and overlaps of each active track.
        let mut predicted = Vec::with_capacity(active.len());
        let mut overlaps: Vec<HashMap<usize, usize>> = Vec::with_capacity(active.len());
        for &ti in &active {
            let track = &self.tracks[ti];
            let last = track.last();
            let dt = last
                .time
                .map_or(0.0, |t| (time - t).num_milliseconds() as f64 / 1000.0);
            let (u, v) = if track.history.len() >= 2 {
                track.velocity_mps
            } else if let Some((m, step)) = motion {
                let (r, c) = (
                    last.row.round().clamp(0.0, (ny - 1) as f64) as usize,
                    last.col.round().clamp(0.0, (nx - 1) as f64) as usize,
                );
                let (pc, pr) = (f64::from(m[[0, r, c]]), f64::from(m[[1, r, c]]));
                if pc.is_finite() && pr.is_finite() && step > 0.0 {
                    (pc * self.spec.dx / step, pr * self.spec.dy / step)
                } else {
                    self.steering_mps
                }
            } else {
                self.steering_mps
            };
            let (px, py) = (last.x_m + u * dt, last.y_m + v * dt);
            let shift_c = (u * dt / self.spec.dx).round() as i64;
            let shift_r = (v * dt / self.spec.dy).round() as i64;
            let mut counts: HashMap<usize, usize> = HashMap::new();
            for &p in &last.footprint {
                let r = (p as usize / nx) as i64 + shift_r;
                let c = (p as usize % nx) as i64 + shift_c;
                if r >= 0 && c >= 0 && (r as usize) < ny && (c as usize) < nx {
                    let j = label[r as usize * nx + c as usize];
                    if j != 0 {
                        *counts.entry(j as usize - 1).or_default() += 1;
                    }
                }
            }
            predicted.push((px, py, dt));
            overlaps.push(counts);
        }
        // Optimal assignment: rows = tracks, columns = cells + one "no cell" column per track.
        let (nt, nc) = (active.len(), cells.len());
        let mut assigned_cell: Vec<Option<usize>> = vec![None; nt];
        if nt > 0 && nc > 0 {
            const SCALE: f64 = 1000.0;
            let big = 1_000.0; // km: a cost at or above this is never taken
            // Significant overlaps claim: a cell that overlaps some tracks' moved footprints is only linked to one
            // of those, and such a track only to one of the cells it overlaps (a split child must not be taken by
            // an unrelated track passing nearby).
            let significant = |k: usize, j: usize| {
                let ov = overlaps[k].get(&j).copied().unwrap_or(0);
                let a1 = self.tracks[active[k]].last().footprint.len().max(1);
                let a2 = cells[j].footprint.len().max(1);
                ov as f64 >= self.config.event_overlap * a1.min(a2) as f64
            };
            let mut cell_claimed = vec![false; nc];
            let mut track_claims = vec![false; nt];
            for k in 0..nt {
                for &j in overlaps[k].keys() {
                    if significant(k, j) {
                        cell_claimed[j] = true;
                        track_claims[k] = true;
                    }
                }
            }
            // Weights of the feasible links (track k, cell j).
            let mut links: Vec<(usize, usize, i64)> = Vec::new();
            for (k, &ti) in active.iter().enumerate() {
                let last = self.tracks[ti].last();
                let (px, py, dt) = predicted[k];
                let reach_km = self.config.max_speed_mps * dt.max(1.0) / 1000.0;
                let a1 = last.footprint.len().max(1) as f64;
                for (j, cell) in cells.iter().enumerate() {
                    let dist_km = (cell.x_m - px).hypot(cell.y_m - py) / 1000.0;
                    let moved_km = (cell.x_m - last.x_m).hypot(cell.y_m - last.y_m) / 1000.0;
                    let ov = overlaps[k].get(&j).copied().unwrap_or(0) as f64;
                    let unclaimed = (cell_claimed[j] || track_claims[k]) && !significant(k, j);
                    if (moved_km > reach_km && ov == 0.0) || unclaimed {
                        continue;
                    }
                    let a2 = cell.footprint.len().max(1) as f64;
                    let size_km = (cell.area_km2.sqrt() - last.area_km2.sqrt()).abs();
                    let bonus = self.config.overlap_bonus_km * (ov / a1 + ov / a2);
                    let cost = dist_km + size_km - bonus;
                    links.push((k, j, ((big - cost) * SCALE) as i64));
                }
            }
            // A track left without a cell is always possible, so an infeasible link is never part of the optimum:
            // the assignment falls apart into independent problems, one per group of tracks and cells joined by
            // feasible links, each solved on its own (rows = its tracks, columns = its cells + one "no cell"
            // column per track).
            for (tracks, group_cells, group_links) in link_groups(nt, nc, &links) {
                let (gt, gc) = (tracks.len(), group_cells.len());
                let mut weights = Matrix::new(gt, gc + gt, 0i64);
                for c in 0..gc {
                    for r in 0..gt {
                        weights[(r, c)] = -((big * SCALE) as i64);
                    }
                }
                for &(r, c, w) in &group_links {
                    weights[(r, c)] = w;
                }
                let (_, assignment) = kuhn_munkres(&weights);
                for (r, &c) in assignment.iter().enumerate() {
                    if c < gc && weights[(r, c)] > 0 {
                        assigned_cell[tracks[r]] = Some(group_cells[c]);
                    }
                }
            }
        }
        let mut cell_track: Vec<Option<u64>> = vec![None; nc];
        let mut continued = Vec::new();
        for (k, &ti) in active.iter().enumerate() {
            if let Some(j) = assigned_cell[k] {
                cell_track[j] = Some(self.tracks[ti].id);
                continued.push((ti, j, predicted[k]));
            }
        }
        // Merges: left-over tracks overlapping a cell continued by another track.
        let mut merges: HashMap<usize, Vec<u64>> = HashMap::new();
        for (k, &ti) in active.iter().enumerate() {
            if assigned_cell[k].is_some() {
                continue;
            }
            let a1 = self.tracks[ti].last().footprint.len().max(1);
            let best = overlaps[k]
                .iter()
                .map(|(&j, &ov)| {
                    (
                        j,
                        ov as f64 / a1.min(cells[j].footprint.len().max(1)) as f64,
                    )
                })
                .filter(|&(_, f)| f >= self.config.event_overlap)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((j, _)) = best {
                if cell_track[j].is_some() {
                    merges.entry(j).or_default().push(self.tracks[ti].id);
                }
            }
        }
        // Splits: left-over cells overlapping the moved footprint of a track continued by another cell.
        let mut splits: HashMap<u64, Vec<usize>> = HashMap::new();
        for j in 0..nc {
            if cell_track[j].is_some() {
                continue;
            }
            let a2 = cells[j].footprint.len().max(1);
            let best = active
                .iter()
                .enumerate()
                .filter(|(k, _)| assigned_cell[*k].is_some())
                .filter_map(|(k, &ti)| {
                    let ov = overlaps[k].get(&j).copied()? as f64;
                    let a1 = self.tracks[ti].last().footprint.len().max(1);
                    Some((ti, ov / a1.min(a2) as f64))
                })
                .filter(|&(_, f)| f >= self.config.event_overlap)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((ti, _)) = best {
                splits.entry(self.tracks[ti].id).or_default().push(j);
            }
        }
        // Apply continuations.
        let mut velocities = Vec::new();
        for &(ti, j, (px, py, _)) in &continued {
            let mut cell = cells[j].clone();
            cell.track = Some(self.tracks[ti].id);
            let track = &mut self.tracks[ti];
            track
                .position_errors_m
                .push((cell.x_m - px).hypot(cell.y_m - py));
            if track.missed_scans > 0 {
                track.gaps_bridged += 1;
            }
            track.missed_scans = 0;
            track.history.push(cell);
            track.velocity_mps = velocity_of(&track.history, self.config.history_scans)
                .unwrap_or(track.velocity_mps);
            velocities.push(track.velocity_mps);
        }
        if !velocities.is_empty() {
            let n = velocities.len() as f64;
            self.steering_mps = (
                velocities.iter().map(|v| v.0).sum::<f64>() / n,
                velocities.iter().map(|v| v.1).sum::<f64>() / n,
            );
        }
        // Merge records.
        let mut merge_list: Vec<(usize, Vec<u64>)> = merges.into_iter().collect();
        merge_list.sort_by_key(|(j, _)| *j);
        for (j, absorbed) in merge_list {
            let Some(survivor) = cell_track[j] else {
                continue;
            };
            let mut parents = vec![survivor];
            parents.extend(&absorbed);
            for &a in &absorbed {
                if let Some(t) = self.track_mut(a) {
                    t.ended = Some(TrackEnd::Merged(survivor));
                    t.children.push(survivor);
                }
            }
            self.events.push(TrackEvent {
                kind: TrackEventKind::Merge,
                time,
                parents,
                children: vec![survivor],
            });
        }
        // New tracks: split children and births.
        let mut split_list: Vec<(u64, Vec<usize>)> = splits.into_iter().collect();
        split_list.sort_by_key(|(id, _)| *id);
        let mut split_parent: HashMap<usize, u64> = HashMap::new();
        for (parent, js) in &split_list {
            for &j in js {
                split_parent.insert(j, *parent);
            }
        }
        for j in 0..nc {
            if cell_track[j].is_some() {
                continue;
            }
            let id = self.next_id;
            self.next_id += 1;
            let parents: Vec<u64> = split_parent.get(&j).copied().into_iter().collect();
            let velocity = parents
                .first()
                .and_then(|&p| self.track(p))
                .map_or(self.steering_mps, |t| t.velocity_mps);
            let mut cell = cells[j].clone();
            cell.track = Some(id);
            cell_track[j] = Some(id);
            self.tracks.push(Track {
                id,
                parents,
                children: Vec::new(),
                history: vec![cell],
                velocity_mps: velocity,
                missed_scans: 0,
                position_errors_m: Vec::new(),
                ended: None,
                gaps_bridged: 0,
            });
        }
        for (parent, js) in split_list {
            let mut children = vec![parent];
            children.extend(js.iter().filter_map(|&j| cell_track[j]));
            if let Some(t) = self.track_mut(parent) {
                t.children.extend(&children[1..]);
            }
            self.events.push(TrackEvent {
                kind: TrackEventKind::Split,
                time,
                parents: vec![parent],
                children,
            });
        }
        // Coasting and lost tracks.
        for (k, &ti) in active.iter().enumerate() {
            let track = &mut self.tracks[ti];
            if assigned_cell[k].is_some() || track.ended.is_some() {
                continue;
            }
            track.missed_scans += 1;
            if track.missed_scans > self.config.max_gap_scans {
                track.ended = Some(TrackEnd::Lost);
            }
        }
        self.last_time = Some(time);
        let ids: Vec<u64> = cell_track.iter().map(|t| t.unwrap_or(0)).collect();
        for (cell, &id) in cells.iter_mut().zip(&ids) {
            cell.track = Some(id);
        }
        Ok(ids)
    }

    /// Forgets the ended tracks last seen before `before` (with their history) and the merge and split events
    /// before it, so that a long-running tracker's state stays bounded; returns how many tracks were removed.
    /// Active tracks are untouched (their links, velocities and histories do not depend on ended tracks), so the
    /// next scans are linked as without pruning; only the lookups of removed tracks ([`Tracker::track`]) and the
    /// ids in the remaining tracks' `parents`/`children` that point to them change.
    pub fn prune_ended(&mut self, before: DateTime<Utc>) -> usize {
        let n = self.tracks.len();
        self.tracks
            .retain(|t| t.is_active() || t.last().time.is_none_or(|last| last >= before));
        self.events.retain(|e| e.time >= before);
        n - self.tracks.len()
    }

    fn track_mut(&mut self, id: u64) -> Option<&mut Track> {
        self.tracks
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .map(|i| &mut self.tracks[i])
    }
}

/// A group of the assignment: its tracks, its cells and its links as (row, column, weight) into them.
type LinkGroup = (Vec<usize>, Vec<usize>, Vec<(usize, usize, i64)>);

/// Splits the links `(track, cell, weight)` between `nt` tracks and `nc` cells into connected groups (only
/// groups with at least one link; tracks and cells without links are left out).
fn link_groups(nt: usize, nc: usize, links: &[(usize, usize, i64)]) -> Vec<LinkGroup> {
    // Union–find over tracks 0..nt and cells nt..nt + nc.
    let mut parent: Vec<usize> = (0..nt + nc).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for &(k, j, _) in links {
        let (a, b) = (root(&mut parent, k), root(&mut parent, nt + j));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut group_of_root = vec![usize::MAX; nt + nc];
    let mut local = vec![usize::MAX; nt + nc];
    let mut groups: Vec<LinkGroup> = Vec::new();
    for &(k, j, w) in links {
        let g = root(&mut parent, k);
        if group_of_root[g] == usize::MAX {
            group_of_root[g] = groups.len();
            groups.push((Vec::new(), Vec::new(), Vec::new()));
        }
        let group = &mut groups[group_of_root[g]];
        if local[k] == usize::MAX {
            local[k] = group.0.len();
            group.0.push(k);
        }
        if local[nt + j] == usize::MAX {
            local[nt + j] = group.1.len();
            group.1.push(j);
        }
        group.2.push((local[k], local[nt + j], w));
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::link_groups;

    #[test]
    fn links_fall_into_independent_groups() {
        // Tracks 0 and 1 compete for cell 0, track 1 may also take cell 1; track 2 only sees cell 3; track 3 and
        // cell 2 have no link.
        let links = [(0, 0, 5), (1, 0, 7), (1, 1, 3), (2, 3, 9)];
        let groups = link_groups(4, 4, &links);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, vec![0, 1]);
        assert_eq!(groups[0].1, vec![0, 1]);
        assert_eq!(groups[0].2, vec![(0, 0, 5), (1, 0, 7), (1, 1, 3)]);
        assert_eq!(groups[1].0, vec![2]);
        assert_eq!(groups[1].1, vec![3]);
        assert_eq!(groups[1].2, vec![(0, 0, 9)]);
        assert!(link_groups(3, 3, &[]).is_empty());
    }
}
