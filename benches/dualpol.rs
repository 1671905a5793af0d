//! The dual-polarisation chain on the real X-band volume (CINRAD ZG170: 5 sweeps × 363 rays × 973 gates): the
//! whole chain (`dualpol::process`) and its two KDP estimators on the lowest sweep.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;

use squall::dualpol::filter::{EchoFilterConfig, FilterInputs, echo_mask};
use squall::dualpol::phidp::{
    KdpMethod, LeastSquaresKdp, PhidpConfig, VulpianiKdp, kdp, process_phidp,
};
use squall::dualpol::{Config, TemperatureProfile, process};

fn bench_dualpol(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/radar/Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2");
    let Ok(volume) = squall::io::open_volume(&path) else {
        eprintln!(
            "SKIP: {} not found (the shared data folder is absent)",
            path.display()
        );
        return;
    };
    let config = Config {
        temperature: TemperatureProfile::standard(4_500.0).unwrap(),
        ..Config::default()
    };
    let mut group = c.benchmark_group("dualpol_x_band");
    group.sample_size(10);
    group.bench_function("process_volume", |b| {
        b.iter(|| process(black_box(&volume), &config).unwrap())
    });
    let sweep = &volume.sweeps[0];
    let value = |name: &str| sweep.moment(name).unwrap().values.view();
    let mask = echo_mask(
        &FilterInputs {
            dbzh: value("DBZH"),
            rhohv: Some(value("RHOHV")),
            snr_db: None,
            phidp_deg: Some(value("PHIDP")),
        },
        &EchoFilterConfig::default(),
        true,
    )
    .unwrap();
    let processed = process_phidp(
        value("PHIDP"),
        mask.view(),
        Some(value("RHOHV")),
        &PhidpConfig::default(),
    )
    .unwrap();
    for (name, method) in [
        (
            "kdp_least_squares_sweep",
            KdpMethod::LeastSquares(LeastSquaresKdp::default()),
        ),
        (
            "kdp_vulpiani_sweep",
            KdpMethod::Vulpiani(VulpianiKdp::default()),
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| kdp(black_box(&processed), Some(value("DBZH")), 75.0, &method).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_dualpol);
criterion_main!(benches);
