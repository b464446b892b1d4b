"""Charging locations, EVSEs, connectors and tariffs (OCPI 2.2.1 Locations and Tariffs)."""
