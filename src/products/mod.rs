//! Storm-scale products from gridded volumes: echo tops, VIL, hail indices, ZDR columns, heavy-rain area.
