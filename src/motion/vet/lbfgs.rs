//! A compact limited-memory BFGS minimiser with a strong-Wolfe line search (Nocedal and Wright 2006,
//! algorithms 7.4, 7.5, 3.5 and 3.6).
//!
//! Written here rather than taken from an optimisation crate: VET needs one unconstrained minimiser over a few
//! thousand `f64` values with an analytic gradient; this is ~200 lines with no dependency and no conversion of
//! the parameter vector.
//!
//! # References
//! Nocedal, J. and S. J. Wright, 2006: *Numerical Optimization*, 2nd ed. Springer, doi:10.1007/978-0-387-40065-5.

use std::collections::VecDeque;

/// Settings of the minimiser.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lbfgs {
    /// Correction pairs kept (m).
    pub memory: usize,
    /// Most iterations (line searches).
    pub max_iterations: usize,
    /// Stop when the last [`WINDOW`] iterations lowered the cost by less than this fraction of it per
    /// iteration on average.
    pub tolerance: f64,
}

/// Iterations over which the decrease of the cost is averaged for the stopping test.
pub(super) const WINDOW: usize = 5;

/// Sufficient-decrease (Armijo) constant c₁.
const C1: f64 = 1e-4;
/// Curvature constant c₂ (0.9 is the usual choice for quasi-Newton directions).
const C2: f64 = 0.9;
/// Most cost evaluations in one line search.
const MAX_LINE_EVALUATIONS: usize = 10;

/// A point of the line search: step, cost, directional derivative, position and gradient.
struct Trial {
    step: f64,
    cost: f64,
    slope: f64,
    x: Vec<f64>,
    gradient: Vec<f64>,
}

impl Lbfgs {
    /// Minimises `f` from `x0`, returning the best point found and the number of iterations done.
    /// `f(x, gradient)` returns the cost at `x` and writes its gradient; it must be finite wherever it is
    /// evaluated.
    pub fn minimise<F>(&self, x0: Vec<f64>, mut f: F) -> (Vec<f64>, usize)
    where
        F: FnMut(&[f64], &mut [f64]) -> f64,
    {
        let n = x0.len();
        let mut x = x0;
        let mut gradient = vec![0.0; n];
        let mut cost = f(&x, &mut gradient);
        let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
        let mut iterations = 0;
        let mut history = vec![cost];
        while iterations < self.max_iterations {
            let g_max = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            if g_max == 0.0 {
                break;
            }
            let mut direction = two_loop(&gradient, &pairs);
            let mut slope = dot(&direction, &gradient);
            if pairs.is_empty() || slope >= 0.0 {
                // Steepest descent scaled so that the largest change is one unit (one pixel per step).
                pairs.clear();
                direction = gradient.iter().map(|g| -g / g_max).collect();
                slope = dot(&direction, &gradient);
            }
            iterations += 1;
            let Some(trial) = line_search(&mut f, &x, cost, slope, &direction) else {
                break;
            };
            let s: Vec<f64> = trial.x.iter().zip(&x).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = trial
                .gradient
                .iter()
                .zip(&gradient)
                .map(|(a, b)| a - b)
                .collect();
            let sy = dot(&s, &y);
            if sy > 1e-12 * dot(&y, &y) {
                if pairs.len() == self.memory {
                    pairs.pop_front();
                }
                pairs.push_back((s, y, 1.0 / sy));
            }
            x = trial.x;
            gradient = trial.gradient;
            cost = trial.cost;
            history.push(cost);
            if let Some(&before) = history.len().checked_sub(WINDOW + 1).map(|k| &history[k]) {
                if before - cost <= WINDOW as f64 * self.tolerance * cost.abs() {
                    break;
                }
            }
        }
        (x, iterations)
    }
}

/// The L-BFGS search direction `−H g` (two-loop recursion, algorithm 7.4) with the scaling `sᵀy / yᵀy` of the
/// newest pair as initial inverse Hessian.
fn two_loop(gradient: &[f64], pairs: &VecDeque<(Vec<f64>, Vec<f64>, f64)>) -> Vec<f64> {
    let mut q = gradient.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y, rho) in pairs.iter().rev() {
        let alpha = rho * dot(s, &q);
        q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= alpha * yi);
        alphas.push(alpha);
    }
    if let Some((_, y, rho)) = pairs.back() {
        let gamma = 1.0 / (rho * dot(y, y));
        q.iter_mut().for_each(|qi| *qi *= gamma);
    }
    for ((s, y, rho), alpha) in pairs.iter().zip(alphas.into_iter().rev()) {
        let beta = rho * dot(y, &q);
        q.iter_mut()
            .zip(s)
            .for_each(|(qi, si)| *qi += (alpha - beta) * si);
    }
    q.iter_mut().for_each(|qi| *qi = -*qi);
    q
}

/// Strong-Wolfe line search along `direction` from `x` (algorithms 3.5 and 3.6, cubic interpolation safeguarded by
/// bisection). Returns the accepted point, or the best point with sufficient decrease if the search runs out of
/// evaluations, or `None` if no step lowered the cost.
fn line_search<F>(f: &mut F, x: &[f64], cost0: f64, slope0: f64, direction: &[f64]) -> Option<Trial>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let mut evaluate = |step: f64| -> Trial {
        let x: Vec<f64> = x.iter().zip(direction).map(|(a, d)| a + step * d).collect();
        let mut gradient = vec![0.0; x.len()];
        let cost = f(&x, &mut gradient);
        let slope = dot(&gradient, direction);
        Trial {
            step,
            cost,
            slope,
            x,
            gradient,
        }
    };
    let armijo = |t: &Trial| t.cost <= cost0 + C1 * t.step * slope0;
    let curvature = |t: &Trial| t.slope.abs() <= -C2 * slope0;
    let mut best: Option<Trial> = None;
    let keep = |best: &mut Option<Trial>, t: &Trial| {
        if armijo(t) && best.as_ref().is_none_or(|b| t.cost < b.cost) {
            *best = Some(Trial {
                step: t.step,
                cost: t.cost,
                slope: t.slope,
                x: t.x.clone(),
                gradient: t.gradient.clone(),
            });
        }
    };
    // Bracketing phase.
    let mut previous = Trial {
        step: 0.0,
        cost: cost0,
        slope: slope0,
        x: Vec::new(),
        gradient: Vec::new(),
    };
    let mut step = 1.0;
    let (mut lo, mut hi);
    let mut count = 0;
    loop {
        let t = evaluate(step);
        count += 1;
        if !armijo(&t) || (count > 1 && t.cost >= previous.cost) {
            (lo, hi) = (previous, t);
            break;
        }
        if curvature(&t) {
            return Some(t);
        }
        keep(&mut best, &t);
        if t.slope >= 0.0 {
            (lo, hi) = (t, previous);
            break;
        }
        if count >= MAX_LINE_EVALUATIONS {
            return best;
        }
        step *= 2.0;
        previous = t;
    }
    // Zoom phase: `lo` satisfies sufficient decrease and has the lowest cost so far.
    while count < MAX_LINE_EVALUATIONS {
        let (a, b) = (lo.step.min(hi.step), lo.step.max(hi.step));
        let width = b - a;
        let mut step = cubic_minimiser(&lo, &hi).unwrap_or(0.5 * (a + b));
        if !(step > a + 0.1 * width && step < b - 0.1 * width) {
            step = 0.5 * (a + b);
        }
        let t = evaluate(step);
        count += 1;
        if !armijo(&t) || t.cost >= lo.cost {
            hi = t;
        } else {
            if curvature(&t) {
                return Some(t);
            }
            keep(&mut best, &t);
            if t.slope * (hi.step - lo.step) >= 0.0 {
                hi = lo;
            }
            lo = t;
        }
        if width < 1e-12 {
            break;
        }
    }
    best
}

/// The minimiser of the cubic through two points with their costs and slopes, if it exists.
fn cubic_minimiser(p: &Trial, q: &Trial) -> Option<f64> {
    let d1 = p.slope + q.slope - 3.0 * (p.cost - q.cost) / (p.step - q.step);
    let disc = d1 * d1 - p.slope * q.slope;
    if disc < 0.0 {
        return None;
    }
    let d2 = (q.step - p.step).signum() * disc.sqrt();
    let step = q.step - (q.step - p.step) * (q.slope + d2 - d1) / (q.slope - p.slope + 2.0 * d2);
    step.is_finite().then_some(step)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_the_rosenbrock_function() {
        let rosenbrock = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let solver = Lbfgs {
            memory: 5,
            max_iterations: 200,
            tolerance: 1e-15,
        };
        let (x, iterations) = solver.minimise(vec![-1.2, 1.0], rosenbrock);
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?}"
        );
        assert!(iterations < 100, "{iterations}");
    }

    #[test]
    fn a_quadratic_is_solved_in_few_iterations() {
        // Σ i·(x_i − i)², minimum at x_i = i.
        let quad = |x: &[f64], g: &mut [f64]| {
            let mut c = 0.0;
            for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
                let w = (i + 1) as f64;
                c += w * (xi - i as f64).powi(2);
                *gi = 2.0 * w * (xi - i as f64);
            }
            c
        };
        let solver = Lbfgs {
            memory: 10,
            max_iterations: 50,
            tolerance: 1e-14,
        };
        let (x, iterations) = solver.minimise(vec![0.0; 8], quad);
        for (i, xi) in x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-5, "{x:?}");
        }
        assert!(iterations <= 30, "{iterations}");
    }
}
