//! Gridded composite sequences for nowcasting (to be written: issue 3).
