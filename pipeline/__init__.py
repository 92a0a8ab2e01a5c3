"""primed: a performance warehouse for adult social care."""

__version__ = "0.1.0"
