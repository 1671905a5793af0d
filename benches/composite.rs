//! Reading the three real nowcasting sequences with `open_sequence_dir` (BoM Rainfields 3: 61 × 512², RMI ODIM_H5:
//! 39 × 700², FMI PGM: 40 × 1226 × 760), from file to stacked `GridSequence`. pysteps' `read_timeseries` on the
//! same folders is timed by `benches/compare/composite_read_speed.py`.
//!
//! Skipped, with a message, where `../shared/data/nowcast/` is absent.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use squall::io::composite::open_sequence_dir;

const FOLDERS: &[(&str, &str)] = &[
    ("bom_rf3_61", "radar/bom/prcp-cscn/2/2018/06/16"),
    ("rmi_odim_39", "radar/rmi/radqpe/20210704"),
    ("fmi_pgm_40", "radar/fmi/pgm/20160928"),
];

fn read_sequences(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/nowcast");
    let mut group = c.benchmark_group("open_sequence_dir");
    group.sample_size(10);
    for (name, folder) in FOLDERS {
        let dir = root.join(folder);
        if !dir.is_dir() {
            eprintln!("skipping {name}: {} is absent", dir.display());
            continue;
        }
        group.bench_function(*name, |b| {
            b.iter(|| open_sequence_dir(black_box(&dir)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, read_sequences);
criterion_main!(benches);
