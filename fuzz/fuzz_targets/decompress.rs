//! gzip, zip and bzip2 (block-parallel) decompression never panics on any input.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = squall::io::compression::decompress(data, "fuzz");
});
