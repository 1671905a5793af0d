//! NEXRAD Level II: decoding never panics, and a decoded volume has consistent shapes. Inputs are taken as they
//! are (volume header included, compressed or not) and also behind a fixed volume header, so that the fuzzer
//! reaches the message walk of uncompressed files without having to find the signature first.

#![no_main]

use libfuzzer_sys::fuzz_target;
use squall::io::nexrad;

const VOLUME_HEADER: &[u8; 24] = b"AR2V0006.001\x00\x00\x42\x3a\x03\x38\x5f\x10KLBB";

fuzz_target!(|data: &[u8]| {
    for input in [data.to_vec(), [&VOLUME_HEADER[..], data].concat()] {
        if let Ok(volume) = nexrad::from_bytes(&input, "fuzz") {
            volume.validate().expect("decoded volume has consistent shapes");
        }
    }
});
