"""Stand-in for dbt's exceptions namespace: linting renders the happy path only."""


def raise_compiler_error(message):
    raise ValueError(message)
