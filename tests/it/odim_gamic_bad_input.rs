//! ODIM_H5 and GAMIC HDF5 input that is truncated, incomplete or inconsistent gives clear errors naming the file
//! and the HDF5 object, never a panic or an allocation sized by an unchecked count. Small synthetic files are
//! written with the NetCDF library (a NetCDF-4 file is an HDF5 file) into a temporary directory.

use crate::common;

use std::path::{Path, PathBuf};

use netcdf::types::{CompoundType, CompoundTypeField, FloatType, IntType, NcVariableType};
use squall::io::Format;
use squall::{Error, GateStatus};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("squall-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What to change in the synthetic ODIM file: attribute paths to leave out and numeric attributes to override.
#[derive(Default)]
struct Tweaks<'a> {
    skip: &'a [&'a str],
    set: &'a [(&'a str, f64)],
    /// Declared rays × bins of dataset1's data arrays, if not the metadata's 4 × 5.
    data_shape: Option<(usize, usize)>,
    /// Length of dataset1's how/startazA, if not its ray count.
    startaz_len: Option<usize>,
}

const N_DATASETS: usize = 11;

/// A PVOL with 11 datasets (to test numeric ordering) of 4 rays × 5 bins, elangle = dataset number; each holds
/// TH (u8: undetect 0, nodata 255, gain 0.5, offset −32) and a u16 VRADH.
fn write_odim(path: &Path, tweaks: &Tweaks) {
    let mut file = netcdf::create(path).unwrap();
    let num = |p: &str, v: f64| {
        tweaks
            .set
            .iter()
            .find(|(k, _)| *k == p)
            .map_or(v, |&(_, x)| x)
    };
    let keep = |p: &str| !tweaks.skip.contains(&p);
    macro_rules! text {
        ($g:expr, $gp:expr, $name:expr, $v:expr) => {
            if keep(&format!("{}{}", $gp, $name)) {
                $g.add_attribute($name, $v).unwrap();
            }
        };
    }
    macro_rules! number {
        ($g:expr, $gp:expr, $name:expr, $v:expr) => {
            let p = format!("{}{}", $gp, $name);
            if keep(&p) {
                $g.add_attribute($name, num(&p, $v)).unwrap();
            }
        };
    }
    file.add_attribute("Conventions", "ODIM_H5/V2_4").unwrap();
    {
        let mut g = file.add_group("what").unwrap();
        text!(g, "what/", "object", "PVOL");
        text!(g, "what/", "date", "20240501");
        text!(g, "what/", "time", "120000");
        text!(g, "what/", "source", "WMO:06260,NOD:nldbl,PLC:De Bilt");
    }
    {
        let mut g = file.add_group("where").unwrap();
        number!(g, "where/", "lat", 52.1);
        number!(g, "where/", "lon", 5.18);
        number!(g, "where/", "height", 44.0);
    }
    {
        let mut g = file.add_group("how").unwrap();
        number!(g, "how/", "wavelength", 5.3);
        number!(g, "how/", "beamwH", 1.2);
    }
    for n in 1..=N_DATASETS {
        let (rays, bins) = match n {
            1 => tweaks.data_shape.unwrap_or((4, 5)),
            _ => (4, 5),
        };
        let n_startaz = match n {
            1 => tweaks.startaz_len.unwrap_or(rays),
            _ => rays,
        };
        let d = format!("dataset{n}/");
        let mut ds = file.add_group(&format!("dataset{n}")).unwrap();
        {
            let mut g = ds.add_group("what").unwrap();
            text!(g, format!("{d}what/"), "product", "SCAN");
            text!(g, format!("{d}what/"), "startdate", "20240501");
            text!(
                g,
                format!("{d}what/"),
                "starttime",
                format!("1200{:02}", n * 2).as_str()
            );
            text!(g, format!("{d}what/"), "enddate", "20240501");
            text!(
                g,
                format!("{d}what/"),
                "endtime",
                format!("1200{:02}", n * 2 + 2).as_str()
            );
        }
        {
            let mut g = ds.add_group("where").unwrap();
            number!(g, format!("{d}where/"), "elangle", n as f64);
            number!(g, format!("{d}where/"), "nrays", 4.0);
            number!(g, format!("{d}where/"), "nbins", 5.0);
            number!(g, format!("{d}where/"), "rstart", 100.0);
            number!(g, format!("{d}where/"), "rscale", 250.0);
            number!(g, format!("{d}where/"), "a1gate", 2.0);
        }
        {
            let mut g = ds.add_group("how").unwrap();
            let startaz: Vec<f64> = (0..n_startaz)
                .map(|i| i as f64 * 90.0 - 45.0)
                .map(|a| (a + 360.0) % 360.0)
                .collect();
            let stopaz: Vec<f64> = (0..rays).map(|i| i as f64 * 90.0 + 45.0).collect();
            if keep(&format!("{d}how/startazA")) {
                g.add_attribute("startazA", startaz).unwrap();
            }
            if keep(&format!("{d}how/stopazA")) {
                g.add_attribute("stopazA", stopaz).unwrap();
            }
        }
        for (m, quantity) in [(1, "TH"), (2, "VRADH")] {
            let p = format!("{d}data{m}/what/");
            let mut dm = ds.add_group(&format!("data{m}")).unwrap();
            {
                let mut g = dm.add_group("what").unwrap();
                text!(g, p, "quantity", quantity);
                number!(g, p, "gain", if m == 1 { 0.5 } else { 0.01 });
                number!(g, p, "offset", if m == 1 { -32.0 } else { -300.0 });
                number!(g, p, "nodata", if m == 1 { 255.0 } else { 65535.0 });
                number!(g, p, "undetect", 0.0);
            }
            dm.add_dimension("rays", rays).unwrap();
            dm.add_dimension("bins", bins).unwrap();
            if m == 1 {
                let mut v = dm.add_variable::<u8>("data", &["rays", "bins"]).unwrap();
                v.set_chunking(&[rays.min(4), bins.min(5)]).unwrap();
                if (rays, bins) == (4, 5) {
                    let codes: Vec<u8> = (0..20u8)
                        .map(|c| if c == 19 { 255 } else { c * 10 })
                        .collect();
                    v.put_values(&codes, ..).unwrap();
                }
            } else {
                let mut v = dm.add_variable::<u16>("data", &["rays", "bins"]).unwrap();
                v.set_chunking(&[rays.min(4), bins.min(5)]).unwrap();
                if (rays, bins) == (4, 5) {
                    let codes: Vec<u16> = (0..20u16).map(|c| 30_000 + c * 100).collect();
                    v.put_values(&codes, ..).unwrap();
                }
            }
        }
    }
    file.close().unwrap();
}

fn odim_error(tag: &str, tweaks: Tweaks) -> Error {
    let dir = temp_dir("odim-bad");
    let path = dir.join(format!("{tag}.h5"));
    write_odim(&path, &tweaks);
    let result = squall::io::open_volume(&path);
    std::fs::remove_file(&path).unwrap();
    match result {
        Ok(_) => panic!("{tag}: read without error"),
        Err(e) => e,
    }
}

#[test]
fn synthetic_odim_reads_with_every_convention() {
    let dir = temp_dir("odim-good");
    let path = dir.join("good.h5");
    write_odim(&path, &Tweaks::default());
    let (format, v) = squall::io::open_volume_with_format(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(format, Format::OdimH5);
    assert_eq!(
        (v.site.id.as_str(), v.site.name.as_str()),
        ("nldbl", "De Bilt")
    );
    assert_eq!(v.beam_width_deg, 1.2);
    assert_eq!(v.start_time.to_rfc3339(), "2024-05-01T12:00:02+00:00");
    // dataset1 … dataset11 in numeric order.
    let angles: Vec<f32> = v.sweeps.iter().map(|s| s.fixed_angle_deg).collect();
    assert_eq!(
        angles,
        (1..=N_DATASETS).map(|n| n as f32).collect::<Vec<_>>()
    );
    let s = &v.sweeps[0];
    // ODIM 2.4: rstart in metres.
    assert_eq!((s.first_gate_m, s.gate_spacing_m), (225.0, 250.0));
    // Ray 0 spans 315°–45°: centred on north.
    assert_eq!(s.azimuth_deg, [0.0, 90.0, 180.0, 270.0]);
    // 2 s over 4 rays, a1gate = 2 first.
    assert_eq!(s.time_s, [1.25, 1.75, 0.25, 0.75]);
    let th = &s.moments[0];
    assert_eq!(th.name, "DBTH");
    assert_eq!(th.status[[0, 0]], GateStatus::NoEcho);
    assert_eq!(th.values[[0, 1]], -27.0);
    assert_eq!(th.status[[3, 4]], GateStatus::NoData);
    assert!(th.values[[3, 4]].is_nan());
    let vradh = &s.moments[1];
    assert_eq!(
        (vradh.name.as_str(), vradh.units.as_str()),
        ("VRADH", "m/s")
    );
    assert!((vradh.values[[0, 0]] - 0.0).abs() < 1e-4);
    assert!((vradh.values[[3, 4]] - 19.0).abs() < 1e-4);
}

fn assert_names(e: &Error, path: &str) {
    match e {
        Error::Decode {
            format,
            source_name,
            reason,
            ..
        } => {
            assert_eq!(*format, "ODIM_H5");
            assert!(source_name.ends_with(".h5"), "{source_name}");
            assert!(reason.contains(path), "{reason} does not name {path}");
        }
        other => panic!("expected a decode error naming {path}, got {other}"),
    }
}

#[test]
fn missing_attributes_are_named() {
    for attr in [
        "what/object",
        "where/lat",
        "dataset3/where/nbins",
        "dataset10/where/elangle",
        "dataset2/where/rscale",
        "dataset1/what/starttime",
        "dataset4/data2/what/quantity",
        "dataset5/data1/what/gain",
    ] {
        let skip = [attr];
        let e = odim_error(
            "missing",
            Tweaks {
                skip: &skip,
                ..Tweaks::default()
            },
        );
        assert_names(&e, &format!("/{attr}"));
        assert!(e.to_string().contains("missing"), "{e}");
    }
}

#[test]
fn invalid_attributes_are_named() {
    for (attr, value) in [
        ("dataset1/where/a1gate", 4.0),
        ("dataset2/where/rscale", 0.0),
        ("dataset3/where/nbins", -5.0),
        ("where/lat", f64::NAN),
    ] {
        let set = [(attr, value)];
        let e = odim_error(
            "invalid",
            Tweaks {
                set: &set,
                ..Tweaks::default()
            },
        );
        assert_names(&e, &format!("/{attr}"));
    }
}

#[test]
fn absurd_ray_and_bin_counts_are_shape_errors() {
    for (attr, value) in [
        ("dataset1/where/nrays", 4e9),
        ("dataset6/where/nbins", 3e9),
        ("dataset2/where/nrays", 5.0),
    ] {
        let set = [(attr, value)];
        let e = odim_error(
            "absurd",
            Tweaks {
                set: &set,
                ..Tweaks::default()
            },
        );
        assert!(matches!(e, Error::Shape { .. }), "{attr}: {e}");
        assert!(e.to_string().contains("data"), "{e}");
    }
}

#[test]
fn huge_declared_arrays_hit_the_gate_limit_before_any_allocation() {
    // Metadata and data agree on 60 000 × 60 000 bins (chunked, never written: the file stays small).
    let set = [
        ("dataset1/where/nrays", 60_000.0),
        ("dataset1/where/nbins", 60_000.0),
    ];
    let e = odim_error(
        "huge",
        Tweaks {
            set: &set,
            data_shape: Some((60_000, 60_000)),
            ..Tweaks::default()
        },
    );
    match e {
        Error::Limits {
            requested, limit, ..
        } => {
            assert_eq!(requested, 2 * 60_000 * 60_000 + 10 * 2 * 20);
            assert_eq!(limit, 1 << 28);
        }
        other => panic!("expected a limit error, got {other}"),
    }
}

#[test]
fn per_ray_angles_of_the_wrong_length_are_shape_errors() {
    let e = odim_error(
        "startaz",
        Tweaks {
            startaz_len: Some(3),
            ..Tweaks::default()
        },
    );
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    assert!(e.to_string().contains("/dataset1/how/startazA"), "{e}");
}

#[test]
fn azimuths_without_start_angles_follow_the_spec() {
    let skip = ["dataset1/how/startazA"];
    // Without startazA the (fallback) azimuths are computed: not an error.
    let dir = temp_dir("odim-az");
    let path = dir.join("az.h5");
    write_odim(
        &path,
        &Tweaks {
            skip: &skip,
            ..Tweaks::default()
        },
    );
    let v = squall::io::open_volume(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(v.sweeps[0].azimuth_deg, [45.0, 135.0, 225.0, 315.0]);
}

/// Truncated copies of the real files fail cleanly, at every cut.
#[test]
fn truncated_real_files_are_clear_errors() {
    let dir = temp_dir("hdf5-cut");
    for name in [
        "40_20181220_060630.pvol.h5",
        "IDR66_20141206_094829.vol.h5",
        "T_PAZA63_C_LFPW_20230420065041.h5",
        "2014-08-10--182000.ppi.mvol",
    ] {
        let Some(path) = common::shared_radar_file(name) else {
            return;
        };
        let bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        for len in [
            8,
            100,
            512,
            2048,
            4096,
            n / 10,
            n / 3,
            n / 2,
            n - 4096,
            n - 1,
        ] {
            let cut = dir.join(format!("{len}-{name}"));
            std::fs::write(&cut, &bytes[..len]).unwrap();
            let result = squall::io::open_volume(&cut);
            std::fs::remove_file(&cut).unwrap();
            let e = result
                .err()
                .unwrap_or_else(|| panic!("{name} cut at {len} of {n} bytes read without error"));
            let message = e.to_string();
            assert!(message.contains(name), "{len}: {message}");
            assert!(
                matches!(
                    e,
                    Error::Netcdf { .. } | Error::Decode { .. } | Error::UnknownFormat { .. }
                ),
                "{len}: {message}"
            );
        }
    }
}

/// The GAMIC ray header as the library lays it out (a prefix of the real header's fields).
#[repr(C)]
#[derive(Clone, Copy)]
struct RayHeader {
    azimuth_start: f64,
    azimuth_stop: f64,
    elevation_start: f64,
    elevation_stop: f64,
    timestamp: i64,
}

// SAFETY: the descriptor lists every field of the #[repr(C)] struct with its type and offset.
unsafe impl netcdf::NcTypeDescriptor for RayHeader {
    fn type_descriptor() -> NcVariableType {
        let field = |name: &str, basetype, offset| CompoundTypeField {
            name: name.to_owned(),
            basetype,
            arraydims: None,
            offset,
        };
        let f64t = NcVariableType::Float(FloatType::F64);
        NcVariableType::Compound(CompoundType {
            name: "ray_header_t".to_owned(),
            size: std::mem::size_of::<RayHeader>(),
            fields: vec![
                field("azimuth_start", f64t.clone(), 0),
                field("azimuth_stop", f64t.clone(), 8),
                field("elevation_start", f64t.clone(), 16),
                field("elevation_stop", f64t, 24),
                field("timestamp", NcVariableType::Int(IntType::I64), 32),
            ],
        })
    }
}

/// A one-scan GAMIC file of 4 rays (scanned from 180° on) × 3 bins with a UV8 `Zh` and a UV16 `Vh`;
/// `ray_count` overrides the declared ray count.
fn write_gamic(path: &Path, ray_count: u32, format: &str) {
    let mut file = netcdf::create(path).unwrap();
    {
        let mut g = file.add_group("what").unwrap();
        g.add_attribute("object", "PVOL").unwrap();
        g.add_attribute("date", "2014-08-10T18:24:06Z").unwrap();
    }
    {
        let mut g = file.add_group("where").unwrap();
        g.add_attribute("lat", 50.73).unwrap();
        g.add_attribute("lon", 7.07).unwrap();
        g.add_attribute("height", 99.5).unwrap();
    }
    file.add_group("how")
        .unwrap()
        .add_attribute("site_name", "Bonn")
        .unwrap();
    let mut scan = file.add_group("scan0").unwrap();
    scan.add_group("what")
        .unwrap()
        .add_attribute("scan_type", "PPI")
        .unwrap();
    {
        let mut how = scan.add_group("how").unwrap();
        how.add_attribute("elevation", 1.5).unwrap();
        how.add_attribute("ray_count", ray_count).unwrap();
        how.add_attribute("bin_count", 3u32).unwrap();
        how.add_attribute("range_start", 0.0).unwrap();
        how.add_attribute("range_step", 50.0).unwrap();
        how.add_attribute("range_samples", 2u32).unwrap();
        how.add_attribute("radar_wave_length", 0.0321).unwrap();
        how.add_attribute("PRF", 1000u32).unwrap();
        how.add_attribute("unfolding", 0u32).unwrap();
    }
    scan.add_dimension("rays", 4).unwrap();
    scan.add_dimension("bins", 3).unwrap();
    scan.add_type::<RayHeader>().unwrap();
    let headers: Vec<RayHeader> = (0..4)
        .map(|i| RayHeader {
            azimuth_start: (180.0 + 90.0 * i as f64) % 360.0,
            azimuth_stop: (270.0 + 90.0 * i as f64) % 360.0,
            elevation_start: 1.5,
            elevation_stop: 1.5,
            timestamp: 1_407_695_015_000_000 + i * 500_000,
        })
        .collect();
    scan.add_variable::<RayHeader>("ray_header", &["rays"])
        .unwrap()
        .put_values(&headers, ..)
        .unwrap();
    {
        let mut v = scan
            .add_variable::<u8>("moment_0", &["rays", "bins"])
            .unwrap();
        v.put_values(&[0u8, 1, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90], ..)
            .unwrap();
        v.put_attribute("moment", "Zh").unwrap();
        v.put_attribute("format", format).unwrap();
        v.put_attribute("dyn_range_min", -32.0f32).unwrap();
        v.put_attribute("dyn_range_max", 95.5f32).unwrap();
    }
    {
        let mut v = scan
            .add_variable::<u16>("moment_1", &["rays", "bins"])
            .unwrap();
        v.put_values(&[1u16, 32768, 65535, 0, 1, 2, 3, 4, 5, 6, 7, 8], ..)
            .unwrap();
        v.put_attribute("moment", "Vh").unwrap();
        v.put_attribute("format", "UV16").unwrap();
        v.put_attribute("dyn_range_min", -16.0f32).unwrap();
        v.put_attribute("dyn_range_max", 16.0f32).unwrap();
    }
    file.close().unwrap();
}

#[test]
fn synthetic_gamic_reads_and_sorts_rays() {
    let dir = temp_dir("gamic-good");
    let path = dir.join("good.mvol");
    write_gamic(&path, 4, "UV8");
    let (format, v) = squall::io::open_volume_with_format(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(format, Format::Gamic);
    assert_eq!(v.site.id, "Bonn");
    let s = &v.sweeps[0];
    // Rays scanned from 180°: sorted by azimuth, ray 2 (0°–90°) first.
    assert_eq!(s.azimuth_deg, [45.0, 135.0, 225.0, 315.0]);
    assert_eq!(s.time_s, [1.0, 1.5, 0.0, 0.5]);
    assert_eq!((s.first_gate_m, s.gate_spacing_m), (50.0, 100.0));
    assert!((s.nyquist_mps.unwrap() - 0.0321 * 1000.0 / 4.0).abs() < 1e-6);
    let zh = &s.moments[0];
    assert_eq!(zh.name, "DBZH");
    // File ray 0 is output ray 2: codes 0, 1, 255.
    assert_eq!(zh.status[[2, 0]], GateStatus::NoEcho);
    assert_eq!(zh.values[[2, 1]], -32.0);
    assert_eq!(zh.values[[2, 2]], 95.5);
    let vh = &s.moments[1];
    assert_eq!(vh.name, "VRADH");
    assert_eq!(vh.values[[2, 0]], -16.0);
    assert!((vh.values[[2, 1]] - 16.0 * (32767.0 / 65534.0 * 2.0 - 1.0)).abs() < 1e-5);
    assert_eq!(vh.values[[2, 2]], 16.0);
    assert_eq!(vh.status[[3, 0]], GateStatus::NoEcho);
}

#[test]
fn gamic_ray_count_disagreeing_with_the_data_is_a_shape_error() {
    let dir = temp_dir("gamic-bad");
    let path = dir.join("rays.mvol");
    write_gamic(&path, 4_000_000, "UV8");
    let e = squall::io::open_volume(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    assert!(e.to_string().contains("/scan0/moment_0"), "{e}");
}

#[test]
fn gamic_unknown_format_is_unsupported() {
    let dir = temp_dir("gamic-fmt");
    let path = dir.join("fmt.mvol");
    write_gamic(&path, 4, "UV12");
    let e = squall::io::open_volume(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(e, Error::Unsupported(_)), "{e}");
    assert!(e.to_string().contains("UV12"), "{e}");
}
