//! Sequential versus block-parallel bzip2 decompression of the real X-band CINRAD volume (2.5 MB → 16.5 MB).
//!
//! Skipped, with a message, where `../shared/data/radar/` is absent.

use std::hint::black_box;
use std::io::Read;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use squall::io::compression::decompress;

#[path = "support/radar_bytes.rs"]
mod radar_bytes;
use radar_bytes::shared_radar_bytes;

const XBAND: &str = "Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2";

fn bzip2_xband(c: &mut Criterion) {
    let Some(compressed) = shared_radar_bytes(XBAND) else {
        return;
    };
    let mut group = c.benchmark_group("bzip2_xband");
    group.throughput(Throughput::Bytes(compressed.len() as u64));
    group.sample_size(20);
    group.bench_function("sequential", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            bzip2::read::MultiBzDecoder::new(black_box(&compressed[..]))
                .read_to_end(&mut out)
                .unwrap();
            out
        })
    });
    group.bench_function("parallel", |b| {
        b.iter(|| {
            decompress(black_box(&compressed), XBAND)
                .unwrap()
                .into_owned()
        })
    });
    group.finish();
}

criterion_group!(benches, bzip2_xband);
criterion_main!(benches);
