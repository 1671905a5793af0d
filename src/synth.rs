//! Synthetic storms.
