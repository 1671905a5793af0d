//! Reading and writing PROJ strings (`+proj=… +key=value …`) for the projections Squall implements.
//!
//! # References
//! PROJ contributors, 2024: *PROJ coordinate transformation software library*, "Projections" and "Ellipsoids"
//! (parameters `+proj`, `+lat_0`, `+lon_0`, `+lat_1`, `+lat_2`, `+lat_ts`, `+k_0`, `+x_0`, `+y_0`, `+R`, `+a`,
//! `+b`, `+rf`, `+f`, `+ellps`), <https://proj.org/en/stable/usage/projections.html>. doi:10.5281/zenodo.5884394.

use std::collections::BTreeMap;

use super::{
    AlbersEqualArea, EARTH_RADIUS_M, Ellipsoid, LambertConformalConic, Projection, Stereographic,
    StereographicScale,
};

/// Parameters that are understood (or, like `+no_defs` and `+towgs84`, do not change projected coordinates).
const KNOWN: &[&str] = &[
    "proj", "lat_0", "lon_0", "lat_1", "lat_2", "lat_ts", "k_0", "k", "x_0", "y_0", "ellps",
    "datum", "a", "b", "rf", "f", "R", "towgs84", "units", "no_defs", "type", "wktext",
];

/// Radius of PROJ's `+ellps=sphere`, metres.
const PROJ_SPHERE_RADIUS_M: f64 = 6_370_997.0;

/// The PROJ string of a projection.
pub(super) fn write(projection: &Projection) -> String {
    match projection {
        Projection::AzimuthalEquidistant {
            latitude_deg,
            longitude_deg,
        } => format!(
            "+proj=aeqd +lat_0={latitude_deg} +lon_0={longitude_deg} +R={EARTH_RADIUS_M} +units=m +no_defs"
        ),
        Projection::Stereographic(p) => {
            let scale = match p.scale {
                StereographicScale::ScaleFactor(k0) => format!("+k_0={k0}"),
                StereographicScale::TrueScaleLatitude(lat_ts) => format!("+lat_ts={lat_ts}"),
            };
            format!(
                "+proj=stere +lat_0={} +lon_0={} {scale} +x_0={} +y_0={} {} +units=m +no_defs",
                p.latitude_origin_deg,
                p.longitude_origin_deg,
                p.false_easting_m,
                p.false_northing_m,
                p.ellipsoid.proj_parameters()
            )
        }
        Projection::LambertConformalConic(p) => conic(
            "lcc",
            p.standard_parallels_deg,
            p.latitude_origin_deg,
            p.longitude_origin_deg,
            (p.false_easting_m, p.false_northing_m),
            &p.ellipsoid,
        ),
        Projection::AlbersEqualArea(p) => conic(
            "aea",
            p.standard_parallels_deg,
            p.latitude_origin_deg,
            p.longitude_origin_deg,
            (p.false_easting_m, p.false_northing_m),
            &p.ellipsoid,
        ),
        Projection::LonLat => format!("+proj=longlat +R={EARTH_RADIUS_M} +no_defs"),
        Projection::Proj(s) => s.clone(),
    }
}

fn conic(
    name: &str,
    (lat_1, lat_2): (f64, f64),
    lat_0: f64,
    lon_0: f64,
    (x_0, y_0): (f64, f64),
    ellipsoid: &Ellipsoid,
) -> String {
    format!(
        "+proj={name} +lat_1={lat_1} +lat_2={lat_2} +lat_0={lat_0} +lon_0={lon_0} +x_0={x_0} +y_0={y_0} {} \
         +units=m +no_defs",
        ellipsoid.proj_parameters()
    )
}

/// The projection a PROJ string describes, or `None` when Squall does not implement it exactly.
pub(super) fn parse(text: &str) -> Option<Projection> {
    let params = Params::new(text)?;
    if params.get("units").is_some_and(|u| u != Some("m")) {
        return None;
    }
    let origin = (params.number("lat_0", 0.0)?, params.number("lon_0", 0.0)?);
    let false_origin = (params.number("x_0", 0.0)?, params.number("y_0", 0.0)?);
    let ellipsoid = params.ellipsoid()?;
    match params.get("proj")?? {
        "longlat" | "latlong" | "lonlat" | "latlon" => Some(Projection::LonLat),
        "aeqd" => (ellipsoid == Ellipsoid::sphere(EARTH_RADIUS_M) && false_origin == (0.0, 0.0))
            .then_some(Projection::AzimuthalEquidistant {
                latitude_deg: origin.0,
                longitude_deg: origin.1,
            }),
        "stere" => {
            let k0 = params.number("k_0", params.number("k", 1.0)?)?;
            let polar = (origin.0.abs() - 90.0).abs() < 1e-9;
            let scale = match params.get("lat_ts") {
                Some(_) if polar => {
                    StereographicScale::TrueScaleLatitude(params.number("lat_ts", 0.0)?)
                }
                _ => StereographicScale::ScaleFactor(k0),
            };
            Some(Projection::Stereographic(Stereographic {
                latitude_origin_deg: origin.0,
                longitude_origin_deg: origin.1,
                scale,
                false_easting_m: false_origin.0,
                false_northing_m: false_origin.1,
                ellipsoid,
            }))
        }
        name @ ("lcc" | "aea") => {
            if params.number("k_0", params.number("k", 1.0)?)? != 1.0 {
                return None;
            }
            let lat_1 = params.number("lat_1", f64::NAN)?;
            // PROJ: without lat_2 the cone has one standard parallel, which is also the default lat_0.
            let (lat_2, lat_0) = match params.get("lat_2") {
                Some(_) => (params.number("lat_2", 0.0)?, origin.0),
                None => (lat_1, params.number("lat_0", lat_1)?),
            };
            if !lat_1.is_finite() || (name == "aea" && params.get("lat_2").is_none()) {
                return None;
            }
            let cone = (lat_1, lat_2);
            Some(if name == "lcc" {
                Projection::LambertConformalConic(LambertConformalConic {
                    standard_parallels_deg: cone,
                    latitude_origin_deg: lat_0,
                    longitude_origin_deg: origin.1,
                    false_easting_m: false_origin.0,
                    false_northing_m: false_origin.1,
                    ellipsoid,
                })
            } else {
                Projection::AlbersEqualArea(AlbersEqualArea {
                    standard_parallels_deg: cone,
                    latitude_origin_deg: lat_0,
                    longitude_origin_deg: origin.1,
                    false_easting_m: false_origin.0,
                    false_northing_m: false_origin.1,
                    ellipsoid,
                })
            })
        }
        _ => None,
    }
}

/// `+key=value` and `+flag` tokens of a PROJ string.
struct Params<'a>(BTreeMap<&'a str, Option<&'a str>>);

impl<'a> Params<'a> {
    /// `None` for a token without `+`, a repeated or an unknown parameter.
    fn new(text: &'a str) -> Option<Params<'a>> {
        let mut map = BTreeMap::new();
        for token in text.split_whitespace() {
            let token = token.strip_prefix('+')?;
            let (key, value) = match token.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (token, None),
            };
            if !KNOWN.contains(&key) || map.insert(key, value).is_some() {
                return None;
            }
        }
        Some(Params(map))
    }

    /// `None` if absent, `Some(None)` for a flag, `Some(Some(value))` otherwise.
    fn get(&self, key: &str) -> Option<Option<&'a str>> {
        self.0.get(key).copied()
    }

    /// A number parameter, `default` if absent, `None` if present but not a finite number.
    fn number(&self, key: &str, default: f64) -> Option<f64> {
        match self.get(key) {
            None => Some(default),
            Some(value) => value?.parse::<f64>().ok().filter(|v| v.is_finite()),
        }
    }

    /// The figure of the earth (see [`Projection::from_proj_string`]).
    fn ellipsoid(&self) -> Option<Ellipsoid> {
        if self.get("R").is_some() {
            return Some(Ellipsoid::sphere(self.number("R", 0.0)?));
        }
        if self.get("a").is_some() {
            let a = self.number("a", 0.0)?;
            let rf = if self.get("rf").is_some() {
                self.number("rf", 0.0)?
            } else if self.get("f").is_some() {
                let f = self.number("f", 0.0)?;
                if f == 0.0 { 0.0 } else { 1.0 / f }
            } else if self.get("b").is_some() {
                let b = self.number("b", a)?;
                if b == a { 0.0 } else { a / (a - b) }
            } else {
                0.0
            };
            return Some(Ellipsoid::from_inverse_flattening(a, rf));
        }
        match (self.get("ellps"), self.get("datum")) {
            (Some(Some("GRS80")), _) => Some(Ellipsoid::GRS80),
            (Some(Some("WGS84")), _) | (None, Some(Some("WGS84")) | None) => Some(Ellipsoid::WGS84),
            (Some(Some("sphere")), _) => Some(Ellipsoid::sphere(PROJ_SPHERE_RADIUS_M)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odim_projdef_of_the_rmi_composite_is_read() {
        let p = Projection::from_proj_string(
            "+proj=lcc +lat_1=49.83333333333334 +lat_2=51.16666666666666 +lat_0=50.797815 \
             +lon_0=4.359215833333333 +x_0=649328 +y_0=665262 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs ",
        );
        let Projection::LambertConformalConic(lcc) = &p else {
            panic!("{p:?}")
        };
        assert_eq!(
            lcc.standard_parallels_deg,
            (49.83333333333334, 51.16666666666666)
        );
        assert_eq!(
            (lcc.false_easting_m, lcc.false_northing_m),
            (649328.0, 665262.0)
        );
        assert_eq!(lcc.ellipsoid, Ellipsoid::GRS80);
    }

    #[test]
    fn written_strings_read_back_equal() {
        let projections = [
            Projection::AzimuthalEquidistant {
                latitude_deg: 23.1447,
                longitude_deg: 113.0106,
            },
            Projection::from_proj_string("+proj=stere +lat_0=90 +lon_0=25 +lat_ts=60 +a=6371288"),
            Projection::from_proj_string("+proj=stere +lat_0=52 +lon_0=10 +k=0.9999 +ellps=WGS84"),
            Projection::from_proj_string("+proj=lcc +lat_1=45 +lon_0=10 +R=6371000"),
            Projection::from_proj_string(
                "+proj=aea +lat_1=-18 +lat_2=-36 +a=6378137 +rf=298.257222101",
            ),
            Projection::LonLat,
        ];
        for p in projections {
            assert!(!matches!(p, Projection::Proj(_)), "{p:?}");
            assert_eq!(
                Projection::from_proj_string(&p.proj_string()),
                p,
                "{}",
                p.proj_string()
            );
        }
    }

    #[test]
    fn defaults_follow_proj() {
        // One standard parallel: lat_2 = lat_0 = lat_1. No earth given: WGS 84. `+a` alone: a sphere.
        let Projection::LambertConformalConic(lcc) =
            Projection::from_proj_string("+proj=lcc +lat_1=45")
        else {
            panic!()
        };
        assert_eq!(
            (lcc.standard_parallels_deg, lcc.latitude_origin_deg),
            ((45.0, 45.0), 45.0)
        );
        assert_eq!(lcc.ellipsoid, Ellipsoid::WGS84);
        let Projection::Stereographic(st) =
            Projection::from_proj_string("+proj=stere +lat_0=-90 +lat_ts=-71 +a=6e6")
        else {
            panic!()
        };
        assert_eq!(st.scale, StereographicScale::TrueScaleLatitude(-71.0));
        assert!(st.ellipsoid.is_sphere());
        let b = Projection::from_proj_string(
            "+proj=aea +lat_1=1 +lat_2=2 +a=6378137 +b=6356752.314140356",
        );
        let Projection::AlbersEqualArea(aea) = b else {
            panic!()
        };
        assert!((aea.ellipsoid.inverse_flattening - 298.257222101).abs() < 1e-6);
    }

    #[test]
    fn anything_not_implemented_stays_a_proj_string() {
        for text in [
            "+proj=tmerc +lat_0=0 +lon_0=9 +k=0.9996 +x_0=500000 +ellps=GRS80",
            "+proj=stere +lat_0=90 +units=km",
            "+proj=stere +lat_0=90 +lon_0=25E",
            "+proj=lcc +lat_1=45 +k_0=0.99",
            "+proj=aea +lat_1=45",
            "+proj=aeqd +lat_0=1 +lon_0=2 +ellps=WGS84",
            "+proj=stere +lat_0=90 +south",
            "+proj=stere +lat_0=90 +lat_0=80",
            "+proj=stere +ellps=bessel",
            "proj=stere",
            "",
        ] {
            assert_eq!(
                Projection::from_proj_string(text),
                Projection::Proj(text.trim().to_owned()),
                "{text}"
            );
        }
    }
}
