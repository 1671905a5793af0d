//! The dual-polarisation chain on real volumes against Py-ART, wradlib and CSU_RadarTools run on the same gates
//! (numbers recorded in `testdata/reference/dualpol_*_peers.json` by `benches/compare/dualpol_reference.py`):
//! the X-band CINRAD volume ZG170 and the C-band CfRadial volume of MeteoSwiss Monte Lema (MLL).

use crate::common;

use std::io::Read;
use std::path::PathBuf;

use ndarray::Array2;
use serde_json::Value;
use squall::dualpol::attenuation::{self, AttenuationCoefficients, AttenuationMethod};
use squall::dualpol::hydroclass::{self, ClassifyInputs, HydroclassWeights};
use squall::dualpol::phidp::{KdpMethod, PathPhase, VulpianiKdp};
use squall::dualpol::{Config, MomentNames, TemperatureProfile, process};
use squall::{Band, PolarVolume};

const X_FILE: &str = "Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2";
const C_FILE: &str = "MLL2217907250U.003.nc";
const C_TEMP: &str = "20220628072500_savevol_COSMO_LOOKUP_TEMP.nc";

fn column(fixture: &Value, name: &str) -> Vec<Option<f64>> {
    fixture["sample"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::as_f64)
        .collect()
}

fn indices(fixture: &Value, name: &str) -> Vec<usize> {
    fixture["sample"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect()
}

/// Our value of a moment of sweep 0 at the sample gates (`None` where not valid).
fn ours(volume: &PolarVolume, name: &str, rays: &[usize], gates: &[usize]) -> Vec<Option<f64>> {
    let m = volume.sweeps[0].moment(name).unwrap();
    rays.iter()
        .zip(gates)
        .map(|(&r, &g)| {
            let v = m.values[[r, g]];
            v.is_finite().then_some(f64::from(v))
        })
        .collect()
}

/// Pairs where both are present (and `keep` holds for the sample index).
fn pairs(
    a: &[Option<f64>],
    b: &[Option<f64>],
    keep: impl Fn(usize) -> bool,
) -> (Vec<f64>, Vec<f64>) {
    a.iter()
        .zip(b)
        .enumerate()
        .filter_map(|(i, (x, y))| Some((i, (*x)?, (*y)?)))
        .filter(|(i, _, _)| keep(*i))
        .map(|(_, x, y)| (x, y))
        .unzip()
}

fn share_within(a: &[f64], b: &[f64], tolerance: f64) -> f64 {
    a.iter()
        .zip(b)
        .filter(|(x, y)| (*x - *y).abs() <= tolerance)
        .count() as f64
        / a.len() as f64
}

fn median_abs(a: &[f64], b: &[f64]) -> f64 {
    let mut d: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}

/// The distribution of our corrected Z minus the peer's over a set of gates, dB.
#[derive(Debug)]
struct Differences {
    n: usize,
    /// Mean of ours − peer.
    bias: f64,
    /// Median, 95th percentile and largest |ours − peer|.
    median_abs: f64,
    p95_abs: f64,
    max_abs: f64,
    within_1db: f64,
    within_2db: f64,
}

fn differences(ours: &[f64], peer: &[f64]) -> Differences {
    let mut abs: Vec<f64> = ours.iter().zip(peer).map(|(a, b)| (a - b).abs()).collect();
    abs.sort_by(f64::total_cmp);
    let quantile = |p: f64| abs[((abs.len() - 1) as f64 * p).round() as usize];
    Differences {
        n: abs.len(),
        bias: ours.iter().zip(peer).map(|(a, b)| a - b).sum::<f64>() / abs.len() as f64,
        median_abs: quantile(0.5),
        p95_abs: quantile(0.95),
        max_abs: quantile(1.0),
        within_1db: share_within(ours, peer, 1.0),
        within_2db: share_within(ours, peer, 2.0),
    }
}

impl std::fmt::Display for Differences {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} gates: bias {:+.3} dB, |Δ| median {:.2} / 95th percentile {:.2} / max {:.2} dB, {:.1} % within 1 dB, \
             {:.1} % within 2 dB",
            self.n,
            self.bias,
            self.median_abs,
            self.p95_abs,
            self.max_abs,
            100.0 * self.within_1db,
            100.0 * self.within_2db
        )
    }
}

struct Comparison {
    kdp_vulpiani_corr: f64,
    kdp_vulpiani_corr_valid: f64,
    kdp_maesaka_corr: f64,
    kdp_ls_vs_bringi_corr: f64,
    zphi_within_1db: f64,
    zphi_median_abs_db: f64,
    pyart_within_1db: f64,
    pyart_median_abs_db: f64,
    pyart_valid_within_1db: f64,
    pyart_valid_share: f64,
    /// As `pyart_valid_within_1db`, where the peer's ΦDP is valid along the whole path of the ray.
    pyart_strict_within_1db: f64,
    pyart_strict_share: f64,
    maesaka_within_1db: f64,
    /// Where the peer's ΦDP is valid up to the gate (the set).
    valid: Differences,
    /// Where it is also confirmed: Py-ART's ZPHI on its own Maesaka ΦDP within 1 dB of the peer at the gate.
    confirmed: Differences,
    /// The run on the monotone path phase: within 1 dB of the peer where valid, and of Py-ART on Maesaka.
    monotone_valid_within_1db: f64,
    monotone_maesaka_within_1db: f64,
    linear_within_1db: f64,
    class_agreement: f64,
    off: OffGates,
    off_strict: OffGates,
}

/// The sampled gates where the peer is valid and our end-to-end corrected Z (ZPHI with Py-ART's conventions) is
/// more than 1 dB from Py-ART's, judged by the third ΦDP the fixture holds (Py-ART's own Maesaka fit to the
/// measured phase) at the last sampled gate of the same ray at or beyond the gate, where our, wradlib's and
/// Maesaka's phases are all defined (the path end that sets ZPHI's ΔΦ lies beyond the gate).
#[derive(Debug, Default)]
struct OffGates {
    /// Gates off by more than 1 dB.
    n: usize,
    /// Of those, gates with a downstream phase to judge by.
    judged: usize,
    /// Of those, gates where wradlib's phase is more than 10° from Maesaka's downstream (the peer's ΦDP is not
    /// valid where its ΔΦ comes from).
    peer_invalid_downstream: usize,
    /// Of those, gates where our phase is nearer Maesaka's than wradlib's.
    ours_nearer: usize,
    /// Gates (of `n`) judged by Py-ART's ZPHI on its own Maesaka ΦDP at the gate itself (a third ΦDP processing of
    /// the same measurement through the same ZPHI): ours more than 1 dB from it while the peer is within 1 dB.
    ours_wrong: usize,
    /// The peer more than 1 dB from it while ours is within 1 dB.
    peer_wrong: usize,
    /// Neither (both within 1 dB of it, or both more than 1 dB from it).
    undecidable: usize,
}

fn off_gates(
    label: &str,
    validity: &str,
    fixture: &Value,
    pyart: &PolarVolume,
    valid: impl Fn(usize) -> bool,
) -> OffGates {
    let rays = indices(fixture, "ray");
    let gates = indices(fixture, "gate");
    let z = ours(pyart, "DBZH_CORR", &rays, &gates);
    let our_phase = &pyart.sweeps[0].moment("PHIDP_CORR").unwrap().values;
    let peer_z = column(fixture, "dbzh_pyart_zphi");
    let maesaka_z = column(fixture, "dbzh_pyart_zphi_maesaka");
    let wradlib = column(fixture, "phidp_wradlib");
    let maesaka = column(fixture, "phidp_pyart_maesaka");
    let mut account = OffGates::default();
    let mut by_ray = std::collections::BTreeMap::new();
    for i in 0..rays.len() {
        let (Some(a), Some(b)) = (z[i], peer_z[i]) else {
            continue;
        };
        if !valid(i) || (a - b).abs() <= 1.0 {
            continue;
        }
        account.n += 1;
        // the third processing's corrected Z at the gate decides, where it can
        let verdict = maesaka_z[i].map(|m| ((a - m).abs() <= 1.0, (b - m).abs() <= 1.0));
        let class = match verdict {
            Some((false, true)) => {
                account.ours_wrong += 1;
                0
            }
            Some((true, false)) => {
                account.peer_wrong += 1;
                1
            }
            _ => {
                account.undecidable += 1;
                2
            }
        };
        // the last sampled gate of the ray at or beyond this one with both peers' phases; ours there is the path
        // phase held from our last defined gate at or before it (0 before the first)
        let downstream = (i..rays.len())
            .take_while(|&j| rays[j] == rays[i])
            .filter_map(|j| {
                let held = our_phase
                    .row(rays[j])
                    .slice(ndarray::s![..=gates[j]])
                    .iter()
                    .rev()
                    .find(|v| v.is_finite())
                    .map_or(0.0, |&v| f64::from(v));
                Some((j, held, wradlib[j]?, maesaka[j]?))
            })
            .last();
        let entry = by_ray.entry(rays[i]).or_insert((0, [0; 3], None));
        entry.0 += 1;
        entry.1[class] += 1;
        let Some((j, o, w, m)) = downstream else {
            continue;
        };
        entry.2 = Some((gates[j], o, w, m));
        account.judged += 1;
        account.peer_invalid_downstream += usize::from((w - m).abs() > 10.0);
        account.ours_nearer += usize::from((o - m).abs() < (w - m).abs());
    }
    let rows: Vec<String> = by_ray
        .iter()
        .map(|(r, (n, [ours, peer, undecided], last))| {
            let verdict = format!("ours wrong {ours}, peer wrong {peer}, undecidable {undecided}");
            match last {
                Some((g, o, w, m)) => format!(
                    "ray {r}: {n} ({verdict}; gate {g}: ours {o:.0}, wradlib {w:.0}, Maesaka {m:.0})"
                ),
                None => format!("ray {r}: {n} ({verdict})"),
            }
        })
        .collect();
    eprintln!(
        "{label}: {} gates off by > 1 dB where the peer is valid ({validity}); by Py-ART's ZPHI on its Maesaka ΦDP at \
         the gate: ours wrong {}, peer wrong {}, undecidable {}; downstream ΦDP, wradlib > 10° from Maesaka at {} \
         of {} judged, ours nearer Maesaka at {}; by ray (ΦDP at the last sampled gate): {}",
        account.n,
        account.ours_wrong,
        account.peer_wrong,
        account.undecidable,
        account.peer_invalid_downstream,
        account.judged,
        account.ours_nearer,
        rows.join("; ")
    );
    account
}

/// Compares the chain with the peers' fixture. `classes` are our class codes at the sample gates.
fn compare(
    label: &str,
    fixture: &Value,
    [zphi, linear, vulpiani, pyart, monotone]: &[PolarVolume; 5],
    classes: &[Option<f64>],
) -> Comparison {
    let rays = indices(fixture, "ray");
    let gates = indices(fixture, "gate");
    // the same gates: our raw reflectivity equals the peer reader's at every sampled gate
    let raw = ours(zphi, "DBZH", &rays, &gates);
    let peer_raw = column(fixture, "dbzh_raw");
    for (i, (a, b)) in raw.iter().zip(&peer_raw).enumerate() {
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(
            (a - b).abs() < 0.01,
            "{label}: sample {i} DBZH {a} vs peer {b}"
        );
    }
    let hid: Vec<u64> = fixture["sample"]["hid_csu"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let temperature = column(fixture, "temperature_c");
    // rain: warmer than 0 °C, at least 20 dBZ, liquid for the peer classification
    let rain = |i: usize| {
        temperature[i].is_some_and(|t| t > 0.0)
            && peer_raw[i].is_some_and(|z| z >= 20.0)
            && matches!(hid[i], 1 | 2 | 10)
    };
    let (a, b) = pairs(
        &ours(vulpiani, "KDP", &rays, &gates),
        &column(fixture, "kdp_wradlib_vulpiani"),
        rain,
    );
    let kdp_vulpiani_corr = common::pearson(&a, &b);
    let n_kdp = a.len();
    // where the peer's ΦDP is valid: wradlib's reconstruction within 10° of Py-ART's monotonic fit (Maesaka) at
    // every gate of the ray up to this one that Py-ART kept (`wradlib_consistent`, computed by the peer script)
    let consistent: Vec<bool> = fixture["sample"]["wradlib_consistent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64() == Some(1))
        .collect();
    let (a, b) = pairs(
        &ours(vulpiani, "KDP", &rays, &gates),
        &column(fixture, "kdp_wradlib_vulpiani"),
        |i| rain(i) && consistent[i],
    );
    let kdp_vulpiani_corr_valid = common::pearson(&a, &b);
    let n_kdp_valid = a.len();
    let (a, b) = pairs(
        &ours(vulpiani, "KDP", &rays, &gates),
        &column(fixture, "kdp_pyart_maesaka"),
        rain,
    );
    let kdp_maesaka_corr = common::pearson(&a, &b);
    let (a, b) = pairs(
        &ours(zphi, "KDP", &rays, &gates),
        &column(fixture, "kdp_csu_bringi"),
        rain,
    );
    let kdp_ls_vs_bringi_corr = common::pearson(&a, &b);
    let (a, b) = pairs(
        &ours(zphi, "DBZH_CORR", &rays, &gates),
        &column(fixture, "dbzh_pyart_zphi"),
        |_| true,
    );
    let zphi_within_1db = share_within(&a, &b, 1.0);
    let zphi_median_abs_db = median_abs(&a, &b);
    let zphi_bias_db = a.iter().zip(&b).map(|(x, y)| x - y).sum::<f64>() / a.len() as f64;
    let n_z = a.len();
    let (a, b) = pairs(
        &ours(linear, "DBZH_CORR", &rays, &gates),
        &column(fixture, "dbzh_pyart_philinear"),
        |_| true,
    );
    let linear_within_1db = share_within(&a, &b, 1.0);
    let (a, b) = pairs(
        &ours(pyart, "DBZH_CORR", &rays, &gates),
        &column(fixture, "dbzh_pyart_zphi"),
        |_| true,
    );
    let pyart_within_1db = share_within(&a, &b, 1.0);
    let pyart_median = median_abs(&a, &b);
    let n_pyart = a.len();
    let (a, b) = pairs(
        &ours(pyart, "DBZH_CORR", &rays, &gates),
        &column(fixture, "dbzh_pyart_zphi"),
        |i| consistent[i],
    );
    let pyart_valid_within_1db = share_within(&a, &b, 1.0);
    let pyart_valid_median = median_abs(&a, &b);
    let valid = differences(&a, &b);
    let pyart_valid_share = a.len() as f64 / n_pyart as f64;
    let n_valid = a.len();
    let off = off_gates(label, "up to the gate", fixture, pyart, |i| consistent[i]);
    // stricter: the peer's ΦDP valid along the whole ZPHI path of the ray, beyond the gate too, since ZPHI's
    // correction at a gate depends on ΔΦ at the end of the path (Testud et al. 2000): `wradlib_consistent` must hold
    // at this gate and at the ray's last sampled gate inside Py-ART's path (before its end gate). The peer script
    // checks it at every kept gate up to the gate, so that covers the whole path up to its last sampled gate; the
    // gates beyond that (no Maesaka phase sampled there) cannot be checked.
    let end_gate = fixture["settings"]["pyart_zphi"]["end_gate"]
        .as_u64()
        .unwrap() as usize;
    let mut last_in_path = std::collections::HashMap::new();
    for (j, (&r, &g)) in rays.iter().zip(&gates).enumerate() {
        if g < end_gate {
            last_in_path.insert(r, j);
        }
    }
    let whole_path: Vec<bool> = (0..rays.len())
        .map(|i| consistent[i] && last_in_path.get(&rays[i]).is_none_or(|&j| consistent[j]))
        .collect();
    let (a, b) = pairs(
        &ours(pyart, "DBZH_CORR", &rays, &gates),
        &column(fixture, "dbzh_pyart_zphi"),
        |i| whole_path[i],
    );
    let pyart_strict_within_1db = share_within(&a, &b, 1.0);
    let pyart_strict_share = a.len() as f64 / n_pyart as f64;
    let n_strict = a.len();
    let off_strict = off_gates(label, "along the whole path", fixture, pyart, |i| {
        whole_path[i]
    });
    let (a, b) = pairs(
        &ours(pyart, "DBZH_CORR", &rays, &gates),
        &column(fixture, "dbzh_pyart_zphi_maesaka"),
        |_| true,
    );
    let maesaka_within_1db = share_within(&a, &b, 1.0);
    // confirmed: a second processing of the same measurement by the peers (Py-ART's ZPHI on Py-ART's Maesaka ΦDP)
    // gives the peer's corrected Z within 1 dB at the gate
    let peer_z = column(fixture, "dbzh_pyart_zphi");
    let maesaka_z = column(fixture, "dbzh_pyart_zphi_maesaka");
    let (a, b) = pairs(&ours(pyart, "DBZH_CORR", &rays, &gates), &peer_z, |i| {
        consistent[i]
            && matches!((peer_z[i], maesaka_z[i]), (Some(p), Some(m)) if (p - m).abs() <= 1.0)
    });
    let confirmed = differences(&a, &b);
    let (a, b) = pairs(&ours(monotone, "DBZH_CORR", &rays, &gates), &peer_z, |i| {
        consistent[i]
    });
    let monotone_valid_within_1db = share_within(&a, &b, 1.0);
    let (a, b) = pairs(
        &ours(monotone, "DBZH_CORR", &rays, &gates),
        &maesaka_z,
        |_| true,
    );
    let monotone_maesaka_within_1db = share_within(&a, &b, 1.0);
    eprintln!(
        "{label}: end to end, ZPHI with Py-ART's conventions, each its own ΦDP, ours − peer where the peer's ΦDP is \
         valid: {valid}; where the peer's corrected Z is also confirmed by Py-ART on its own Maesaka ΦDP: \
         {confirmed}; on the monotone path phase: {:.1} % within 1 dB of the peer where valid, {:.1} % of Py-ART on \
         Maesaka",
        100.0 * monotone_valid_within_1db,
        100.0 * monotone_maesaka_within_1db
    );
    // the two peers against each other: Py-ART's ZPHI on wradlib's ΦDP and on Py-ART's own (Maesaka) ΦDP
    let (a, b) = pairs(
        &column(fixture, "dbzh_pyart_zphi"),
        &column(fixture, "dbzh_pyart_zphi_maesaka"),
        |_| true,
    );
    let peers_within_1db = share_within(&a, &b, 1.0);
    let peer_classes: Vec<Option<f64>> = hid.iter().map(|&c| Some(c as f64)).collect();
    let (a, b) = pairs(classes, &peer_classes, |i| hid[i] != 0);
    let agree = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    let class_agreement = agree as f64 / a.len() as f64;
    let mut confusion = std::collections::BTreeMap::new();
    for (x, y) in a.iter().zip(&b).filter(|(x, y)| x != y) {
        *confusion.entry((*x as u8, *y as u8)).or_insert(0usize) += 1;
    }
    let mut confusion: Vec<_> = confusion.into_iter().collect();
    confusion.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    confusion.truncate(5);
    eprintln!(
        "{label}: end to end, ZPHI with Py-ART's conventions, each its own ΦDP, where the peer's ΦDP is valid: \
         {:.1} % within 1 dB of Py-ART (on wradlib's ΦDP), median |Δ| {pyart_valid_median:.2} dB ({n_valid} gates, \
         {:.1} % of {n_pyart}); where it is valid along the whole path: {:.1} % within 1 dB ({n_strict} gates, \
         {:.1} %); vs Py-ART on its own Maesaka ΦDP: {:.1} % within 1 dB (all gates); the two peers \
         agree within 1 dB at {:.1} %; KDP corr in rain vs wradlib where its ΦDP is valid {kdp_vulpiani_corr_valid:.3} \
         ({n_kdp_valid} gates), vs Py-ART Maesaka {kdp_maesaka_corr:.3}",
        100.0 * pyart_valid_within_1db,
        100.0 * pyart_valid_share,
        100.0 * pyart_strict_within_1db,
        100.0 * pyart_strict_share,
        100.0 * maesaka_within_1db,
        100.0 * peers_within_1db,
    );
    eprintln!(
        "{label}: KDP corr in rain vs wradlib Vulpiani (same method) {kdp_vulpiani_corr:.3} ({n_kdp} gates); \
         adaptive LS vs CSU Bringi {kdp_ls_vs_bringi_corr:.3}; ZPHI Z vs Py-ART: {:.1} % within 1 dB, median \
         |Δ| {zphi_median_abs_db:.2} dB, mean Δ {zphi_bias_db:+.2} dB ({n_z} gates); ZPHI with Py-ART's conventions, each its own ΦDP: \
         {:.1} % within 1 dB, median |Δ| {pyart_median:.2} dB; linear vs Py-ART: {:.1} % within 1 dB; \
         class agreement with CSU {:.1} % ({} gates; commonest (ours, CSU) disagreements {confusion:?})",
        100.0 * zphi_within_1db,
        100.0 * pyart_within_1db,
        100.0 * linear_within_1db,
        100.0 * class_agreement,
        a.len()
    );
    Comparison {
        kdp_vulpiani_corr,
        kdp_vulpiani_corr_valid,
        kdp_maesaka_corr,
        kdp_ls_vs_bringi_corr,
        zphi_within_1db,
        zphi_median_abs_db,
        pyart_within_1db,
        pyart_median_abs_db: pyart_median,
        pyart_valid_within_1db,
        pyart_valid_share,
        pyart_strict_within_1db,
        pyart_strict_share,
        maesaka_within_1db,
        valid,
        confirmed,
        monotone_valid_within_1db,
        monotone_maesaka_within_1db,
        linear_within_1db,
        class_agreement,
        off,
        off_strict,
    }
}

/// The ΦDP Py-ART corrected with (wradlib's reconstruction, degrees; `NaN` where Py-ART's gate filter excluded
/// the gate), `(n_rays, n_gates)` of sweep 0.
fn pyart_phidp(fixture: &Value, dim: (usize, usize)) -> Array2<f32> {
    let name = fixture["settings"]["pyart_zphi"]["phidp_file"]
        .as_str()
        .unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/reference")
        .join(name);
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    let values: Vec<f32> = bytes
        .chunks_exact(2)
        .map(|b| match i16::from_le_bytes([b[0], b[1]]) {
            -32768 => f32::NAN,
            v => f32::from(v) / 100.0,
        })
        .collect();
    Array2::from_shape_vec(dim, values).unwrap()
}

/// Our ZPHI with Py-ART's conventions run on Py-ART's own input (the same ΦDP and gates): the share of sampled gates
/// within 1 dB of Py-ART's corrected reflectivity, over all gates where Py-ART's is valid and over those warmer than
/// 0 °C that Py-ART's gate filter kept (rain for both), and the median |Δ|.
fn same_phase(
    label: &str,
    volume: &PolarVolume,
    config: &Config,
    fixture: &Value,
) -> (f64, f64, f64) {
    let sweep = &volume.sweeps[0];
    let dbzh = &sweep.moment(&config.names.dbzh).unwrap().values;
    let phidp = pyart_phidp(fixture, dbzh.dim());
    let weather = phidp.mapv(f32::is_finite);
    let warm = config
        .temperature
        .sweep_temperature_c(sweep, volume.site.altitude_m)
        .mapv(|t| t > 0.0);
    let band = volume.band().unwrap();
    let c = attenuation::correct_as_pyart(
        dbzh.view(),
        None,
        phidp.view(),
        weather.view(),
        warm.view(),
        sweep.gate_spacing_m,
        &AttenuationCoefficients::for_band(band).unwrap(),
    )
    .unwrap();
    let rays = indices(fixture, "ray");
    let gates = indices(fixture, "gate");
    let corrected: Vec<Option<f64>> = rays
        .iter()
        .zip(&gates)
        .map(|(&r, &g)| {
            let v = c.dbzh[[r, g]];
            (weather[[r, g]] && v.is_finite()).then_some(f64::from(v))
        })
        .collect();
    let peer = column(fixture, "dbzh_pyart_zphi");
    let (a, b) = pairs(&corrected, &peer, |_| true);
    let all = share_within(&a, &b, 1.0);
    let median = median_abs(&a, &b);
    let n_all = a.len();
    let (a, b) = pairs(&corrected, &peer, |i| warm[[rays[i], gates[i]]]);
    let rain = share_within(&a, &b, 1.0);
    eprintln!(
        "{label}: ZPHI with Py-ART's conventions on Py-ART's ΦDP and gates: {:.1} % within 1 dB of Py-ART \
         ({n_all} gates), {:.1} % in rain ({} gates), median |Δ| {median:.3} dB",
        100.0 * all,
        100.0 * rain,
        a.len()
    );
    (all, rain, median)
}

/// The five runs of our chain: default (adaptive LS KDP + ZPHI), linear correction, Vulpiani KDP configured as
/// wradlib was, ZPHI with Py-ART's conventions, and the same on the monotone path phase.
fn runs(volume: &PolarVolume, base: &Config, fixture: &Value) -> [PolarVolume; 5] {
    let wradlib = &fixture["settings"]["wradlib_vulpiani"];
    let winlen = wradlib["winlen_gates"].as_u64().unwrap() as f32;
    let spacing = fixture["gate_spacing_m"].as_f64().unwrap() as f32;
    let vulpiani = Config {
        // same half-window as wradlib's odd `winlen` gates
        kdp: KdpMethod::Vulpiani(VulpianiKdp {
            window_m: (winlen - 1.0) * spacing,
            iterations: wradlib["niter"].as_u64().unwrap() as usize,
            // wradlib's physical bounds th1, th2 (its defaults, attributed to Vulpiani et al. 2012)
            min_kdp: -2.0,
            max_kdp: 20.0,
        }),
        ..base.clone()
    };
    let linear = Config {
        attenuation: AttenuationMethod::Linear,
        ..base.clone()
    };
    let pyart = Config {
        attenuation: AttenuationMethod::ZphiPyArt,
        ..base.clone()
    };
    [
        process(volume, base).unwrap(),
        process(volume, &linear).unwrap(),
        process(volume, &vulpiani).unwrap(),
        process(volume, &pyart).unwrap(),
        process(
            volume,
            &Config {
                path_phase: PathPhase::Monotone,
                ..pyart
            },
        )
        .unwrap(),
    ]
}

#[test]
fn x_band_cinrad_against_pyart_wradlib_csu() {
    let Some(path) = common::shared_radar_file(X_FILE) else {
        return;
    };
    let fixture = common::reference_json("dualpol_zg170_x_peers.json");
    let volume = squall::io::open_volume(&path).unwrap();
    assert_eq!(volume.band(), Some(Band::X));
    let freezing = fixture["freezing_level_m"].as_f64().unwrap();
    let base = Config {
        temperature: TemperatureProfile::standard(freezing).unwrap(),
        ..Config::default()
    };
    // the same ΦDP and gates: Py-ART's corrected Z reproduced (rounding of the fixture's ΦDP and Z only)
    let (all, rain, median) = same_phase("X ZG170", &volume, &base, &fixture);
    assert!(all >= 0.999 && rain >= 0.999, "{all} {rain}");
    assert!(median <= 0.01, "{median}");
    let chain = runs(&volume, &base, &fixture);
    // classes from the run whose reflectivity is corrected as Py-ART's (the peer classified Py-ART's Z)
    let classes = ours(
        &chain[3],
        "HCLASS",
        &indices(&fixture, "ray"),
        &indices(&fixture, "gate"),
    );
    let c = compare("X ZG170", &fixture, &chain, &classes);
    assert!(c.kdp_vulpiani_corr >= 0.984, "{}", c.kdp_vulpiani_corr);
    assert!(
        c.kdp_vulpiani_corr_valid >= 0.993,
        "{}",
        c.kdp_vulpiani_corr_valid
    );
    assert!(c.kdp_maesaka_corr >= 0.9, "{}", c.kdp_maesaka_corr);
    // end to end where the peer's ΦDP is valid (wradlib's within 10° of Py-ART's Maesaka fit along the path up to
    // the gate): 97.0 % within 1 dB (96.9 % before the median windows were kept whole at the ends of runs); the
    // rest (81 gates) is ΔΦ at the end of the path more than 3° apart, ours nearer Py-ART's own Maesaka phase
    // downstream at 52 of them (see testdata/reference/README.md)
    assert!(c.pyart_valid_share >= 0.85, "{}", c.pyart_valid_share);
    assert!(
        c.pyart_valid_within_1db >= 0.969,
        "{}",
        c.pyart_valid_within_1db
    );
    // where it is valid along the whole path of the ray (ΔΦ comes from the path's end): 97.0 % of 2519 gates
    assert!(c.pyart_strict_share >= 0.8, "{}", c.pyart_strict_share);
    assert!(
        c.pyart_strict_within_1db >= 0.969,
        "{}",
        c.pyart_strict_within_1db
    );
    assert!(c.off.judged * 10 >= c.off.n * 9, "{:?}", c.off);
    assert!(c.off.ours_nearer * 100 >= c.off.judged * 60, "{:?}", c.off);
    // each off gate judged by Py-ART's ZPHI on its own Maesaka ΦDP at the gate: 34 ours wrong, 17 peer wrong, 30
    // undecidable (both within 1 dB of it or both off)
    assert_eq!(
        c.off.ours_wrong + c.off.peer_wrong + c.off.undecidable,
        c.off.n
    );
    assert!(c.off.ours_wrong * 100 <= c.off.n * 45, "{:?}", c.off);
    // 83.5 % (82.6 % before the median windows were kept whole at the ends of runs)
    assert!(c.maesaka_within_1db >= 0.83, "{}", c.maesaka_within_1db);
    // the distribution of ours − peer where the peer is valid: no bias, 95 % of gates within 0.77 dB, 99.6 % within 2
    assert!(c.valid.bias.abs() <= 0.1, "{}", c.valid);
    assert!(
        c.valid.median_abs <= 0.15 && c.valid.p95_abs <= 0.85,
        "{}",
        c.valid
    );
    assert!(c.valid.within_2db >= 0.99, "{}", c.valid);
    assert!(
        c.confirmed.p95_abs <= 0.75 && c.confirmed.within_1db >= 0.97,
        "{}",
        c.confirmed
    );
    // the monotone path phase agrees better with Py-ART's whole chain (83.5 → 90.3 %) and less with wradlib's
    assert!(
        c.monotone_maesaka_within_1db >= 0.90,
        "{}",
        c.monotone_maesaka_within_1db
    );
    assert!(
        c.monotone_valid_within_1db >= 0.945,
        "{}",
        c.monotone_valid_within_1db
    );
    assert!(
        c.kdp_ls_vs_bringi_corr >= 0.95,
        "{}",
        c.kdp_ls_vs_bringi_corr
    );
    // the whole chain with Py-ART's ZPHI conventions, each its own ΦDP: with the same ΦDP the two agree (above),
    // so what remains is our ΦDP processing against the wradlib reconstruction fed to Py-ART
    assert!(c.pyart_median_abs_db <= 0.3, "{}", c.pyart_median_abs_db);
    assert!(c.pyart_within_1db >= 0.95, "{}", c.pyart_within_1db);
    assert!(c.linear_within_1db >= 0.75, "{}", c.linear_within_1db);
    // Testud's ZPHI differs from Py-ART's by design (see AttenuationMethod::ZphiPyArt): more attenuation
    // near the radar, a median difference of 1.7 dB on this volume
    assert!(c.zphi_median_abs_db <= 2.5, "{}", c.zphi_median_abs_db);
    assert!(c.class_agreement >= 0.965, "{}", c.class_agreement);
}

#[test]
fn c_band_cfradial_against_pyart_wradlib_csu() {
    let (Some(path), Some(temp_path)) = (
        common::shared_radar_file(C_FILE),
        common::shared_radar_file(C_TEMP),
    ) else {
        return;
    };
    let fixture = common::reference_json("dualpol_mll_c_peers.json");
    let volume = squall::io::open_volume(&path).unwrap();
    assert_eq!(volume.band(), Some(Band::C));
    let freezing = fixture["freezing_level_m"].as_f64().unwrap();
    let base = Config {
        // the file holds the unfiltered ρhv and ΦDP under these names
        names: MomentNames {
            rhohv: "URHOHV".into(),
            phidp: "UPHIDP".into(),
            ..MomentNames::default()
        },
        temperature: TemperatureProfile::standard(freezing).unwrap(),
        ..Config::default()
    };
    let (all, rain, median) = same_phase("C MLL", &volume, &base, &fixture);
    assert!(all >= 0.999 && rain >= 0.999, "{all} {rain}");
    assert!(median <= 0.01, "{median}");
    let chain = runs(&volume, &base, &fixture);
    // classify again with the COSMO temperature of each gate, as the peer did
    let cosmo = squall::io::open_volume(&temp_path).unwrap();
    let temperature = &cosmo.sweeps[0].moment("temperature").unwrap().values;
    let s = &chain[3].sweeps[0];
    let codes = hydroclass::classify(
        &ClassifyInputs {
            dbzh: s.moment("DBZH_CORR").unwrap().values.view(),
            zdr: s.moment("ZDR_CORR").unwrap().values.view(),
            kdp: s.moment("KDP").unwrap().values.view(),
            rhohv: s.moment("URHOHV").unwrap().values.view(),
            temperature_c: Some(temperature.view()),
        },
        Band::C,
        &HydroclassWeights::default(),
    )
    .unwrap();
    let classes: Vec<Option<f64>> = indices(&fixture, "ray")
        .iter()
        .zip(indices(&fixture, "gate"))
        .map(|(&r, g)| (codes[[r, g]] != 0).then_some(f64::from(codes[[r, g]])))
        .collect();
    let c = compare("C MLL", &fixture, &chain, &classes);
    assert!(c.kdp_vulpiani_corr >= 0.983, "{}", c.kdp_vulpiani_corr);
    assert!(
        c.kdp_vulpiani_corr_valid >= 0.985,
        "{}",
        c.kdp_vulpiani_corr_valid
    );
    // Maesaka's variational KDP is much smoother than Vulpiani's at 500 m gates: wradlib's own Vulpiani KDP
    // correlates 0.767 with it on these gates, ours 0.806
    assert!(c.kdp_maesaka_corr >= 0.815, "{}", c.kdp_maesaka_corr);
    // end to end where the peer's ΦDP is valid (wradlib's within 10° of Py-ART's Maesaka fit along the path): the
    // clutter-built phase of wradlib's reconstruction is left out (about half the sampled gates)
    assert!(c.pyart_valid_share >= 0.45, "{}", c.pyart_valid_share);
    assert!(
        c.pyart_valid_within_1db >= 0.963,
        "{}",
        c.pyart_valid_within_1db
    );
    // where it is valid along the whole path of the ray: 99.0 % of 988 gates; the 10 gates off are ray 288, where
    // both peers carry the offset of a clutter gate at the start of their integration
    assert!(c.pyart_strict_share >= 0.3, "{}", c.pyart_strict_share);
    assert!(
        c.pyart_strict_within_1db >= 0.985,
        "{}",
        c.pyart_strict_within_1db
    );
    // the 54 gates off by more than 1 dB: at most of those judged, wradlib's phase downstream of the gate (where
    // the path ΔΦ comes from) is more than 10° from Py-ART's own Maesaka phase, and ours is nearer Maesaka's (all
    // 54); judged by Py-ART's ZPHI on Maesaka's ΦDP at the gate, none is ours wrong (36 peer wrong, 18 undecidable)
    assert!(c.off.judged * 10 >= c.off.n * 9, "{:?}", c.off);
    assert!(
        c.off.peer_invalid_downstream * 100 >= c.off.judged * 75,
        "{:?}",
        c.off
    );
    assert!(c.off.ours_nearer * 100 >= c.off.judged * 95, "{:?}", c.off);
    assert_eq!(
        c.off.ours_wrong + c.off.peer_wrong + c.off.undecidable,
        c.off.n
    );
    assert!(c.off.ours_wrong <= 2, "{:?}", c.off);
    assert!(c.off_strict.ours_wrong == 0, "{:?}", c.off_strict);
    // 96.6 % (95.5 % before the median windows were kept whole at the ends of runs)
    assert!(c.maesaka_within_1db >= 0.96, "{}", c.maesaka_within_1db);
    assert!(c.valid.bias.abs() <= 0.25, "{}", c.valid);
    assert!(
        c.valid.median_abs <= 0.1 && c.valid.p95_abs <= 0.95,
        "{}",
        c.valid
    );
    assert!(c.valid.within_2db >= 0.975, "{}", c.valid);
    // where the two peer processings agree, every gate is within 1.5 dB (ray 288: both peers carry a clutter offset)
    assert!(
        c.confirmed.p95_abs <= 0.85 && c.confirmed.within_1db >= 0.985,
        "{}",
        c.confirmed
    );
    assert!(c.confirmed.max_abs <= 1.5, "{}", c.confirmed);
    assert!(
        c.monotone_maesaka_within_1db >= 0.975,
        "{}",
        c.monotone_maesaka_within_1db
    );
    assert!(
        c.monotone_valid_within_1db >= 0.955,
        "{}",
        c.monotone_valid_within_1db
    );
    // the CSU FIR filter and our adaptive least squares are different estimators: reported, loosely bounded
    assert!(
        c.kdp_ls_vs_bringi_corr >= 0.65,
        "{}",
        c.kdp_ls_vs_bringi_corr
    );
    assert!(c.zphi_median_abs_db <= 0.5, "{}", c.zphi_median_abs_db);
    // 0.6498 since weak non-rain echo runs are left out of the phase (0.669 before): Testud's ZPHI differs from
    // Py-ART's by design, on all sampled gates including those where wradlib's ΦDP is not valid
    assert!(c.zphi_within_1db >= 0.64, "{}", c.zphi_within_1db);
    // each its own ΦDP: wradlib's reconstruction, on gates kept by ρhv >= 0.8 alone, gathers tens of degrees in the
    // noisy phase of the ground clutter around this mountain-top radar, which Py-ART then spreads over the rain
    // beyond; ours does not (see testdata/reference/README.md)
    assert!(c.pyart_median_abs_db <= 0.5, "{}", c.pyart_median_abs_db);
    // loosened from 0.65 and 0.6 (ZPHI 67.2 % → 64.2 %, linear 61.1 % → 60.0 %) when weak non-rain echo runs
    // (median ρhv < 0.9) were left out of the phase: these are all sampled gates, half of them where wradlib's ΦDP is not valid; there wradlib keeps the backscatter phase of the weak
    // near-radar echoes we now leave out, while agreement with Py-ART on its own Maesaka ΦDP rose from 90.5 % to
    // 95.5 % (bounded above). Loosened again from 0.64 (64.2 % → 63.7 %, linear 60.0 % → 59.1 %) when the median
    // windows were kept whole at the ends of runs: the gates lost are again among those where wradlib's ΦDP is not
    // valid, while agreement with Py-ART on Maesaka's ΦDP rose from 95.5 % to 96.6 % and the synthetic X-band truth
    // from 97.2 % to 97.8 % (ZPHI) and 99.2 % to 99.7 % (linear) within 1.5 dB
    assert!(c.pyart_within_1db >= 0.63, "{}", c.pyart_within_1db);
    assert!(c.linear_within_1db >= 0.58, "{}", c.linear_within_1db);
    // 83.7 % (83.4 % before)
    assert!(c.class_agreement >= 0.835, "{}", c.class_agreement);
    // rays with runs of weak echo (3-8 dBZ, median ρhv 0.79-0.87) reading 15-19° above the system phase, and rain
    // at the system phase beyond (rays 53-54 have no rain at all): their phase stays near 0° (it reached 16-20°
    // when those runs were in the path). Ray 79 is not fixed: its weak run has a median ρhv above 0.9.
    let phase = &chain[3].sweeps[0].moment("PHIDP_CORR").unwrap().values;
    for ray in [41, 53, 54, 59, 131] {
        let top = phase
            .row(ray)
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(top <= 5.0, "ray {ray}: |ΦDP| up to {top}°");
    }
}
