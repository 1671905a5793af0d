//! Dual-polarisation processing, band-aware (S, C, X): echo filtering, ΦDP/KDP, attenuation correction,
//! hydrometeor classification and rain rate.
