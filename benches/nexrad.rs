//! NEXRAD Level II reading: the real KLBB volume (46 bzip2 LDM records, 11 sweeps, 5400 rays, up to 1832 gates,
//! 28.8 MB of messages) from bytes in memory, whole (parallel decompression + decoding) and, rewritten as an
//! uncompressed file, decoding alone.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "support/radar_bytes.rs"]
mod radar_bytes;
use radar_bytes::shared_radar_bytes;

fn bench_nexrad(c: &mut Criterion) {
    let Some(file) = shared_radar_bytes("KLBB20160601_150025_V06") else {
        return;
    };
    // The same volume with its LDM records decompressed: the volume header followed by the messages.
    let mut plain = file[..24].to_vec();
    let mut at = 24;
    while at < file.len() {
        let len = i32::from_be_bytes(file[at..at + 4].try_into().unwrap()).unsigned_abs() as usize;
        let record =
            squall::io::compression::decompress(&file[at + 4..at + 4 + len], "record").unwrap();
        plain.extend_from_slice(&record);
        at += 4 + len;
    }
    let mut group = c.benchmark_group("nexrad_klbb");
    group.sample_size(10);
    group.bench_function("read_bzip2_records", |b| {
        b.iter(|| squall::io::nexrad::decode(black_box(&file), "klbb").unwrap())
    });
    group.bench_function("decode_uncompressed", |b| {
        b.iter(|| squall::io::nexrad::decode(black_box(&plain), "klbb").unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_nexrad);
criterion_main!(benches);
