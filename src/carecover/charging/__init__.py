"""Charging (充电): a charger registry modelled on OCPI 2.2.1 — locations, EVSEs, connectors,
tariffs and live status — the nearest available charger, and reported charging failures."""
