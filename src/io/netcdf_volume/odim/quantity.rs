//! ODIM_H5 quantity names as FM 301 moment names, and the units of the moments both HDF5 readers produce.
//!
//! ODIM quantities are already the names FM 301 / CfRadial 2 uses (`DBZH`, `VRADH`, `ZDR`, …), with one family
//! of exceptions: ODIM's total (unfiltered) reflectivity is `TH`/`TV`, FM 301's is `DBTH`/`DBTV`. Every other
//! quantity, standard or local (`DBZH_CLEAN`, `QCFLAGS`, …), keeps its name.
//!
//! # References
//! EUMETNET OPERA, 2021: *OPERA Data Information Model for HDF5* (ODIM_H5) version 2.4, Table 16 (quantities).
//! WMO, 2019: *FM 301-2019 CF-Radial* (WMO-No. 306, Manual on Codes), Table of standard moment names.

/// The FM 301 name of an ODIM quantity: `TH` → `DBTH`, `TV` → `DBTV`, every other name unchanged.
///
/// ```
/// use squall::io::netcdf_volume::odim::quantity::{fm301_name, units};
/// assert_eq!(fm301_name("TH"), "DBTH");
/// assert_eq!(fm301_name("DBZH"), "DBZH");
/// assert_eq!(units(&fm301_name("TH")), "dBZ");
/// ```
pub fn fm301_name(quantity: &str) -> String {
    match quantity {
        "TH" => "DBTH".to_owned(),
        "TV" => "DBTV".to_owned(),
        other => other.to_owned(),
    }
}

/// Physical units of a moment by FM 301 name (ODIM_H5 2.4 Table 16); `"unknown"` for a local quantity that the
/// table does not list.
pub fn units(name: &str) -> &'static str {
    match name {
        "DBZH" | "DBZV" | "DBTH" | "DBTV" | "DBZ" | "UDBZH" | "UDBZV" => "dBZ",
        "VRAD" | "VRADH" | "VRADV" | "VRADDH" | "VRADDV" | "UVRADH" | "UVRADV" | "WRAD"
        | "WRADH" | "WRADV" | "UWRADH" | "UWRADV" => "m/s",
        "ZDR" | "UZDR" | "LDR" | "ULDR" | "SNR" | "SNRH" | "SNRV" | "USNRH" | "USNRV" | "CCORH"
        | "CCORV" | "PIA" => "dB",
        "PHIDP" | "UPHIDP" => "degrees",
        "KDP" | "UKDP" => "degrees/km",
        "RHOHV" | "URHOHV" | "SQI" | "SQIH" | "SQIV" | "USQIH" | "USQIV" | "CPA" | "CPAH"
        | "CPAV" | "UCPAH" | "UCPAV" | "QIND" | "CLASS" | "CMAP" => "unitless",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_reflectivity_is_renamed() {
        assert_eq!(fm301_name("TH"), "DBTH");
        assert_eq!(fm301_name("TV"), "DBTV");
        assert_eq!(fm301_name("DBZH"), "DBZH");
        assert_eq!(fm301_name("DBZH_CLEAN"), "DBZH_CLEAN");
    }

    #[test]
    fn units_by_name() {
        assert_eq!(units("DBTH"), "dBZ");
        assert_eq!(units("VRADDH"), "m/s");
        assert_eq!(units("KDP"), "degrees/km");
        assert_eq!(units("RHOHV"), "unitless");
        assert_eq!(units("QCFLAGS"), "unknown");
    }
}
