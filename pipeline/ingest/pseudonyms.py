"""Keyed pseudonyms, computed at load so that no personal identifier leaves the raw layer.

Each is sha256(key | value); the key is a bound parameter, never part of any SQL text. A
warehouse remembers the fingerprint of the key it was loaded with (`raw._settings`) and refuses
another, so that pseudonyms made with two keys never mix.
"""

from __future__ import annotations

import duckdb

from pipeline.core import contract, settings
from pipeline.core.errors import PrimedError

# A valid NHS number's digits, else NULL: contract.nhs_number_check_sql is the one rule.
NHS_NUMBER = (
    f"CASE WHEN {contract.nhs_number_check_sql('nhs_number')} "
    f"THEN {contract.nhs_digits_sql('nhs_number')} END"
)
# kind -> pseudonym column -> the SQL of the value it is made from
PSEUDONYMS: dict[str, dict[str, str]] = {
    "cld": {
        "_nhs_number_pseudonym": NHS_NUMBER,
        "_la_person_pseudonym": "la_code || '_' || la_person_unique_identifier",
        **{
            f"_adult_{n}_linked_person_pseudonym": f"la_code || '_' || adult_{n}_linked_person_id"
            for n in (1, 2, 3)
        },
    },
    "payments": {"_la_person_pseudonym": "la_code || '_' || la_person_unique_identifier"},
}


def hashed_sql(kind: str) -> list[str]:
    """The SQL of each of `kind`'s pseudonyms (in PSEUDONYMS order), keyed by the parameter
    `$key`."""
    return [
        f"CASE WHEN ({expr}) IS NOT NULL THEN sha256($key || '|' || ({expr})) END"
        for expr in PSEUDONYMS.get(kind, {}).values()
    ]


def check_key(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Refuse to mix pseudonyms made with two keys in one warehouse."""
    fingerprint = settings.key_fingerprint(key)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {contract.RAW_SCHEMA}._settings (name VARCHAR, value VARCHAR)"
    )
    rows = con.execute(
        f"SELECT value FROM {contract.RAW_SCHEMA}._settings "
        "WHERE name = 'pseudonym_key_fingerprint'"
    ).fetchall()
    if not rows:
        con.execute(
            f"INSERT INTO {contract.RAW_SCHEMA}._settings VALUES ('pseudonym_key_fingerprint', ?)",
            [fingerprint],
        )
    elif rows[0][0] != fingerprint:
        raise PrimedError(
            f"the pseudonym key differs from the one this warehouse was loaded with; "
            f"set {settings.KEY_ENV} to the original key"
        )
