//! Scoring identified and tracked cells against the truth of a synthetic sequence.

use std::collections::HashMap;

use squall::cells::{
    CellFields, CellPipeline, FrameCells, IdentifyConfig, TrackEventKind, TrackerConfig,
};
use squall::geo::GridSpec;
use squall::synth::{
    CellId, CellSpec, CellTruth, EventKind, MotionField, SceneConfig, StormSequence,
};

/// Truth cells at least this large (area ≥ 35 dBZ, km²) count for the probability of detection.
pub const MIN_TRUTH_AREA_KM2: f64 = 10.0;
/// A detection and a truth cell match when their centroids are this close, m (or the truth centroid is inside
/// the detection's footprint).
pub const MATCH_DISTANCE_M: f64 = 5_000.0;

/// Counts over one or more sequences.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Truth cells (≥ 10 km², centroid inside the grid, resolvable), summed over frames.
    pub truth_cells: usize,
    /// Of those, matched by a detection.
    pub detected: usize,
    /// Detections.
    pub detections: usize,
    /// Detections matched by no truth cell at all.
    pub false_cells: usize,
    /// Detections whose truth cell (or its parents) was detected in the previous frame.
    pub links: usize,
    /// Of those, linked by the tracker to a detection of the same truth cell or of a parent.
    pub links_correct: usize,
    /// Truth merges (with both parents and the child detected).
    pub merges_truth: usize,
    /// Of those, reported by the tracker.
    pub merges_reported: usize,
    /// Truth splits.
    pub splits_truth: usize,
    /// Of those, reported.
    pub splits_reported: usize,
}

impl Evaluation {
    /// Sums another evaluation into this one.
    pub fn add(&mut self, o: &Evaluation) {
        self.truth_cells += o.truth_cells;
        self.detected += o.detected;
        self.detections += o.detections;
        self.false_cells += o.false_cells;
        self.links += o.links;
        self.links_correct += o.links_correct;
        self.merges_truth += o.merges_truth;
        self.merges_reported += o.merges_reported;
        self.splits_truth += o.splits_truth;
        self.splits_reported += o.splits_reported;
    }
    /// Probability of detection.
    pub fn pod(&self) -> f64 {
        self.detected as f64 / self.truth_cells.max(1) as f64
    }
    /// False-alarm ratio.
    pub fn far(&self) -> f64 {
        self.false_cells as f64 / self.detections.max(1) as f64
    }
    /// Fraction of correct links.
    pub fn link_accuracy(&self) -> f64 {
        self.links_correct as f64 / self.links.max(1) as f64
    }
}

/// Runs the default pipeline over every frame.
pub fn run(sequence: &StormSequence) -> (Vec<FrameCells>, CellPipeline) {
    let spec = sequence.frames[0].spec.clone();
    let mut pipeline =
        CellPipeline::new(spec, IdentifyConfig::default(), TrackerConfig::default()).unwrap();
    let frames = sequence
        .frames
        .iter()
        .map(|f| pipeline.process(f, &CellFields::default()).unwrap())
        .collect();
    (frames, pipeline)
}

/// The truth cells of a frame that show as their own reflectivity maximum: a pixel within 3 km of the centroid
/// that is at least as high as its 8 neighbours (and at least 35 dBZ), with no other truth centroid nearer to it.
/// A weak cell on the slope of a stronger neighbour, or two cells closer than their width, make one maximum in
/// the data: no method working on the field can see them apart.
pub fn resolvable(
    frame: &squall::geo::Grid2,
    truth: &[CellTruth],
) -> std::collections::HashSet<CellId> {
    let v = &frame.values;
    let (ny, nx) = v.dim();
    let mut out = std::collections::HashSet::new();
    for r in 1..ny - 1 {
        for c in 1..nx - 1 {
            let x = v[[r, c]];
            if x < 35.0 {
                continue;
            }
            let is_max = (r - 1..=r + 1).all(|rr| (c - 1..=c + 1).all(|cc| v[[rr, cc]] <= x));
            if !is_max {
                continue;
            }
            let nearest = truth
                .iter()
                .map(|t| {
                    (
                        (t.centroid_row - r as f64).hypot(t.centroid_col - c as f64),
                        t.id,
                    )
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((d, id)) = nearest {
                if d * frame.spec.dx.abs() <= 3_000.0 {
                    out.insert(id);
                }
            }
        }
    }
    out
}

fn inside(spec: &GridSpec, t: &CellTruth) -> bool {
    let margin = 3.0;
    t.centroid_row >= margin
        && t.centroid_col >= margin
        && t.centroid_row <= spec.ny as f64 - 1.0 - margin
        && t.centroid_col <= spec.nx as f64 - 1.0 - margin
}

/// One-to-one matches (detection index → truth id) of a frame, nearest first.
pub fn match_frame(
    spec: &GridSpec,
    frame: &FrameCells,
    truth: &[CellTruth],
) -> HashMap<usize, CellId> {
    let mut pairs = Vec::new();
    for (j, cell) in frame.cells.iter().enumerate() {
        for t in truth {
            let d = (cell.x_m - t.centroid_x_m).hypot(cell.y_m - t.centroid_y_m);
            let (r, c) = (t.centroid_row.round(), t.centroid_col.round());
            let covers = r >= 0.0
                && c >= 0.0
                && (r as usize) < spec.ny
                && (c as usize) < spec.nx
                && cell
                    .footprint
                    .binary_search(&((r as usize * spec.nx + c as usize) as u32))
                    .is_ok();
            if d <= MATCH_DISTANCE_M || covers {
                pairs.push((d, j, t.id));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = HashMap::new();
    let mut used = std::collections::HashSet::new();
    for (_, j, id) in pairs {
        if !out.contains_key(&j) && used.insert(id) {
            out.insert(j, id);
        }
    }
    out
}

/// Scores a run against the truth.
pub fn evaluate(sequence: &StormSequence, result: &(Vec<FrameCells>, CellPipeline)) -> Evaluation {
    let (frames, pipeline) = result;
    let spec = &sequence.frames[0].spec;
    let mut e = Evaluation::default();
    let mut matches: Vec<HashMap<usize, CellId>> = Vec::new();
    for (k, frame) in frames.iter().enumerate() {
        let truth = &sequence.truth[k].cells;
        let m = match_frame(spec, frame, truth);
        let found: std::collections::HashSet<CellId> = m.values().copied().collect();
        let visible = resolvable(&sequence.frames[k], truth);
        for t in truth {
            if t.area_km2_above_35dbz >= MIN_TRUTH_AREA_KM2
                && inside(spec, t)
                && visible.contains(&t.id)
            {
                e.truth_cells += 1;
                e.detected += usize::from(found.contains(&t.id));
            }
        }
        e.detections += frame.cells.len();
        // A detection with no one-to-one match may still sit on a truth cell (two detections of one cell count
        // once as a false cell only when it is not near any truth cell at all).
        for (j, cell) in frame.cells.iter().enumerate() {
            if m.contains_key(&j) {
                continue;
            }
            let near_any = truth.iter().any(|t| {
                (cell.x_m - t.centroid_x_m).hypot(cell.y_m - t.centroid_y_m)
                    <= 2.0 * MATCH_DISTANCE_M
            });
            if !near_any {
                e.false_cells += 1;
            }
        }
        matches.push(m);
    }
    // Links.
    let parents_of = |k: usize, id: CellId| -> Vec<CellId> {
        sequence.truth[k]
            .cell(id)
            .map(|c| c.parents.clone())
            .unwrap_or_default()
    };
    for k in 1..frames.len() {
        let prev_by_truth: HashMap<CellId, usize> =
            matches[k - 1].iter().map(|(&j, &id)| (id, j)).collect();
        for (&j, &id) in &matches[k] {
            let mut expected: Vec<CellId> = vec![id];
            expected.extend(parents_of(k, id));
            if !expected.iter().any(|t| prev_by_truth.contains_key(t)) {
                continue; // nothing to link to: a birth or the first detection
            }
            e.links += 1;
            let track = frames[k].cells[j].track;
            let Some(track) = track.and_then(|t| pipeline.tracker().track(t)) else {
                continue;
            };
            // The predecessor: the same track in frame k − 1, else the parent track(s) of a new track.
            let mut candidates = vec![track.id];
            if track.history.len() == 1 {
                candidates.extend(&track.parents);
            }
            let ok = frames[k - 1].cells.iter().enumerate().any(|(pj, pc)| {
                pc.track.is_some_and(|t| candidates.contains(&t))
                    && matches[k - 1]
                        .get(&pj)
                        .is_some_and(|pid| expected.contains(pid))
            });
            if ok {
                e.links_correct += 1;
            }
        }
    }
    // Events.
    let track_of = |k: usize, id: CellId| -> Option<u64> {
        matches[k]
            .iter()
            .find(|(_, t)| **t == id)
            .and_then(|(&j, _)| frames[k].cells[j].track)
    };
    let events = pipeline.tracker().events();
    for ev in &sequence.events {
        let Some(f) = ev.first_frame else { continue };
        match ev.kind {
            EventKind::Merge => {
                // The last frame where both parents were detected apart.
                let Some(k) = (0..f).rev().find(|&k| {
                    let (a, b) = (track_of(k, ev.parents[0]), track_of(k, ev.parents[1]));
                    a.is_some() && b.is_some() && a != b
                }) else {
                    continue;
                };
                e.merges_truth += 1;
                let (a, b) = (
                    track_of(k, ev.parents[0]).unwrap(),
                    track_of(k, ev.parents[1]).unwrap(),
                );
                let t_lo = frames[k].time;
                let t_hi = frames[(f + 3).min(frames.len() - 1)].time;
                if events.iter().any(|x| {
                    x.kind == TrackEventKind::Merge
                        && x.time > t_lo
                        && x.time <= t_hi
                        && x.parents.contains(&a)
                        && x.parents.contains(&b)
                }) {
                    e.merges_reported += 1;
                } else {
                    eprintln!("merge not reported: {ev:?} tracks {a} {b}; events {events:?}");
                }
            }
            EventKind::Split => {
                let Some(g) = (f..frames.len()).find(|&k| {
                    let (a, b) = (track_of(k, ev.children[0]), track_of(k, ev.children[1]));
                    a.is_some() && b.is_some() && a != b
                }) else {
                    continue;
                };
                e.splits_truth += 1;
                let (a, b) = (
                    track_of(g, ev.children[0]).unwrap(),
                    track_of(g, ev.children[1]).unwrap(),
                );
                let t_lo = frames[f.saturating_sub(1)].time;
                let t_hi = frames[g].time;
                if events.iter().any(|x| {
                    x.kind == TrackEventKind::Split
                        && x.time > t_lo
                        && x.time <= t_hi
                        && x.children.contains(&a)
                        && x.children.contains(&b)
                }) {
                    e.splits_reported += 1;
                } else {
                    eprintln!("split not reported: {ev:?} tracks {a} {b}; events {events:?}");
                }
            }
        }
    }
    e
}

/// Five steady cells in a north–south line, `spacing_m` apart, moving east at 10 m/s, on a 160-km grid.
pub fn line_scene(spacing_m: f64) -> SceneConfig {
    let spec = GridSpec::centred_on(23.0, 113.0, 160, 1_000.0).unwrap();
    let mut config = SceneConfig::new(5, spec);
    config.motion = MotionField::Uniform { u: 10.0, v: 0.0 };
    for i in 0..5 {
        let y = (i as f64 - 2.0) * spacing_m;
        let mut cell = CellSpec::new(
            CellId(i + 1),
            -40_000.0,
            y,
            50.0 + 2.0 * (i % 2) as f64,
            4_500.0,
        );
        cell.aspect_ratio = 1.1;
        config.cells.push(cell);
    }
    config
}
