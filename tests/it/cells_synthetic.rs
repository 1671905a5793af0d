//! Cell identification and tracking against synthetic scenes with known truth: births, deaths, scripted merges and
//! splits, close neighbours in a line.

use crate::cells_truth;

use cells_truth::{Evaluation, evaluate, line_scene, run};
use squall::cells::{
    CellFields, CellPipeline, IdentifyConfig, TrackerConfig, identify_3d, measure,
};
use squall::synth::SceneConfig;

fn standard(seed: u64) -> Evaluation {
    let sequence = SceneConfig::convective(seed, 256)
        .unwrap()
        .generate()
        .unwrap();
    evaluate(&sequence, &run(&sequence))
}

#[test]
fn detection_pod_and_far_on_convective_scenes() {
    let mut total = Evaluation::default();
    for seed in 1..=4 {
        let e = standard(seed);
        eprintln!("seed {seed}: {e:?}");
        total.add(&e);
    }
    eprintln!(
        "total: {total:?}; POD {:.3} FAR {:.3}",
        total.pod(),
        total.far()
    );
    assert!(total.truth_cells > 300, "{total:?}");
    assert!(total.pod() >= 0.95, "POD {:.3}", total.pod());
    assert!(total.far() <= 0.05, "FAR {:.3}", total.far());
}

#[test]
fn track_links_are_correct_and_every_merge_and_split_is_reported() {
    let mut total = Evaluation::default();
    for seed in 1..=4 {
        let e = standard(seed);
        assert_eq!(e.merges_truth, 1);
        assert_eq!(e.splits_truth, 1);
        total.add(&e);
    }
    eprintln!(
        "links {}/{} correct ({:.3}); merges {}/{} splits {}/{}",
        total.links_correct,
        total.links,
        total.link_accuracy(),
        total.merges_reported,
        total.merges_truth,
        total.splits_reported,
        total.splits_truth
    );
    assert!(total.links > 300);
    assert!(
        total.link_accuracy() >= 0.95,
        "{:.3}",
        total.link_accuracy()
    );
    assert_eq!(total.merges_reported, total.merges_truth);
    assert_eq!(total.splits_reported, total.splits_truth);
}

#[test]
fn close_neighbours_in_a_line_are_kept_apart() {
    let sequence = line_scene(11_000.0).generate().unwrap();
    let e = evaluate(&sequence, &run(&sequence));
    eprintln!("line: {e:?}");
    assert!(e.pod() >= 0.95, "{e:?}");
    assert_eq!(e.false_cells, 0);
    assert!(e.link_accuracy() >= 0.95);
    // With a single 30-dBZ threshold the line is one cell.
    let mut pipeline = CellPipeline::new(
        sequence.frames[0].spec.clone(),
        IdentifyConfig {
            thresholds_dbz: vec![30.0],
            split_step_db: None,
            ..IdentifyConfig::default()
        },
        TrackerConfig::default(),
    )
    .unwrap();
    let one = pipeline
        .process(&sequence.frames[0], &CellFields::default())
        .unwrap();
    assert_eq!(one.cells.len(), 1);
}

#[test]
fn three_d_identification_finds_the_cells_with_their_tops_and_vil() {
    let sequence = SceneConfig::convective(3, 160).unwrap().generate().unwrap();
    let k = 6;
    let scene = sequence.scene_3d(k).unwrap();
    let heights: Vec<f64> = (0..16).map(|i| 500.0 + 1_000.0 * i as f64).collect();
    let volume = scene.to_grid3(&heights);
    let identified = identify_3d(&volume, &IdentifyConfig::default()).unwrap();
    let composite = squall::cells::column_maximum(volume.values.view());
    let fields = CellFields {
        volume: Some(&volume),
        ..CellFields::default()
    };
    let cells = measure(&identified, composite.view(), &fields, volume.time).unwrap();
    let truth = &sequence.truth[k];
    let mut matched = 0;
    let mut eligible = 0;
    for t in &truth.cells {
        if t.area_km2_above_35dbz < 10.0 || t.top_m < 6_000.0 {
            continue;
        }
        let (r, c) = (t.centroid_row.round(), t.centroid_col.round());
        if r < 3.0 || c < 3.0 || r > 156.0 || c > 156.0 {
            continue;
        }
        eligible += 1;
        let near = cells.iter().min_by(|a, b| {
            let d =
                |x: &squall::cells::Cell| (x.x_m - t.centroid_x_m).hypot(x.y_m - t.centroid_y_m);
            d(a).total_cmp(&d(b))
        });
        if let Some(cell) = near {
            let d = (cell.x_m - t.centroid_x_m).hypot(cell.y_m - t.centroid_y_m);
            if d < 5_000.0 {
                matched += 1;
                let top = cell.echo_top_m.unwrap();
                // The 18-dBZ top on 1-km levels: within one level (plus the neighbouring cells' tops).
                assert!(top >= t.top_m - 1_500.0, "top {top} vs {}", t.top_m);
                assert!(cell.volume_km3.unwrap() >= 30.0);
                assert!(cell.vil_kg_m2.unwrap() > 0.0 && cell.height_of_max_m.is_some());
            }
        }
    }
    eprintln!("3-D: {matched}/{eligible} cells");
    assert!(eligible >= 3);
    assert!(
        matched as f64 >= 0.9 * eligible as f64,
        "{matched}/{eligible}"
    );
}
