//! The real radar files of `../shared/data/radar/`, read into memory for the reader benches.

use std::path::PathBuf;

/// The bytes of `../shared/data/radar/<name>`, or `None` (with a message on stderr) when the shared data folder
/// is absent, so that the bench can skip.
pub fn shared_radar_bytes(name: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/radar")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!(
                "SKIP: {} not found (the shared data folder is absent)",
                path.display()
            );
            None
        }
    }
}
