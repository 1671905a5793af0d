//! Building composite sequences: ordering, gaps, duplicates, mixed services, empty input, and corrupt or
//! truncated files (an error naming the file, never a panic); synthetic ODIM_H5 and Rainfields files for the
//! decoding rules the real files do not exercise (gain/offset, nodata, undetect, ACRR, bad metadata).

use crate::common;

use std::path::{Path, PathBuf};

use ndarray::Array2;
use squall::Error;
use squall::io::composite::{
    CompositeFormat, grid_from_bytes, open_grid, open_sequence, open_sequence_dir,
};

const FMI: &str = "radar/fmi/pgm/20160928";
const RMI: &str = "radar/rmi/radqpe/20210704";
const BOM: &str = "radar/bom/prcp-cscn/2/2018/06/16";

/// The first `n` files (sorted by name) of a folder of `../shared/data/nowcast/`, or `None` when absent.
fn files(folder: &str, n: usize) -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/nowcast")
        .join(folder);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIP: {} not found (the shared data folder is absent)",
            dir.display()
        );
        return None;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths.truncate(n);
    Some(paths)
}

/// A fresh scratch folder under the system temporary directory (outside the repository).
fn scratch(name: &str) -> PathBuf {
    common::scratch_dir(&format!("composite-{name}"))
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn shuffled_input_comes_out_in_time_order() {
    let Some(paths) = files(FMI, 6) else { return };
    let shuffled: Vec<PathBuf> = [3, 0, 5, 1, 4, 2]
        .iter()
        .map(|&k| paths[k].clone())
        .collect();
    let seq = open_sequence(&shuffled).unwrap();
    let ordered = open_sequence(&paths).unwrap();
    assert_eq!((&seq.spec, &seq.times), (&ordered.spec, &ordered.times));
    assert!(same_bits(seq.values.iter(), ordered.values.iter()));
    assert_eq!((seq.len(), seq.timestep_s), (6, 300));
    assert!(seq.times.windows(2).all(|w| w[1] > w[0]));
    assert_eq!(seq.times[0].to_rfc3339(), "2016-09-28T14:45:00+00:00");
    // Frame k is file k: compare with the file read alone.
    let third = open_grid(&paths[2]).unwrap();
    assert!(same_bits(seq.frame(2).iter(), third.values.iter()));
    let frames = seq.to_frames();
    assert_eq!((frames[2].time, &frames[2].spec), (third.time, &third.spec));
    assert!(same_bits(frames[2].values.iter(), third.values.iter()));
}

/// Equal values, NaN included.
fn same_bits<'a>(a: impl Iterator<Item = &'a f32>, b: impl Iterator<Item = &'a f32>) -> bool {
    a.map(|v| v.to_bits()).eq(b.map(|v| v.to_bits()))
}

#[test]
fn a_gap_is_refused_naming_both_files() {
    let Some(mut paths) = files(RMI, 5) else {
        return;
    };
    let dropped = paths.remove(2);
    let err = open_sequence(&paths).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Parameter { .. }), "{text}");
    for expected in [
        file_name(&paths[1]),
        file_name(&paths[2]),
        "2021-07-04 15:55:00 UTC".into(),
        "2021-07-04 16:05:00 UTC".into(),
        "600 s".into(),
        "300 s".into(),
    ] {
        assert!(text.contains(&expected), "{text} lacks {expected}");
    }
    assert!(!text.contains(&file_name(&dropped)));
}

#[test]
fn duplicate_times_are_refused() {
    let Some(paths) = files(FMI, 2) else { return };
    let twice = vec![paths[0].clone(), paths[1].clone(), paths[0].clone()];
    let text = open_sequence(&twice).unwrap_err().to_string();
    assert!(text.contains("same time 2016-09-28 14:45:00 UTC"), "{text}");
}

#[test]
fn mixing_services_is_refused() {
    let (Some(bom), Some(rmi), Some(fmi)) = (files(BOM, 1), files(RMI, 1), files(FMI, 1)) else {
        return;
    };
    // Both rain rate: the grid differs.
    let text = open_sequence(&[bom[0].clone(), rmi[0].clone()])
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("one sequence has one grid") && text.contains(&file_name(&bom[0])),
        "{text}"
    );
    // Rain rate and reflectivity.
    let text = open_sequence(&[rmi[0].clone(), fmi[0].clone()])
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("DBZH in dBZ") && text.contains("rainfall_rate in mm/h"),
        "{text}"
    );
}

#[test]
fn an_empty_list_or_folder_is_refused() {
    let err = open_sequence(&[]).unwrap_err();
    assert!(matches!(err, Error::Parameter { .. }), "{err}");
    let dir = scratch("empty");
    std::fs::write(dir.join("README.txt"), "not a composite").unwrap();
    let text = open_sequence_dir(&dir).unwrap_err().to_string();
    assert!(text.contains("holds no composite"), "{text}");
    assert!(matches!(
        open_sequence_dir(dir.join("missing")),
        Err(Error::Io { .. })
    ));
}

#[test]
fn a_folder_skips_other_files_and_names_a_corrupt_composite() {
    let Some(paths) = files(FMI, 3) else { return };
    let dir = scratch("folder");
    for p in &paths {
        std::fs::copy(p, dir.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "three FMI frames").unwrap();
    std::fs::write(dir.join(".hidden"), [0x1f, 0x8b, 0]).unwrap();
    let seq = open_sequence_dir(&dir).unwrap();
    assert_eq!(seq.len(), 3);
    // A truncated gzip is recognised as compressed and reported, naming the file.
    let bytes = std::fs::read(&paths[0]).unwrap();
    let corrupt = dir.join("201609281500_truncated.pgm.gz");
    std::fs::write(&corrupt, &bytes[..bytes.len() / 2]).unwrap();
    let text = open_sequence_dir(&dir).unwrap_err().to_string();
    assert!(text.contains("201609281500_truncated.pgm.gz"), "{text}");
    let text = open_sequence(&[paths[0].clone(), corrupt])
        .unwrap_err()
        .to_string();
    assert!(text.contains("201609281500_truncated.pgm.gz"), "{text}");
}

#[test]
fn truncated_files_of_every_format_give_errors_naming_them() {
    let (Some(bom), Some(rmi), Some(fmi)) = (files(BOM, 1), files(RMI, 1), files(FMI, 1)) else {
        return;
    };
    for path in [&bom[0], &rmi[0], &fmi[0]] {
        let raw = std::fs::read(path).unwrap();
        // The PGM is gzip-compressed: truncate the decompressed raster too.
        let plain = squall::io::compression::decompress(&raw, "x")
            .unwrap()
            .into_owned();
        for bytes in [&raw, &plain] {
            for len in [0, 8, 100, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
                let name = format!("{}@{len}", file_name(path));
                match grid_from_bytes(&bytes[..len], &name) {
                    Err(e) => assert!(e.to_string().contains(&name), "{name}: {e}"),
                    // Only the last byte of uncompressed NetCDF/HDF5 padding can go unnoticed.
                    Ok((format, _)) => assert!(
                        len == bytes.len() - 1 && format != CompositeFormat::FmiPgm,
                        "{name} decoded"
                    ),
                }
            }
        }
    }
}

/// HDF5 (under netcdf) is not thread-safe: the tests of this binary write files one at a time.
static NETCDF_WRITE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Writes a NetCDF-4/HDF5 file with `build` and returns its bytes.
fn netcdf_bytes(name: &str, build: impl FnOnce(&mut netcdf::FileMut)) -> Vec<u8> {
    let _guard = NETCDF_WRITE.lock().unwrap_or_else(|e| e.into_inner());
    let path = scratch(name).join(format!("{name}.h5"));
    let mut file = netcdf::create(&path).unwrap();
    build(&mut file);
    file.close().unwrap();
    std::fs::read(&path).unwrap()
}

/// A 2 × 3 ODIM_H5 composite on the RMI grid's projection with 1 km cells, raw u8 data.
fn odim(name: &str, quantity: &str, tweak: impl FnOnce(&mut netcdf::FileMut)) -> Vec<u8> {
    netcdf_bytes(name, |f| {
        f.add_attribute("Conventions", "ODIM_H5/V2_2").unwrap();
        let mut what = f.add_group("what").unwrap();
        for (k, v) in [("object", "COMP"), ("date", "20210704"), ("time", "155000")] {
            what.add_attribute(k, v).unwrap();
        }
        let mut place = f.add_group("where").unwrap();
        place
            .add_attribute(
                "projdef",
                "+proj=lcc +lat_1=49.83333333333334 +lat_2=51.16666666666666 +lat_0=50.797815 \
                 +lon_0=4.359215833333333 +x_0=649328 +y_0=665262 +ellps=GRS80 +units=m +no_defs",
            )
            .unwrap();
        // The corner of the RMI grid: projects to (300000, 1000000) m.
        place.add_attribute("UL_lon", -0.9254649843189054).unwrap();
        place.add_attribute("UL_lat", 53.692855918413244).unwrap();
        for (k, v) in [
            ("xsize", 3.0),
            ("ysize", 2.0),
            ("xscale", 1000.0),
            ("yscale", 1000.0),
        ] {
            place.add_attribute(k, v).unwrap();
        }
        let mut dataset = f.add_group("dataset1").unwrap();
        let mut dwhat = dataset.add_group("what").unwrap();
        for (k, v) in [
            ("startdate", "20210704"),
            ("starttime", "154500"),
            ("enddate", "20210704"),
            ("endtime", "155000"),
        ] {
            dwhat.add_attribute(k, v).unwrap();
        }
        let mut data = dataset.add_group("data1").unwrap();
        let mut what = data.add_group("what").unwrap();
        what.add_attribute("quantity", quantity).unwrap();
        for (k, v) in [
            ("gain", 0.5),
            ("offset", -1.0),
            ("nodata", 255.0),
            ("undetect", 0.0),
        ] {
            what.add_attribute(k, v).unwrap();
        }
        data.add_dimension("y", 2).unwrap();
        data.add_dimension("x", 3).unwrap();
        let mut var = data.add_variable::<u8>("data", &["y", "x"]).unwrap();
        var.put(
            Array2::from_shape_vec((2, 3), vec![0u8, 2, 4, 255, 10, 3])
                .unwrap()
                .view(),
            ..,
        )
        .unwrap();
        tweak(f);
    })
}

#[test]
fn odim_gain_offset_nodata_undetect_and_accumulations_decode() {
    let (format, rate) = grid_from_bytes(&odim("rate", "RATE", |_| {}), "rate.h5").unwrap();
    assert_eq!(format, CompositeFormat::OdimComposite);
    let v = &rate.values;
    assert_eq!(
        (v[[0, 0]], v[[0, 1]], v[[0, 2]], v[[1, 1]], v[[1, 2]]),
        (0.0, 0.0, 1.0, 4.0, 0.5)
    );
    assert!(v[[1, 0]].is_nan());
    assert_eq!(rate.time.unwrap().to_rfc3339(), "2021-07-04T15:50:00+00:00");
    let [x1, _, _, y2] = rate.spec.extent();
    assert!(
        (x1 - 300_000.0).abs() < 1e-3 && (y2 - 1_000_000.0).abs() < 1e-3,
        "{x1} {y2}"
    );
    // ACRR over the dataset's 5 minutes: mm → mm/h is × 12.
    let (_, acrr) = grid_from_bytes(&odim("acrr", "ACRR", |_| {}), "acrr.h5").unwrap();
    assert_eq!(acrr.values[[1, 1]], 48.0);
    assert_eq!(acrr.units, "mm/h");
}

#[test]
fn odim_metadata_errors_are_clear() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (odim("dbzh", "DBZH", |_| {}), "no RATE or ACRR data"),
        (
            odim("size", "RATE", |f| {
                f.group_mut("where")
                    .unwrap()
                    .unwrap()
                    .add_attribute("xsize", 4.0)
                    .unwrap();
            }),
            "where says ysize 2, xsize 4",
        ),
        (
            odim("period", "ACRR", |f| {
                let mut ds = f.group_mut("dataset1").unwrap().unwrap();
                ds.group_mut("what")
                    .unwrap()
                    .add_attribute("endtime", "154500")
                    .unwrap();
            }),
            "accumulation period",
        ),
        (
            odim("projdef", "RATE", |f| {
                f.group_mut("where")
                    .unwrap()
                    .unwrap()
                    .add_attribute("projdef", "+proj=tmerc +lon_0=9")
                    .unwrap();
            }),
            "projdef '+proj=tmerc +lon_0=9' is not a projection Squall implements",
        ),
        (
            odim("corner", "RATE", |f| {
                let mut w = f.group_mut("where").unwrap().unwrap();
                w.add_attribute("LR_lon", 9.0).unwrap();
                w.add_attribute("LR_lat", 47.4).unwrap();
            }),
            "the LR corner projects to",
        ),
        (
            odim("time", "RATE", |f| {
                f.group_mut("what")
                    .unwrap()
                    .unwrap()
                    .add_attribute("time", "25h")
                    .unwrap();
            }),
            "no valid date and time",
        ),
    ];
    for (bytes, expected) in cases {
        let text = grid_from_bytes(&bytes, "case.h5").unwrap_err().to_string();
        assert!(
            text.contains(expected) && text.contains("case.h5"),
            "{expected}: {text}"
        );
    }
}

/// A 3 × 2 Rainfields-like CF grid (x, y in km, centres), 6-minute accumulation, int16 depth with scale 0.05.
fn rainfields(name: &str, tweak: impl FnOnce(&mut netcdf::FileMut)) -> Vec<u8> {
    netcdf_bytes(name, |f| {
        f.add_dimension("x", 2).unwrap();
        f.add_dimension("y", 3).unwrap();
        let mut valid = f.add_variable::<i64>("valid_time", &[]).unwrap();
        valid
            .put_attribute("units", "seconds since 1970-01-01 00:00:00 UTC")
            .unwrap();
        valid.put_value(1_529_143_200_i64, ..).unwrap();
        let mut start = f.add_variable::<i64>("start_time", &[]).unwrap();
        start
            .put_attribute("units", "seconds since 1970-01-01 00:00:00 UTC")
            .unwrap();
        start.put_value(1_529_142_840_i64, ..).unwrap();
        let mut proj = f.add_variable::<i8>("proj", &[]).unwrap();
        proj.put_attribute("grid_mapping_name", "albers_conical_equal_area")
            .unwrap();
        proj.put_attribute("standard_parallel", vec![-18.0, -36.0])
            .unwrap();
        proj.put_attribute("longitude_of_central_meridian", 144.752)
            .unwrap();
        proj.put_attribute("latitude_of_projection_origin", -37.852)
            .unwrap();
        proj.put_attribute("semi_major_axis", 6_378_137.0).unwrap();
        proj.put_attribute("inverse_flattening", 298.257_222_101)
            .unwrap();
        for (axis, values) in [("x", vec![-0.5f32, 0.0]), ("y", vec![0.5f32, 0.0, -0.5])] {
            let mut v = f.add_variable::<f32>(axis, &[axis]).unwrap();
            v.put_attribute("units", "km").unwrap();
            v.put_values(&values, ..).unwrap();
        }
        let mut p = f.add_variable::<i16>("precipitation", &["y", "x"]).unwrap();
        p.put_attribute("grid_mapping", "proj").unwrap();
        p.put_attribute("units", "kg m-2").unwrap();
        p.put_attribute("_FillValue", -32768_i16).unwrap();
        p.put_attribute("scale_factor", 0.05).unwrap();
        p.put_values(&[0_i16, 1, 20, -32768, 3, 4], ..).unwrap();
        tweak(f);
    })
}

#[test]
fn rainfields_depths_become_rates() {
    let (format, grid) = grid_from_bytes(&rainfields("rf3", |_| {}), "rf3.nc").unwrap();
    assert_eq!(format, CompositeFormat::BomRf3);
    // 0.05 mm per 6 min = 0.5 mm/h.
    assert_eq!((grid.values[[0, 1]], grid.values[[1, 0]]), (0.5, 10.0));
    assert!(grid.values[[1, 1]].is_nan());
    assert_eq!(
        (grid.spec.x0, grid.spec.y0, grid.spec.dx, grid.spec.dy),
        (-500.0, 500.0, 500.0, -500.0)
    );
    let (lon, lat) = grid.spec.lonlat(1, 1).unwrap();
    assert!(
        (lon - 144.752).abs() < 1e-12 && (lat + 37.852).abs() < 1e-12,
        "{lon} {lat}"
    );
    assert_eq!(grid.time.unwrap().to_rfc3339(), "2018-06-16T10:00:00+00:00");
}

#[test]
fn rainfields_metadata_errors_are_clear() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            rainfields("units", |f| {
                f.variable_mut("precipitation")
                    .unwrap()
                    .put_attribute("units", "mm/h")
                    .unwrap();
            }),
            "precipitation in \"mm/h\"",
        ),
        (
            rainfields("period", |f| {
                f.variable_mut("start_time")
                    .unwrap()
                    .put_value(1_529_143_200_i64, ..)
                    .unwrap();
            }),
            "valid_time − start_time = 0 s",
        ),
        (
            rainfields("mapping", |f| {
                f.variable_mut("proj")
                    .unwrap()
                    .put_attribute("grid_mapping_name", "rotated_latitude_longitude")
                    .unwrap();
            }),
            "CF grid mapping \"rotated_latitude_longitude\"",
        ),
        (
            rainfields("irregular", |f| {
                f.variable_mut("y")
                    .unwrap()
                    .put_values(&[0.5f32, 0.0, -0.75], ..)
                    .unwrap();
            }),
            "coordinate y is irregular",
        ),
        (
            rainfields("epoch", |f| {
                f.variable_mut("valid_time")
                    .unwrap()
                    .put_attribute("units", "days since 1970-01-01")
                    .unwrap();
            }),
            "valid_time units \"days since 1970-01-01\"",
        ),
    ];
    for (bytes, expected) in cases {
        let text = grid_from_bytes(&bytes, "case.nc").unwrap_err().to_string();
        assert!(
            text.contains(expected) && text.contains("case.nc"),
            "{expected}: {text}"
        );
    }
}

/// `squall::io::open` tells grids from volumes by content.
#[test]
fn open_detects_grids_and_volumes() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let grid = root.join("nowcast/radar/bom/prcp-cscn/2/2018/06/16/2_20180616_100000.prcp-cscn.nc");
    let volume = root.join("radar/40_20181220_060630.pvol.h5");
    if !grid.exists() || !volume.exists() {
        eprintln!("SKIP: {} absent", root.display());
        return;
    }
    assert!(matches!(
        squall::io::open(&grid).unwrap(),
        squall::io::Dataset::Grid(squall::io::CompositeFormat::BomRf3, _)
    ));
    assert!(matches!(
        squall::io::open(&volume).unwrap(),
        squall::io::Dataset::Volume(squall::io::Format::OdimH5, _)
    ));
    let rmi = root.join("nowcast/radar/rmi/radqpe/20210704");
    let first = std::fs::read_dir(&rmi)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    assert!(matches!(
        squall::io::open(&first).unwrap(),
        squall::io::Dataset::Grid(squall::io::CompositeFormat::OdimComposite, _)
    ));
}
