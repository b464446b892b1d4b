"""Parts traceability: serialised parts, EPCIS custody events, Digital Link labels and
scan-to-verify."""
