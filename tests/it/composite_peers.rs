//! The composite readers against pysteps on the three real nowcasting sequences (numbers recorded in
//! `testdata/reference/composite_<service>_pysteps.json` by `benches/compare/composite_reference.py`): every
//! file's time, valid-cell count, mean, min and max, the position and value of the maximum and a few other
//! pixels (the same cell must hold the same value: orientation), pysteps' grid metadata, and the longitude and
//! latitude of the corner and centre cells computed by pyproj.

use crate::common;

use serde_json::Value;
use squall::geo::projection::{AlbersEqualArea, StereographicScale};
use squall::geo::{GridSequence, Projection};
use squall::io::composite::open_sequence_dir;

fn reference(service: &str) -> Value {
    common::reference_json(&format!("composite_{service}_pysteps.json"))
}

/// Absolute tolerance 1e-3, relative 1e-5 for values above 100.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-3_f64.max(1e-5 * b.abs())
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Reads the service's folder and compares every frame with the fixture; returns the sequence and fixture.
fn check_frames(service: &str) -> Option<(GridSequence, Value)> {
    let peer = reference(service);
    let dir = common::nowcast_dir(peer["folder"].as_str().unwrap())?;
    let seq = open_sequence_dir(&dir).unwrap();
    let files = peer["files"].as_array().unwrap();
    assert_eq!(seq.len(), files.len(), "{service}: frame count");
    let shape = (f(&peer["shape"][0]) as usize, f(&peer["shape"][1]) as usize);
    assert_eq!(seq.spec.shape(), shape, "{service}: grid shape");
    assert_eq!(seq.units, peer["units_compared"].as_str().unwrap());
    for (k, file) in files.iter().enumerate() {
        let ctx = format!("{service} {}", file["file"]);
        assert_eq!(
            seq.times[k].format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            file["time"].as_str().unwrap(),
            "{ctx}: time from the file's metadata vs pysteps' (file name)"
        );
        let frame = seq.frame(k);
        let finite: Vec<f64> = frame
            .iter()
            .filter(|v| v.is_finite())
            .map(|&v| f64::from(v))
            .collect();
        assert_eq!(
            finite.len() as u64,
            file["valid"].as_u64().unwrap(),
            "{ctx}: valid cells"
        );
        let mean = finite.iter().sum::<f64>() / finite.len() as f64;
        let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (key, ours) in [("mean", mean), ("min", min), ("max", max)] {
            let theirs = f(&file[key]);
            assert!(
                close(ours, theirs),
                "{ctx} {key}: squall {ours}, pysteps {theirs}"
            );
        }
        // pysteps' zerovalue is the minimum, its threshold the smallest value above it.
        let threshold = finite
            .iter()
            .copied()
            .filter(|&v| v > min)
            .fold(f64::INFINITY, f64::min);
        assert!(close(min, f(&file["zerovalue"])), "{ctx}: zerovalue");
        assert!(
            close(threshold, f(&file["threshold"])),
            "{ctx}: threshold {threshold}"
        );
        // First maximum in row-major order, as np.nanargmax.
        let (argmax, _) = frame.indexed_iter().filter(|(_, v)| v.is_finite()).fold(
            ((0, 0), f32::NEG_INFINITY),
            |best, (rc, &v)| {
                if v > best.1 { (rc, v) } else { best }
            },
        );
        let expected = (
            f(&file["argmax"][0]) as usize,
            f(&file["argmax"][1]) as usize,
        );
        assert_eq!(argmax, expected, "{ctx}: position of the maximum");
        for pixel in file["pixels"].as_array().unwrap() {
            let (r, c) = (f(&pixel[0]) as usize, f(&pixel[1]) as usize);
            let ours = f64::from(frame[[r, c]]);
            match pixel[2].as_f64() {
                Some(theirs) => assert!(
                    close(ours, theirs),
                    "{ctx} ({r}, {c}): squall {ours}, pysteps {theirs}"
                ),
                None => assert!(
                    ours.is_nan(),
                    "{ctx} ({r}, {c}): squall {ours}, pysteps no data"
                ),
            }
        }
    }
    Some((seq, peer))
}

/// Corner and centre cells within 1 m of pyproj's longitude/latitude; returns the largest distance (m).
fn check_georeference(seq: &GridSequence, peer: &Value) -> f64 {
    let mut worst: f64 = 0.0;
    for cell in peer["georeference"]["cells"].as_array().unwrap() {
        let (r, c) = (f(&cell["row"]) as usize, f(&cell["col"]) as usize);
        let (lon, lat) = seq.spec.lonlat(r, c).unwrap();
        let metres_per_degree = 6_371_000.0 * std::f64::consts::PI / 180.0;
        let dy = (lat - f(&cell["lat"])) * metres_per_degree;
        let dx = (lon - f(&cell["lon"])) * metres_per_degree * lat.to_radians().cos();
        let distance = dx.hypot(dy);
        assert!(
            distance < 1.0,
            "cell ({r}, {c}): ({lon}, {lat}) is {distance} m from pyproj's"
        );
        worst = worst.max(distance);
    }
    eprintln!(
        "{}: largest distance to pyproj {worst:.2e} m",
        peer["service"]
    );
    worst
}

fn meta(peer: &Value, key: &str) -> f64 {
    f(&peer["metadata"][key])
}

#[test]
fn bom_rainfields_sequence_matches_pysteps() {
    let Some((seq, peer)) = check_frames("bom") else {
        return;
    };
    check_georeference(&seq, &peer);
    let spec = &seq.spec;
    // pysteps' x1, x2, y1, y2 are the extreme coordinate values: Squall's outer cell centres.
    let (x_first, y_first) = spec.xy(0, 0);
    let (x_last, y_last) = spec.xy(spec.ny - 1, spec.nx - 1);
    for (key, ours) in [
        ("x1", x_first),
        ("x2", x_last),
        ("y1", y_last),
        ("y2", y_first),
    ] {
        assert!(close(ours, meta(&peer, key)), "{key}: {ours}");
    }
    assert_eq!(
        (spec.dx, -spec.dy),
        (meta(&peer, "xpixelsize"), meta(&peer, "ypixelsize"))
    );
    assert_eq!(peer["metadata"]["yorigin"], "upper");
    assert!(spec.dy < 0.0, "row 0 is the northern row");
    // pysteps: depth in mm per accutime minutes; Squall: mm/h, one frame per accumulation period.
    assert_eq!(peer["metadata"]["unit"], "mm");
    assert_eq!(seq.timestep_s as f64, meta(&peer, "accutime") * 60.0);
    let Projection::AlbersEqualArea(AlbersEqualArea {
        standard_parallels_deg,
        latitude_origin_deg,
        longitude_origin_deg,
        ..
    }) = &spec.projection
    else {
        panic!("{:?}", spec.projection)
    };
    let pysteps = peer["metadata"]["projection"].as_str().unwrap();
    for (key, value) in [
        ("lon_0", *longitude_origin_deg),
        ("lat_0", *latitude_origin_deg),
        ("lat_1", standard_parallels_deg.0),
        ("lat_2", standard_parallels_deg.1),
    ] {
        assert!(
            pysteps.contains(&format!("+{key}={value:.3}")),
            "{pysteps} lacks {key} {value}"
        );
    }
}

#[test]
fn rmi_odim_sequence_matches_pysteps() {
    let Some((seq, peer)) = check_frames("rmi") else {
        return;
    };
    check_georeference(&seq, &peer);
    let spec = &seq.spec;
    for (key, ours) in ["x1", "y1", "x2", "y2"].into_iter().zip(spec.extent()) {
        assert!(
            (ours - meta(&peer, key)).abs() < 1e-3,
            "{key}: {ours} vs {}",
            meta(&peer, key)
        );
    }
    assert_eq!(
        (spec.dx, -spec.dy),
        (meta(&peer, "xpixelsize"), meta(&peer, "ypixelsize"))
    );
    assert_eq!(peer["metadata"]["unit"], "mm/h");
    assert_eq!(seq.timestep_s as f64, meta(&peer, "accutime") * 60.0);
    let projdef = peer["metadata"]["projection"].as_str().unwrap();
    assert_eq!(spec.projection, Projection::from_proj_string(projdef));
    assert!(matches!(
        spec.projection,
        Projection::LambertConformalConic(_)
    ));
}

#[test]
fn fmi_pgm_sequence_matches_pysteps() {
    let Some((seq, peer)) = check_frames("fmi") else {
        return;
    };
    check_georeference(&seq, &peer);
    let spec = &seq.spec;
    // pysteps adds a false origin the file does not carry; Squall has none.
    let (false_easting, false_northing) = (380_886.310, 3_395_677.920);
    let shifted = [false_easting, false_northing, false_easting, false_northing];
    for ((key, ours), shift) in ["x1", "y1", "x2", "y2"]
        .into_iter()
        .zip(spec.extent())
        .zip(shifted)
    {
        assert!(
            (ours + shift - meta(&peer, key)).abs() < 1e-3,
            "{key}: {ours}"
        );
    }
    assert!(
        (spec.dx - meta(&peer, "xpixelsize")).abs() < 1e-3,
        "{}",
        spec.dx
    );
    assert!(
        (-spec.dy - meta(&peer, "ypixelsize")).abs() < 1e-3,
        "{}",
        spec.dy
    );
    assert_eq!(
        (
            peer["metadata"]["unit"].as_str(),
            peer["metadata"]["transform"].as_str()
        ),
        (Some("dBZ"), Some("dB"))
    );
    assert_eq!(seq.timestep_s as f64, meta(&peer, "accutime") * 60.0);
    let Projection::Stereographic(st) = &spec.projection else {
        panic!("{:?}", spec.projection)
    };
    assert_eq!(st.scale, StereographicScale::TrueScaleLatitude(60.0));
    let pysteps = peer["metadata"]["projection"].as_str().unwrap();
    let ours = format!(
        "+lon_0={}E +lat_0={}N +lat_ts=60 +a={}",
        st.longitude_origin_deg, st.latitude_origin_deg, st.ellipsoid.semi_major_axis_m
    );
    assert!(pysteps.contains(&ours), "{pysteps} vs {ours}");
    assert!(st.ellipsoid.is_sphere());
}
