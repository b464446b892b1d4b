"""Telematics and proactive care (MISSION C1, D4, F1, F4): device ingest, OBD-II and EV decoding,
alerts that come with an answer, driving score and battery health."""
