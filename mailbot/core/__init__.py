"""The pure core: decisions over plain data. No I/O, no clock, no imports of the edges."""
