"""Stand-in for dbt's `model` (the node being rendered): the fields the macros read."""

raw_code = ""
