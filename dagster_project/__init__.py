"""Dagster code location for primed."""
