"""Stand-in for dbt's `target`: the profile target the models are linted for."""

type = "duckdb"  # noqa: A001 (dbt's own name)
