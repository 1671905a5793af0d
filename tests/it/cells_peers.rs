//! Side by side with tobac and pysteps' tstorm/tdating on the same sequences (their outputs recorded in
//! `testdata/reference/cells_*_peers.json` by `benches/compare/cells_reference.py`).

use crate::cells_truth;
use crate::common;

use std::collections::HashSet;

use cells_truth::{evaluate, resolvable, run};
use squall::cells::{CellFields, CellPipeline, IdentifyConfig, TrackerConfig};
use squall::synth::SceneConfig;

/// True cells found by centroids alone (one-to-one within 5 km), with the rules of the peers' scoring.
fn found_by_centroids(
    sequence: &squall::synth::StormSequence,
    centroids: &[Vec<(f64, f64)>],
) -> (usize, usize) {
    let n = sequence.frames[0].spec.ny as f64;
    let (mut found, mut total) = (0, 0);
    for (k, truth) in sequence.truth.iter().enumerate() {
        let visible = resolvable(&sequence.frames[k], &truth.cells);
        let mut pairs = Vec::new();
        for (j, &(r, c)) in centroids[k].iter().enumerate() {
            for t in &truth.cells {
                let d = (t.centroid_row - r).hypot(t.centroid_col - c);
                if d <= 5.0 {
                    pairs.push((d, j, t.id));
                }
            }
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut used_d, mut used_t) = (HashSet::new(), HashSet::new());
        for (_, j, id) in pairs {
            if !used_d.contains(&j) && !used_t.contains(&id) {
                used_d.insert(j);
                used_t.insert(id);
            }
        }
        for t in &truth.cells {
            let inside = (3.0..=n - 4.0).contains(&t.centroid_row)
                && (3.0..=n - 4.0).contains(&t.centroid_col);
            if t.area_km2_above_35dbz >= 10.0 && inside && visible.contains(&t.id) {
                total += 1;
                found += usize::from(used_t.contains(&t.id));
            }
        }
    }
    (found, total)
}

#[test]
fn we_find_at_least_as_many_true_cells_and_report_the_merges_peers_miss() {
    let fixture = common::reference_json("cells_synthetic_peers.json");
    let (mut ours, mut tstorm, mut tobac, mut truth) = (0, 0, 0, 0);
    let (mut our_merges, mut tstorm_merges, mut tobac_merges, mut truth_merges) = (0, 0, 0, 0);
    let mut tobac_flags = 0;
    for scene in fixture["scenes"].as_array().unwrap() {
        let seed = scene["seed"].as_u64().unwrap();
        let size = scene["size"].as_u64().unwrap() as usize;
        let sequence = SceneConfig::convective(seed, size)
            .unwrap()
            .generate()
            .unwrap();
        let result = run(&sequence);
        let centroids: Vec<Vec<(f64, f64)>> = result
            .0
            .iter()
            .map(|f| f.cells.iter().map(|c| (c.row, c.col)).collect())
            .collect();
        let (found, total) = found_by_centroids(&sequence, &centroids);
        // The fixture was scored on the same truth with the same rules.
        assert_eq!(
            scene["tstorm"]["score"]["truth_cells"].as_u64().unwrap() as usize,
            total
        );
        ours += found;
        truth += total;
        tstorm += scene["tstorm"]["score"]["found"].as_u64().unwrap() as usize;
        tobac += scene["tobac"]["score"]["found"].as_u64().unwrap() as usize;
        let e = evaluate(&sequence, &result);
        our_merges += e.merges_reported;
        truth_merges += e.merges_truth;
        tstorm_merges += scene["tstorm"]["score"]["merges_reported"]
            .as_u64()
            .unwrap() as usize;
        tobac_merges += scene["tobac"]["score"]["merges_reported"].as_u64().unwrap() as usize;
        tobac_flags += scene["tobac"]["merges"].as_array().unwrap().len();
    }
    eprintln!(
        "true cells found of {truth}: squall {ours}, tstorm {tstorm}, tobac {tobac}; \
         truth merges reported of {truth_merges}: squall {our_merges}, tstorm {tstorm_merges}, tobac \
         {tobac_merges} (tobac's MEST flags {tobac_flags} cells in merges/splits for {truth_merges} merges)"
    );
    assert!(ours >= tstorm && ours >= tobac);
    assert!(ours as f64 >= 0.95 * truth as f64);
    assert_eq!(our_merges, truth_merges);
    assert!(our_merges >= tstorm_merges && our_merges > tobac_merges);
}

#[test]
fn on_the_bom_sequence_we_contain_the_peers_cells() {
    let Some(dir) = common::nowcast_dir("radar/bom/prcp-cscn/2/2018/06/16") else {
        return;
    };
    let fixture = common::reference_json("cells_bom_peers.json");
    let files: Vec<_> = fixture["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| dir.join(f.as_str().unwrap()))
        .collect();
    let sequence = squall::io::composite::open_sequence(&files).unwrap();
    let mut pipeline = CellPipeline::new(
        sequence.spec.clone(),
        IdentifyConfig::default(),
        TrackerConfig::default(),
    )
    .unwrap();
    let mut counts = Vec::new();
    let mut inside = [(0usize, 0usize); 2];
    for (k, mut frame) in sequence.to_frames().into_iter().enumerate() {
        frame.values.mapv_inplace(|r| {
            if r.is_nan() {
                r
            } else if r > 0.0 {
                10.0 * (200.0 * r.powf(1.6)).log10()
            } else {
                -10.0
            }
        });
        frame.units = "dBZ".into();
        let result = pipeline.process(&frame, &CellFields::default()).unwrap();
        counts.push(result.cells.len());
        let nx = sequence.spec.nx;
        let covered: HashSet<u32> = result
            .cells
            .iter()
            .flat_map(|c| c.footprint.iter().copied())
            .collect();
        for (p, peer) in ["tstorm", "tobac"].iter().enumerate() {
            for c in fixture[peer]["centroids"][k].as_array().unwrap() {
                let (r, col) = (
                    c[0].as_f64().unwrap().round() as usize,
                    c[1].as_f64().unwrap().round() as usize,
                );
                inside[p].1 += 1;
                inside[p].0 += usize::from(covered.contains(&((r * nx + col) as u32)));
            }
        }
    }
    let peer_counts = |p: &str| -> Vec<usize> {
        fixture[p]["centroids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_array().unwrap().len())
            .collect()
    };
    eprintln!(
        "cells per frame: squall {counts:?}, tstorm {:?}, tobac {:?}; peers' centroids inside our cells: \
         tstorm {}/{}, tobac {}/{}",
        peer_counts("tstorm"),
        peer_counts("tobac"),
        inside[0].0,
        inside[0].1,
        inside[1].0,
        inside[1].1
    );
    assert_eq!(
        inside[0].0, inside[0].1,
        "every tstorm cell lies in one of ours"
    );
    assert!(inside[1].0 as f64 >= 0.6 * inside[1].1 as f64);
    assert!(counts.iter().sum::<usize>() >= peer_counts("tstorm").iter().sum::<usize>());
}
