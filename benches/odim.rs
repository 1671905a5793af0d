//! ODIM_H5 and GAMIC HDF5 reading from bytes in memory: the CapFlat PVOL (14 sweeps × 360 rays × 598 bins × 8
//! quantities, gzip-filtered), the Météo-France SCAN and the BoXPol GAMIC PPI (12 moments × 360 × 1000).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "support/radar_bytes.rs"]
mod radar_bytes;
use radar_bytes::shared_radar_bytes;

fn bench_hdf5_volumes(c: &mut Criterion) {
    let mut group = c.benchmark_group("hdf5_volumes");
    group.sample_size(20);
    for (label, name) in [
        ("odim_capflat_pvol", "40_20181220_060630.pvol.h5"),
        ("odim_idr66_pvol", "IDR66_20141206_094829.vol.h5"),
        ("odim_avesnes_scan", "T_PAZA63_C_LFPW_20230420065041.h5"),
        ("gamic_boxpol_ppi", "2014-08-10--182000.ppi.mvol"),
    ] {
        let Some(bytes) = shared_radar_bytes(name) else {
            continue;
        };
        group.bench_function(label, |b| {
            b.iter(|| squall::io::volume_from_bytes(black_box(&bytes), name).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_hdf5_volumes);
criterion_main!(benches);
