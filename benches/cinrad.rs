//! CINRAD standard-format reading: the real X-band file (bzip2, 5 cuts × 363 rays × 973 gates × 8 moments) from
//! bytes in memory, whole (decompression + decoding) and decoding alone.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "support/radar_bytes.rs"]
mod radar_bytes;
use radar_bytes::shared_radar_bytes;

fn bench_cinrad(c: &mut Criterion) {
    let Some(compressed) =
        shared_radar_bytes("Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2")
    else {
        return;
    };
    let plain = squall::io::compression::decompress(&compressed, "x-band")
        .unwrap()
        .into_owned();
    let mut group = c.benchmark_group("cinrad_x_band");
    group.sample_size(20);
    group.bench_function("read_bzip2_file", |b| {
        b.iter(|| squall::io::cinrad::from_bytes(black_box(&compressed), "x-band").unwrap())
    });
    group.bench_function("decode_uncompressed", |b| {
        b.iter(|| squall::io::cinrad::from_bytes(black_box(&plain), "x-band").unwrap())
    });
    let volume = squall::io::cinrad::from_bytes(&plain, "x-band").unwrap();
    group.bench_function("encode", |b| {
        b.iter(|| squall::io::cinrad::to_bytes(black_box(&volume)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_cinrad);
criterion_main!(benches);
