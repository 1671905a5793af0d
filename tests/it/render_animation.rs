//! Animated loops: an APNG written by `squall::render::write_apng` decoded again with the `png` crate, frame by
//! frame: the frame count, the looping, the delays and the pixel colours against the rain-rate colour scale, and
//! full colour where a GIF loop (256 colours at most) is refused.

use crate::common;

use ndarray::Array2;
use squall::Error;
use squall::geo::{Grid2, GridSpec};
use squall::render::{ColourScale, Image, render_grid, write_apng, write_gif};

/// A rain band 4 cells wide moving 5 cells east per frame over a 20 × 30 grid: values by column band
/// 0.3, 3, 15 and 60 mm/h, NaN in the top-left cell, no rain elsewhere.
fn frame(spec: &GridSpec, k: usize) -> Grid2 {
    let values = Array2::from_shape_fn((spec.ny, spec.nx), |(r, c)| {
        if (r, c) == (spec.ny - 1, 0) {
            return f32::NAN;
        }
        match c.checked_sub(2 + 5 * k) {
            Some(d) if d < 4 => [0.3, 3.0, 15.0, 60.0][d],
            _ => 0.0,
        }
    });
    Grid2::new(spec.clone(), "rainfall_rate", "mm/h", None, values).unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("squall-apng-{}-{name}", std::process::id()))
}

#[test]
fn apng_loop_decodes_to_the_colour_scale() {
    let spec = GridSpec::centred_on(50.0, 10.0, 30, 1000.0).unwrap();
    let spec = GridSpec { ny: 20, ..spec };
    let scale = ColourScale::rain_rate();
    let grids: Vec<Grid2> = (0..4).map(|k| frame(&spec, k)).collect();
    let images: Vec<Image> = grids.iter().map(|g| render_grid(g, &scale)).collect();
    let path = scratch("loop.png");
    write_apng(&images, 45, &path).unwrap();
    let (width, height, plays, frames) = common::decode_apng(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        (width, height, plays),
        (30, 20, 0),
        "30 × 20 px, looping forever"
    );
    assert_eq!(frames.len(), 4);
    for (k, f) in frames.iter().enumerate() {
        assert_eq!(f.delay, (45, 100), "frame {k}");
        assert_eq!(
            f.pixels, images[k].pixels,
            "frame {k} differs from what was written"
        );
        let colour = |row: usize, col: usize| {
            let i = 3 * (row * 30 + col);
            [f.pixels[i], f.pixels[i + 1], f.pixels[i + 2]]
        };
        // North up: image row 0 is grid row ny − 1, where the NaN cell is (column 0).
        assert_eq!(colour(0, 0), squall::render::NO_DATA);
        for (d, rain) in [0.3f32, 3.0, 15.0, 60.0].into_iter().enumerate() {
            let col = 2 + 5 * k + d;
            assert_eq!(colour(7, col), scale.colour(rain), "frame {k}, {rain} mm/h");
        }
        // Spot values against the scale's documented colours: 3 mm/h dark green, 60 mm/h red.
        assert_eq!(colour(10, 3 + 5 * k), [0x41, 0xab, 0x5d]);
        assert_eq!(colour(10, 5 + 5 * k), [0xd7, 0x30, 0x27]);
        assert_eq!(colour(10, 29), squall::render::BACKGROUND);
    }
}

#[test]
fn apng_keeps_full_colour_where_gif_refuses() {
    // 64 × 64 px with 4096 distinct colours.
    let pixels: Vec<u8> = (0..64 * 64)
        .flat_map(|i: usize| {
            [
                (i % 64 * 4) as u8,
                (i / 64 * 4) as u8,
                ((i * 7) % 256) as u8,
            ]
        })
        .collect();
    let image = Image {
        width: 64,
        height: 64,
        pixels,
    };
    let frames = [image.clone(), Image::blank(64, 64, [1, 2, 3])];
    let gif = scratch("many.gif");
    assert!(matches!(
        write_gif(&frames, 50, &gif),
        Err(Error::Parameter { .. })
    ));
    let path = scratch("many.png");
    write_apng(&frames, 50, &path).unwrap();
    let (_, _, _, decoded) = common::decode_apng(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(decoded.len(), 2);
    assert_eq!(decoded[0].pixels, image.pixels);
    assert_eq!(decoded[1].pixels, [1, 2, 3].repeat(64 * 64));
}

#[test]
fn apng_bad_frames_are_refused() {
    let path = scratch("bad.png");
    let errors = [
        write_apng(&[], 50, &path),
        write_apng(
            &[Image::blank(4, 4, [0; 3]), Image::blank(4, 5, [0; 3])],
            50,
            &path,
        ),
        write_apng(
            &[Image {
                width: 4,
                height: 4,
                pixels: vec![0; 47],
            }],
            50,
            &path,
        ),
    ];
    for e in errors {
        assert!(matches!(e, Err(Error::Parameter { .. })), "{e:?}");
    }
    assert!(!path.exists(), "nothing written for bad frames");
    assert!(matches!(
        write_apng(
            &[Image::blank(4, 4, [0; 3])],
            50,
            "/nonexistent-dir/loop.png"
        ),
        Err(Error::Io { .. })
    ));
}
