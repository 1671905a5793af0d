//! CfRadial 1.x reading from bytes in memory (NetCDF open, moment reads, unpacking): the MeteoSwiss C-band PPI
//! (360 × 492 gates × 9 float32 moments in 3240 deflated chunks), the model temperature on the same grid (one
//! float64 field) and the ARM X-SAPR vertically pointing file (360 one-ray sweeps × 201 gates × 17 int16 moments).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "support/radar_bytes.rs"]
mod radar_bytes;
use radar_bytes::shared_radar_bytes;

const FILES: [(&str, &str); 3] = [
    ("meteoswiss_c_ppi", "MLL2217907250U.003.nc"),
    (
        "cosmo_temperature",
        "20220628072500_savevol_COSMO_LOOKUP_TEMP.nc",
    ),
    ("arm_xsapr_vpt", "sgpxsaprcfrvptI4.a1.20200205.100827.nc"),
];

fn bench_cfradial(c: &mut Criterion) {
    let mut group = c.benchmark_group("cfradial_read");
    group.sample_size(20);
    for (id, name) in FILES {
        let Some(bytes) = shared_radar_bytes(name) else {
            continue;
        };
        group.bench_function(id, |b| {
            b.iter(|| squall::io::volume_from_bytes(black_box(&bytes), name).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_cfradial);
criterion_main!(benches);
