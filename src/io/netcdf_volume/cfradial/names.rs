//! FM 301 names for CfRadial moment variables, and normalised units.
//!
//! CfRadial 1 leaves variable names to the writer (`DBZ`, `reflectivity`, `Z` …) and identifies moments by
//! `standard_name` — which several variables of one file may share (ARM files give `equivalent_reflectivity_factor`
//! to six of them). [`fm301_names`] names each moment variable in three passes, each in file order, and a name
//! is given once only (the first variable to claim it keeps it):
//!
//! 1. a variable already named as an FM 301 moment (`DBZH`, `ZDR` …, exact case) keeps its name;
//! 2. a variable whose name (any case) is in [`BY_VARIABLE_NAME`] gets that moment's name;
//! 3. a variable whose `standard_name` is in [`BY_STANDARD_NAME`] gets that moment's name.
//!
//! Every other variable keeps its own name, so nothing the file holds is lost (e.g. ARM's
//! `attenuation_corrected_reflectivity_h`, MeteoSwiss' `reflectivity_hh_clut`, a model `temperature`).
//! `uncorrected_*` variables (the raw ρhv and ΦDP of MeteoSwiss files) become the ODIM "before processing"
//! names `URHOHV` and `UPHIDP`, not `RHOHV`/`PHIDP`.
//!
//! # References
//! WMO FM 301-20 CF-Radial, standard names table; EUMETNET OPERA ODIM_H5 2.4, Table 16 (quantities);
//! Dixon et al. 2016, CfRadial 1.4 §7 (field standard names); Py-ART/pyrad field names (common writers).

/// FM 301 / ODIM moment names this reader gives.
pub const FM301_NAMES: &[&str] = &[
    "DBZH", "DBZV", "DBTH", "DBTV", "ZDR", "RHOHV", "URHOHV", "PHIDP", "UPHIDP", "KDP", "VRADH",
    "VRADV", "WRADH", "WRADV", "SNRH", "SNRV", "LDR", "SQIH", "HCLASS",
];

/// Variable names (compared in lower case) of common writers (Py-ART, pyrad, Radx, ARM, MeteoSwiss) → FM 301.
pub const BY_VARIABLE_NAME: &[(&str, &str)] = &[
    ("dbz", "DBZH"),
    ("z", "DBZH"),
    ("zh", "DBZH"),
    ("ref", "DBZH"),
    ("reflectivity", "DBZH"),
    ("reflectivity_h", "DBZH"),
    ("reflectivity_horizontal", "DBZH"),
    ("corrected_reflectivity", "DBZH"),
    ("dbzv", "DBZV"),
    ("zv", "DBZV"),
    ("zvv", "DBZV"),
    ("reflectivity_v", "DBZV"),
    ("reflectivity_vv", "DBZV"),
    ("reflectivity_vertical", "DBZV"),
    ("dbt", "DBTH"),
    ("th", "DBTH"),
    ("total_power", "DBTH"),
    ("total_power_h", "DBTH"),
    ("unfiltered_reflectivity", "DBTH"),
    ("tv", "DBTV"),
    ("total_power_v", "DBTV"),
    ("unfiltered_reflectivity_vv", "DBTV"),
    ("differential_reflectivity", "ZDR"),
    ("rho", "RHOHV"),
    ("rhohv", "RHOHV"),
    ("cross_correlation_ratio", "RHOHV"),
    ("cross_correlation_ratio_hv", "RHOHV"),
    ("correlation_coefficient", "RHOHV"),
    ("urhohv", "URHOHV"),
    ("uncorrected_cross_correlation_ratio", "URHOHV"),
    ("phi", "PHIDP"),
    ("phidp", "PHIDP"),
    ("differential_phase", "PHIDP"),
    ("corrected_differential_phase", "PHIDP"),
    ("uphidp", "UPHIDP"),
    ("uncorrected_differential_phase", "UPHIDP"),
    ("specific_differential_phase", "KDP"),
    ("corrected_specific_differential_phase", "KDP"),
    ("v", "VRADH"),
    ("vel", "VRADH"),
    ("vr", "VRADH"),
    ("vrad", "VRADH"),
    ("velocity", "VRADH"),
    ("mean_doppler_velocity", "VRADH"),
    ("radial_velocity", "VRADH"),
    ("velocity_v", "VRADV"),
    ("w", "WRADH"),
    ("sw", "WRADH"),
    ("width", "WRADH"),
    ("wrad", "WRADH"),
    ("spectrum_width", "WRADH"),
    ("spectral_width", "WRADH"),
    ("snr", "SNRH"),
    ("signal_to_noise_ratio", "SNRH"),
    ("signal_to_noise_ratio_hh", "SNRH"),
    ("signal_to_noise_ratio_vv", "SNRV"),
    ("linear_depolarization_ratio", "LDR"),
    ("ncp", "SQIH"),
    ("sqi", "SQIH"),
    ("normalized_coherent_power", "SQIH"),
    ("radar_echo_classification", "HCLASS"),
];

/// `standard_name`s (CfRadial 1.4, FM 301, and the `radar_` forms ARM writes) → FM 301.
pub const BY_STANDARD_NAME: &[(&str, &str)] = &[
    ("equivalent_reflectivity_factor", "DBZH"),
    ("radar_equivalent_reflectivity_factor_h", "DBZH"),
    ("radar_equivalent_reflectivity_factor_v", "DBZV"),
    ("log_differential_reflectivity_hv", "ZDR"),
    ("radar_differential_reflectivity_hv", "ZDR"),
    ("cross_correlation_ratio_hv", "RHOHV"),
    ("radar_correlation_coefficient_hv", "RHOHV"),
    ("differential_phase_hv", "PHIDP"),
    ("radar_differential_phase_hv", "PHIDP"),
    ("specific_differential_phase_hv", "KDP"),
    ("radar_specific_differential_phase_hv", "KDP"),
    (
        "radial_velocity_of_scatterers_away_from_instrument",
        "VRADH",
    ),
    (
        "radial_velocity_of_scatterers_away_from_instrument_h",
        "VRADH",
    ),
    (
        "radial_velocity_of_scatterers_away_from_instrument_v",
        "VRADV",
    ),
    ("doppler_spectrum_width", "WRADH"),
    ("radar_doppler_spectrum_width", "WRADH"),
    ("doppler_spectrum_width_h", "WRADH"),
    ("doppler_spectrum_width_v", "WRADV"),
    ("signal_to_noise_ratio", "SNRH"),
    ("radar_signal_to_noise_ratio", "SNRH"),
    ("radar_signal_to_noise_ratio_copolar_h", "SNRH"),
    ("radar_signal_to_noise_ratio_copolar_v", "SNRV"),
    ("log_linear_depolarization_ratio_hv", "LDR"),
    ("radar_linear_depolarization_ratio", "LDR"),
    ("normalized_coherent_power", "SQIH"),
    ("radar_normalized_coherent_power", "SQIH"),
    ("radar_echo_classification", "HCLASS"),
];

/// Names for moment variables given as `(variable name, standard_name)` in file order; see the
/// [module documentation](self) for the rule. The result has one unique name per variable.
///
/// ```
/// use squall::io::netcdf_volume::cfradial::names::fm301_names;
/// let names = fm301_names(&[
///     ("attenuation_corrected_reflectivity_h", Some("equivalent_reflectivity_factor")),
///     ("reflectivity", Some("equivalent_reflectivity_factor")),
///     ("VEL", None),
///     ("temperature", Some("air_temperature")),
/// ]);
/// assert_eq!(names, ["attenuation_corrected_reflectivity_h", "DBZH", "VRADH", "temperature"]);
/// ```
pub fn fm301_names(variables: &[(&str, Option<&str>)]) -> Vec<String> {
    let mut names: Vec<Option<String>> = vec![None; variables.len()];
    claim(&mut names, variables, |var, _| {
        FM301_NAMES.iter().copied().find(|&n| n == var)
    });
    claim(&mut names, variables, |var, _| {
        lookup(BY_VARIABLE_NAME, &var.to_ascii_lowercase())
    });
    claim(&mut names, variables, |_, standard| {
        standard.and_then(|s| lookup(BY_STANDARD_NAME, s))
    });
    names
        .into_iter()
        .zip(variables)
        .map(|(name, &(var, _))| name.unwrap_or_else(|| var.to_owned()))
        .collect()
}

/// Units as Squall writes them (`"m/s"`, `"degrees"`, `"unitless"`, `"degrees/km"`); others verbatim.
///
/// ```
/// use squall::io::netcdf_volume::cfradial::names::normalise_units;
/// assert_eq!(normalise_units("meters_per_second"), "m/s");
/// assert_eq!(normalise_units("degree/km"), "degrees/km");
/// assert_eq!(normalise_units("dBZ"), "dBZ");
/// ```
pub fn normalise_units(units: &str) -> String {
    match units.trim() {
        "" | "1" | "-" | "ratio" | "unitless" | "none" | "dimensionless" => "unitless",
        "meters_per_second" | "meters per second" | "m s-1" | "m s^-1" | "m.s-1" | "m/s" => "m/s",
        "degree" | "degrees" | "deg" => "degrees",
        "degree/km" | "degrees/km" | "deg/km" | "degrees per kilometer" => "degrees/km",
        "db" | "dB" => "dB",
        "dbz" | "dBz" | "dBZ" => "dBZ",
        other => other,
    }
    .to_owned()
}

/// One naming pass: each unnamed variable, in file order, takes `pick`'s name if no variable has it yet.
fn claim(
    names: &mut [Option<String>],
    variables: &[(&str, Option<&str>)],
    pick: impl Fn(&str, Option<&str>) -> Option<&'static str>,
) {
    for (i, &(var, standard)) in variables.iter().enumerate() {
        if names[i].is_some() {
            continue;
        }
        if let Some(fm) = pick(var, standard) {
            if !names.iter().flatten().any(|n| n == fm) {
                names[i] = Some(fm.to_owned());
            }
        }
    }
}

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_point_at_known_names() {
        for (_, fm) in BY_VARIABLE_NAME.iter().chain(BY_STANDARD_NAME) {
            assert!(FM301_NAMES.contains(fm), "{fm}");
        }
        for (k, _) in BY_VARIABLE_NAME {
            assert_eq!(*k, k.to_ascii_lowercase());
        }
    }

    #[test]
    fn exact_fm301_names_win_over_aliases_and_names_stay_unique() {
        let names = fm301_names(&[
            ("reflectivity", None),
            ("DBZH", None),
            ("dbzh", Some("equivalent_reflectivity_factor")),
            ("RhoHV", None),
            (
                "uncorrected_differential_phase",
                Some("differential_phase_hv"),
            ),
            ("PHIDP_filtered", Some("differential_phase_hv")),
        ]);
        assert_eq!(
            names,
            ["reflectivity", "DBZH", "dbzh", "RHOHV", "UPHIDP", "PHIDP"]
        );
    }
}
