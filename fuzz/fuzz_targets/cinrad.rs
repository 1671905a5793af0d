//! CINRAD standard base data (plain or compressed): decoding never panics, and a volume that decodes and
//! re-encodes decodes again with the same gate statuses.

#![no_main]

use libfuzzer_sys::fuzz_target;
use squall::io::cinrad;

fuzz_target!(|data: &[u8]| {
    let Ok(volume) = cinrad::from_bytes(data, "fuzz") else {
        return;
    };
    let Ok(bytes) = cinrad::to_bytes(&volume) else {
        return;
    };
    let again = cinrad::from_bytes(&bytes, "fuzz re-encoded").expect("re-encoded volume decodes");
    assert_eq!(again.sweeps.len(), volume.sweeps.len());
    for (a, b) in volume.sweeps.iter().zip(&again.sweeps) {
        assert_eq!(a.moments.len(), b.moments.len());
        for (ma, mb) in a.moments.iter().zip(&b.moments) {
            assert_eq!(ma.name, mb.name);
            assert_eq!(ma.status, mb.status, "statuses of {}", ma.name);
        }
    }
});
