"""Reporting reads the other apps' records through selectors; it keeps no tables of its own yet."""
