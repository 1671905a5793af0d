//! Polar → Cartesian gridding (nearest, Cressman, Barnes), CAPPI, composite reflectivity and multi-radar mosaics.
