//! Tests that start the `squall` binary, or the warning-server example, as a child process.
//!
//! A test binary of their own, apart from `tests/it`: a child forked while another thread of the same process has
//! a file open through HDF5 inherits that descriptor and its lock, and the next opener of the file is refused. Here
//! every fork goes through [`SpawnLocked`] and every in-process NetCDF access holds [`netcdf_lock`], so no child
//! is forked while the parent holds an HDF5 file open. Run one area with `cargo test --release --test cli <module>::`.

use std::io;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

// This binary uses only some of the shared helpers.
#[allow(dead_code)]
#[path = "../common/mod.rs"]
mod common;

mod cli;
mod cli_dualpol;
mod cli_isosurface_cells;
mod cli_motion_png;
mod cli_nowcast;
mod cli_verify;
mod cli_warn_replay;
mod warning_server;

static HDF5_FORK: Mutex<()> = Mutex::new(());

/// Held around in-process NetCDF/HDF5 access and around every fork of this binary. A test that failed while
/// holding it leaves it poisoned; the lock is still usable, since it guards no data.
pub fn netcdf_lock() -> MutexGuard<'static, ()> {
    HDF5_FORK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starting a child process with [`netcdf_lock`] held for the fork only.
pub trait SpawnLocked {
    /// [`Command::spawn`] under the lock.
    fn spawn_locked(&mut self) -> io::Result<Child>;
    /// [`Command::output`] (stdin closed, stdout and stderr captured); the lock is released once the child runs.
    fn output_locked(&mut self) -> io::Result<Output>;
}

impl SpawnLocked for Command {
    fn spawn_locked(&mut self) -> io::Result<Child> {
        let _lock = netcdf_lock();
        self.spawn()
    }

    fn output_locked(&mut self) -> io::Result<Output> {
        self.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn_locked()?
            .wait_with_output()
    }
}

/// The `squall` binary built for these tests.
pub fn squall() -> Command {
    Command::new(env!("CARGO_BIN_EXE_squall"))
}

/// Fails, showing the child's stderr, unless the child exited with success.
#[track_caller]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fails unless the child exited with failure and its stderr contains `expected`; returns the stderr.
#[track_caller]
pub fn assert_fails_with(out: &Output, expected: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success() && stderr.contains(expected),
        "expected a failure naming {expected:?}: {stderr}"
    );
    stderr
}

/// Decodes the (first) image of a PNG with the `png` crate: `(width, height, pixel bytes)`, the bytes as the
/// decoder outputs them (3 a pixel for the RGB maps Squall writes).
pub fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    (info.width, info.height, pixels)
}
