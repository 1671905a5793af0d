//! Legacy CINRAD SA/SB/CA/CB base data (plain or compressed): decoding never panics, and a volume that decodes and
//! re-encodes decodes again and re-encodes to the very same bytes (the writer's output is a fixed point).

#![no_main]

use libfuzzer_sys::fuzz_target;
use squall::io::cinrad_legacy::{self, LegacyVariant};

fuzz_target!(|data: &[u8]| {
    let Ok(volume) = cinrad_legacy::from_bytes(data, "fuzz") else {
        return;
    };
    let variant = if volume.frequency_mhz == Some(LegacyVariant::CaCb.nominal_frequency_mhz()) {
        LegacyVariant::CaCb
    } else {
        LegacyVariant::SaSb
    };
    let Ok(bytes) = cinrad_legacy::to_bytes(&volume, variant) else {
        return;
    };
    let again = cinrad_legacy::decode(&bytes, "fuzz re-encoded").expect("re-encoded volume decodes");
    assert_eq!(again.sweeps.len(), volume.sweeps.len());
    let twice = cinrad_legacy::to_bytes(&again, variant).expect("decoded writer output re-encodes");
    assert!(twice == bytes, "writer output is not reproduced by decode + encode");
});
