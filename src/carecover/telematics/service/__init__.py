"""Telematics use cases and the pure code beside them: ``obd`` (SAE J1979 mode 01 PIDs), ``dtc``
(SAE J2012 trouble codes and the project's code table), ``battery`` (state-of-health from charge
sessions), ``rules`` (alert rules with hysteresis)."""
