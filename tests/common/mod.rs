//! Helpers shared by the integration tests.
// Each integration test binary uses a subset of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;

/// Path of a file in `../shared/data/radar/`, or `None` (with a message on stderr) when the shared data folder
/// is absent, so that the calling test can skip.
pub fn shared_radar_file(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/radar")
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIP: {} not found (the shared data folder is absent)",
            path.display()
        );
        None
    }
}

/// A reference fixture from `testdata/reference/`, parsed as JSON.
pub fn reference_json(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/reference")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
