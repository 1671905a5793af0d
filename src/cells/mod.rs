//! Convective cells: identification in 2-D and 3-D, tracking with merges and splits, cell forecasts and threat
//! classification.
