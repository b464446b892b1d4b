"""CareCover: an insurance + services ecosystem platform for motor insurers."""

__version__ = "0.1.0"
