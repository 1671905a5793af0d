//! Lagrangian kinematics of a scene: births, advection, scripted merges and splits, deaths, snapshots per frame.
//!
//! Between consecutive breakpoints (frame times, births, event times) every centroid and every stratiform blob is
//! advected with classical Runge–Kutta sub-steps of at most `timestep_s / substeps`; merge convergence and split
//! separation are applied after each flow step (operator splitting), so that merging parents meet exactly at the
//! merge time whatever the flow.

use super::cells::{CellEvent, CellId, CellSpec, CellTruth};
use super::scene::{EventKind, EventTruth, SceneConfig};
use crate::error::{Error, Result};

/// Times closer than this (s) are the same instant.
const EPS_S: f64 = 1e-6;

/// What the simulation hands to the renderer.
pub(crate) struct Trajectories {
    /// Alive cells per frame, sorted by id.
    pub cells: Vec<Vec<CellTruth>>,
    /// Stratiform blob positions per frame.
    pub blobs: Vec<Vec<(f64, f64)>>,
    /// The merges and splits that happened.
    pub events: Vec<EventTruth>,
}

#[derive(Debug, Clone, Copy)]
enum Drift {
    Flow,
    Closing {
        partner: CellId,
        until_s: f64,
        axis_rad: f64,
    },
    Separating {
        velocity: (f64, f64),
        until_s: f64,
    },
}

#[derive(Debug, Clone)]
struct Active {
    spec: CellSpec,
    parents: Vec<CellId>,
    x: f64,
    y: f64,
    drift: Drift,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Birth(usize),
    Complete(usize),
    ApproachStart(usize),
}

/// Runs the kinematics of a validated configuration; `blobs0` are the initial blob positions (at t = 0).
pub(crate) fn simulate(config: &SceneConfig, blobs0: Vec<(f64, f64)>) -> Result<Trajectories> {
    let mut actions: Vec<(f64, Action)> = Vec::new();
    let mut extra_breaks: Vec<f64> = Vec::new();
    for (i, cell) in config.cells.iter().enumerate() {
        actions.push((cell.birth_s, Action::Birth(i)));
    }
    for (i, event) in config.events.iter().enumerate() {
        match *event {
            CellEvent::Merge {
                time_s, approach_s, ..
            } => {
                if approach_s > EPS_S {
                    actions.push((time_s - approach_s, Action::ApproachStart(i)));
                }
                actions.push((time_s, Action::Complete(i)));
            }
            CellEvent::Split {
                time_s, duration_s, ..
            } => {
                actions.push((time_s, Action::Complete(i)));
                extra_breaks.push(time_s + duration_s);
            }
        }
    }
    actions.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let frame_times: Vec<f64> = (0..config.n_frames)
        .map(|k| k as f64 * config.timestep_s)
        .collect();
    let t_end = frame_times.last().copied().unwrap_or(0.0);
    let mut breaks: Vec<f64> = frame_times
        .iter()
        .copied()
        .chain(actions.iter().map(|a| a.0))
        .chain(extra_breaks)
        .filter(|&t| t <= t_end + EPS_S)
        .collect();
    breaks.sort_by(f64::total_cmp);
    breaks.dedup_by(|a, b| (*a - *b).abs() < EPS_S);

    let mut sim = Simulation {
        config,
        active: Vec::new(),
        blobs: blobs0,
        events: Vec::new(),
    };
    let max_dt = config.timestep_s / config.substeps.max(1) as f64;
    let mut out = Trajectories {
        cells: Vec::with_capacity(config.n_frames),
        blobs: Vec::with_capacity(config.n_frames),
        events: Vec::new(),
    };
    let mut next_action = 0;
    let mut next_frame = 0;
    let mut t = breaks.first().copied().unwrap_or(0.0);
    for &tb in &breaks {
        if tb > t {
            let n = ((tb - t) / max_dt - 1e-9).ceil().max(1.0) as usize;
            let dt = (tb - t) / n as f64;
            for i in 0..n {
                sim.substep(t + i as f64 * dt, dt);
            }
        }
        t = tb;
        while next_action < actions.len() && actions[next_action].0 <= t + EPS_S {
            sim.act(actions[next_action].1, t)?;
            next_action += 1;
        }
        sim.expire(t);
        if next_frame < frame_times.len() && (frame_times[next_frame] - t).abs() < EPS_S {
            let mut cells: Vec<CellTruth> = sim.active.iter().map(|c| sim.truth(c, t)).collect();
            cells.sort_by_key(|c| c.id);
            for event in sim.events.iter_mut() {
                if event.first_frame.is_none() && event.time_s <= t + EPS_S {
                    event.first_frame = Some(next_frame);
                }
            }
            out.cells.push(cells);
            out.blobs.push(sim.blobs.clone());
            next_frame += 1;
        }
    }
    out.events = sim.events;
    Ok(out)
}

struct Simulation<'a> {
    config: &'a SceneConfig,
    active: Vec<Active>,
    blobs: Vec<(f64, f64)>,
    events: Vec<EventTruth>,
}

impl Simulation<'_> {
    fn index(&self, id: CellId) -> Option<usize> {
        self.active.iter().position(|c| c.spec.id == id)
    }

    fn alive_index(&self, id: CellId, t: f64, what: &str) -> Result<usize> {
        self.index(id)
            .filter(|&i| {
                let c = &self.active[i].spec;
                c.life.is_alive(t - c.birth_s)
            })
            .ok_or_else(|| {
                Error::parameter(
                    "events",
                    format!("{what} at t = {t} s"),
                    format!("{id} is not alive then"),
                )
            })
    }

    fn substep(&mut self, t: f64, dt: f64) {
        let motion = self.config.motion;
        for c in &mut self.active {
            (c.x, c.y) = motion.rk4_step(c.x, c.y, c.spec.propagation_mps, dt);
            if let Drift::Separating { velocity, until_s } = c.drift {
                if t + dt <= until_s + EPS_S {
                    c.x += velocity.0 * dt;
                    c.y += velocity.1 * dt;
                }
            }
        }
        for i in 0..self.active.len() {
            let Drift::Closing {
                partner, until_s, ..
            } = self.active[i].drift
            else {
                continue;
            };
            if partner < self.active[i].spec.id {
                continue;
            }
            let Some(j) = self.index(partner) else {
                continue;
            };
            let fraction = (dt / (until_s - t)).min(1.0);
            let (a, b) = (&self.active[i], &self.active[j]);
            let mid = (0.5 * (a.x + b.x), 0.5 * (a.y + b.y));
            for k in [i, j] {
                let c = &mut self.active[k];
                c.x += (mid.0 - c.x) * fraction;
                c.y += (mid.1 - c.y) * fraction;
            }
        }
        if t >= -EPS_S {
            for p in &mut self.blobs {
                *p = motion.rk4_step(p.0, p.1, (0.0, 0.0), dt);
            }
        }
    }

    fn act(&mut self, action: Action, t: f64) -> Result<()> {
        match action {
            Action::Birth(i) => {
                let spec = self.config.cells[i].clone();
                self.active.push(Active {
                    x: spec.x_m,
                    y: spec.y_m,
                    spec,
                    parents: Vec::new(),
                    drift: Drift::Flow,
                });
            }
            Action::ApproachStart(e) => {
                let CellEvent::Merge {
                    parents, time_s, ..
                } = self.config.events[e]
                else {
                    return Ok(());
                };
                let ia = self.alive_index(parents[0], t, "start of merge")?;
                let ib = self.alive_index(parents[1], t, "start of merge")?;
                for &k in &[ia, ib] {
                    if !matches!(self.active[k].drift, Drift::Flow) {
                        return Err(Error::parameter(
                            "events",
                            format!("merge at t = {time_s} s"),
                            format!("{} is already merging or splitting", self.active[k].spec.id),
                        ));
                    }
                }
                let axis_rad = (self.active[ib].y - self.active[ia].y)
                    .atan2(self.active[ib].x - self.active[ia].x);
                self.active[ia].drift = Drift::Closing {
                    partner: parents[1],
                    until_s: time_s,
                    axis_rad,
                };
                self.active[ib].drift = Drift::Closing {
                    partner: parents[0],
                    until_s: time_s,
                    axis_rad,
                };
            }
            Action::Complete(e) => match self.config.events[e] {
                CellEvent::Merge { parents, child, .. } => self.merge(parents, child, t)?,
                CellEvent::Split {
                    parent,
                    children,
                    separation_m,
                    duration_s,
                    direction_rad,
                    ..
                } => self.split(parent, children, t, separation_m, duration_s, direction_rad)?,
            },
        }
        Ok(())
    }

    fn merge(&mut self, parents: [CellId; 2], child: CellId, t: f64) -> Result<()> {
        let ia = self.alive_index(parents[0], t, "merge")?;
        let ib = self.alive_index(parents[1], t, "merge")?;
        let (a, b) = (&self.active[ia], &self.active[ib]);
        let axis_rad = match a.drift {
            Drift::Closing { axis_rad, .. } => axis_rad,
            _ => (b.y - a.y).atan2(b.x - a.x),
        };
        let remaining = |c: &Active| c.spec.birth_s + c.spec.life.duration_s() - t;
        let keep = if remaining(a) >= remaining(b) { a } else { b };
        let spec = CellSpec {
            id: child,
            birth_s: keep.spec.birth_s,
            x_m: 0.5 * (a.x + b.x),
            y_m: 0.5 * (a.y + b.y),
            peak_dbz: (a.spec.peak_dbz.max(b.spec.peak_dbz) + 2.0).min(65.0),
            radius_m: a.spec.radius_m.hypot(b.spec.radius_m),
            aspect_ratio: 1.4,
            orientation_rad: axis_rad,
            top_m: (a.spec.top_m.max(b.spec.top_m) + 1_000.0).min(16_000.0),
            propagation_mps: (
                0.5 * (a.spec.propagation_mps.0 + b.spec.propagation_mps.0),
                0.5 * (a.spec.propagation_mps.1 + b.spec.propagation_mps.1),
            ),
            life: keep.spec.life,
        };
        self.events.push(EventTruth {
            kind: EventKind::Merge,
            time_s: t,
            parents: parents.to_vec(),
            children: vec![child],
            first_frame: None,
        });
        self.active.retain(|c| !parents.contains(&c.spec.id));
        self.active.push(Active {
            x: spec.x_m,
            y: spec.y_m,
            spec,
            parents: parents.to_vec(),
            drift: Drift::Flow,
        });
        Ok(())
    }

    fn split(
        &mut self,
        parent: CellId,
        children: [CellId; 2],
        t: f64,
        separation_m: f64,
        duration_s: f64,
        direction_rad: f64,
    ) -> Result<()> {
        let ip = self.alive_index(parent, t, "split")?;
        let p = self.active.remove(ip);
        if !matches!(p.drift, Drift::Flow) {
            return Err(Error::parameter(
                "events",
                format!("split at t = {t} s"),
                format!("{parent} is already merging or splitting"),
            ));
        }
        let speed = 0.5 * separation_m / duration_s;
        let (s, c) = direction_rad.sin_cos();
        for (k, &id) in children.iter().enumerate() {
            let sign = if k == 0 { 1.0 } else { -1.0 };
            let spec = CellSpec {
                id,
                peak_dbz: p.spec.peak_dbz - 2.0,
                radius_m: p.spec.radius_m / std::f64::consts::SQRT_2,
                aspect_ratio: 1.2,
                orientation_rad: direction_rad + std::f64::consts::FRAC_PI_2,
                top_m: p.spec.top_m - 500.0,
                x_m: p.x,
                y_m: p.y,
                ..p.spec.clone()
            };
            self.active.push(Active {
                x: p.x,
                y: p.y,
                spec,
                parents: vec![parent],
                drift: Drift::Separating {
                    velocity: (sign * speed * c, sign * speed * s),
                    until_s: t + duration_s,
                },
            });
        }
        self.events.push(EventTruth {
            kind: EventKind::Split,
            time_s: t,
            parents: vec![parent],
            children: children.to_vec(),
            first_frame: None,
        });
        Ok(())
    }

    /// Ends finished separations and removes dead cells.
    fn expire(&mut self, t: f64) {
        for c in &mut self.active {
            if matches!(c.drift, Drift::Separating { until_s, .. } if until_s <= t + EPS_S) {
                c.drift = Drift::Flow;
            }
        }
        self.active
            .retain(|c| t - c.spec.birth_s < c.spec.life.duration_s());
    }

    fn truth(&self, c: &Active, t: f64) -> CellTruth {
        let spec = &c.spec;
        let age_s = t - spec.birth_s;
        let a = spec.life.amplitude(age_s);
        let peak_dbz = spec.peak_dbz - super::cells::LIFE_CYCLE_DEFICIT_DB * (1.0 - a);
        let radius_m = spec.radius_m * (0.6 + 0.4 * a);
        let (mut u, mut v) = self.config.motion.velocity(c.x, c.y);
        u += spec.propagation_mps.0;
        v += spec.propagation_mps.1;
        match c.drift {
            Drift::Closing {
                partner, until_s, ..
            } if until_s - t > EPS_S => {
                if let Some(j) = self.index(partner) {
                    let other = &self.active[j];
                    u += 0.5 * (other.x - c.x) / (until_s - t);
                    v += 0.5 * (other.y - c.y) / (until_s - t);
                }
            }
            Drift::Separating { velocity, until_s } if t < until_s - EPS_S => {
                u += velocity.0;
                v += velocity.1;
            }
            _ => {}
        }
        let (centroid_row, centroid_col) = self.config.spec.index_of(c.x, c.y);
        CellTruth {
            id: spec.id,
            parents: c.parents.clone(),
            centroid_x_m: c.x,
            centroid_y_m: c.y,
            centroid_row,
            centroid_col,
            velocity_mps: (u, v),
            peak_dbz,
            radius_m,
            aspect_ratio: spec.aspect_ratio,
            orientation_rad: spec.orientation_rad,
            top_m: spec.top_m * (0.6 + 0.4 * a),
            age_s,
            area_km2_above_35dbz: if peak_dbz > 35.0 {
                std::f64::consts::PI * radius_m * radius_m * (peak_dbz - 35.0) / 10.0 * 1e-6
            } else {
                0.0
            },
            hail: peak_dbz >= super::cells::HAIL_PEAK_DBZ,
            zdr_column_depth_m: 3_000.0 * ((peak_dbz - 45.0) / 15.0).clamp(0.0, 1.0),
        }
    }
}
