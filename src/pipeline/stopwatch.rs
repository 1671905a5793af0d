//! Wall-clock and CPU time of the Nowcaster's stages. On a shared machine the wall-clock time of a stage depends
//! on the load; the CPU time (all threads of the process, user + system) does much less, and bounds the time on
//! an idle machine: between CPU / cores (perfectly parallel) and CPU (serial).

use std::time::Instant;

/// A started clock: [`Stopwatch::lap`] gives the wall-clock and CPU seconds since the start.
pub(crate) struct Stopwatch {
    wall: Instant,
    cpu_s: f64,
}

impl Stopwatch {
    /// Starts both clocks.
    pub fn start() -> Stopwatch {
        Stopwatch {
            wall: Instant::now(),
            cpu_s: process_cpu_s(),
        }
    }

    /// `(wall, cpu)` seconds since the start.
    pub fn lap(&self) -> (f64, f64) {
        (
            self.wall.elapsed().as_secs_f64(),
            (process_cpu_s() - self.cpu_s).max(0.0),
        )
    }
}

/// User + system CPU time of the whole process so far, s (`getrusage(RUSAGE_SELF)`, microsecond resolution);
/// `NaN` where unavailable.
#[cfg(unix)]
fn process_cpu_s() -> f64 {
    // SAFETY: getrusage only writes the `rusage` it is given, which is a plain C struct valid when zeroed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF is a valid `who` and `usage` a valid pointer for the duration of the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return f64::NAN;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// User + system CPU time of the whole process so far, s: unavailable on this platform.
#[cfg(not(unix))]
fn process_cpu_s() -> f64 {
    f64::NAN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_work_takes_cpu_time() {
        let watch = Stopwatch::start();
        let mut x = 0u64;
        while watch.lap().0 < 0.05 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let (wall, cpu) = watch.lap();
        assert!(wall >= 0.05);
        // a busy loop on one thread: its CPU time is most of its wall time, unless the machine is oversubscribed
        assert!(
            cpu > 0.0 && cpu <= wall * 2.0 + 0.01,
            "wall {wall} cpu {cpu}"
        );
    }
}
