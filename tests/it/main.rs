//! In-process integration tests, one module per area. Tests that start a child process are in `tests/cli`.
//!
//! Two binaries instead of one per file: each links the whole crate with the bundled NetCDF/HDF5, so 48 separate
//! binaries cost minutes of linking and gigabytes of disk. Run one area with `cargo test --release --test it
//! <module>::`.

mod cells_truth;
#[path = "../common/mod.rs"]
mod common;
mod warn_scene;

mod cells_hail_threat;
mod cells_peers;
mod cells_synthetic;
mod cfradial_bad_input;
mod cfradial_peers;
mod cinrad_bad_input;
mod cinrad_legacy_bad_input;
mod cinrad_legacy_peers;
mod cinrad_peers;
mod composite_peers;
mod composite_sequence;
mod dualpol_bad_input;
mod dualpol_outputs;
mod dualpol_peers;
mod dualpol_synthetic;
mod extrapolation_pysteps;
mod fuzz_regressions;
mod grid_pyart;
mod grid_synthetic;
mod motion_peers;
mod motion_synthetic;
mod motion_vet_darts_peers;
mod motion_vet_darts_synthetic;
mod nexrad_bad_input;
mod nexrad_peers;
mod nowcast_adaptive;
mod nowcaster;
mod nowcaster_history;
mod nowcaster_zdr;
mod odim_gamic_bad_input;
mod odim_gamic_peers;
mod products_synthetic;
mod render_animation;
mod steps_pysteps;
mod steps_robustness;
mod verify_pysteps;
mod view3d;
mod warn_area;
mod warn_cap;
mod warn_replay;
mod warn_replay_real;
mod warn_state;
