"""The input contract (shared/domain/extract-contract.md) as data.

One place names every column a council may send: its canonical (snake_case) name in the
warehouse, the CLD specification header, accepted synonyms, its kind and whether it is
personal data. Ingestion, the generator and the tests read this module; dbt sources name the
same canonical columns.

It also says what the raw layer keeps of each field (`kept`, docs/data-protection.md): a field
is kept as sent only where a measure, a check, a dedup rule or the CLD export needs the value
itself. Personal identifiers are kept as keyed pseudonyms (pipeline/ingest/pseudonyms.py)
and a mask that says whether the value was given and well formed; a date of birth to its month;
names not at all. The export reads the identifiers it must carry from the archived file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.core.sql import literal as _sql_text


@dataclass(frozen=True)
class Column:
    name: str  # canonical warehouse column
    header: str  # specification header, as the generator writes it
    kind: str = "text"  # text | code | date | number | integer
    synonyms: tuple[str, ...] = ()
    pii: bool = False
    required: bool = False  # a row without it cannot be placed: quarantined
    # Written in the national submission: a field of the Release 2 specification (the list
    # DHSC's GetDQValues procedure checks). Release 1 fields that Release 2 dropped and the
    # local columns are read from an extract but never submitted.
    submitted: bool = True
    # What raw keeps (the raw table and the quarantined row's record): "value" (as sent,
    # typed), "month" (a date to its month: the day is dropped), "mask" (MASK_OK when given and
    # well formed by the field's FORMAT_RULES entry, MASK_BAD when given but not, NULL when
    # blank) or "none" (nothing: no measure, check, rule or export needs it).
    kept: str = "value"
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def header_key(text: str) -> str:
    """Normalise a header for matching: case, spaces, underscores and punctuation ignored."""
    return re.sub(r"[^a-z0-9]", "", text.strip().lower())


C = Column

CLD_COLUMNS: tuple[Column, ...] = (
    C("la_code", "LA Code", required=True),
    C("reporting_period_start_date", "Reporting Period Start Date", "date"),
    C("reporting_period_end_date", "Reporting Period End Date", "date", required=True),
    C("nhs_number", "NHS Number", pii=True, kept="mask"),
    C(
        "la_person_unique_identifier",
        "LA Person Unique Identifier",
        pii=True,
        synonyms=("LA Person ID", "Person ID"),
        kept="mask",
    ),
    C("first_name", "First Name", pii=True, synonyms=("Forename",), submitted=False, kept="none"),
    C("last_name", "Last Name", pii=True, synonyms=("Surname",), submitted=False, kept="none"),
    C("gp_practice_name", "GP Practice Name", submitted=False),
    C("gp_practice_code", "GP Practice Code"),
    C("gender", "Gender", "code"),
    C("ethnicity", "Ethnicity", "code"),
    C("date_of_birth", "Date of Birth", "date", pii=True, kept="month"),
    C("date_of_death", "Date of Death", "date"),
    C("client_type", "Client Type", "code"),
    C("primary_support_reason", "Primary Support Reason", "code"),
    C("postcode", "Postcode", pii=True, kept="mask"),
    C("accommodation_status", "Accommodation Status", "code"),
    C("employment_status", "Employment Status", "code"),
    C("has_unpaid_carer", "Has Unpaid Carer", "code"),
    C("autism_spectrum_disorder", "Autism Spectrum Disorder (ASD)", "code"),
    C("visual_impairment", "Visual Impairment", "code"),
    C("hearing_impairment", "Hearing Impairment", "code"),
    C("dementia", "Dementia", "code"),
    C("client_funding_status", "Client Funding Status", "code"),
    C("event_type", "Event Type", "code"),
    C("event_reference", "Event Reference"),
    C("event_start_date", "Event Start Date", "date"),
    C("event_end_date", "Event End Date", "date"),
    C("event_description", "Event Description"),
    C("event_outcome", "Event Outcome", "code"),
    C("request_route_of_access", "Request: Route of Access", "code", synonyms=("Route of Access",)),
    C("assessment_type", "Assessment Type", "code"),
    C("eligible_needs_identified", "Eligible Needs Identified", "code"),
    C("method_of_assessment", "Method of Assessment", "code"),
    C(
        "total_hrs_caring_per_week",
        "Total Hrs Caring per week",
        synonyms=("Total Hours Caring per week",),
    ),
    C("no_of_adults_being_cared_for", "No. of adults being cared for", "integer"),
    C(
        "adult_1_linked_person_id",
        "Adult 1 Linked Person_ID",
        pii=True,
        synonyms=("Adult 1 Linked Person ID",),
        kept="mask",
    ),
    C(
        "adult_2_linked_person_id",
        "Adult 2 Linked Person_ID",
        pii=True,
        synonyms=("Adult 2 Linked Person ID",),
        kept="mask",
    ),
    C(
        "adult_3_linked_person_id",
        "Adult 3 Linked Person_ID",
        pii=True,
        synonyms=("Adult 3 Linked Person ID",),
        kept="mask",
    ),
    C("service_type", "Service Type", "code"),
    C("service_component", "Service Component", "code"),
    C("delivery_mechanism", "Delivery Mechanism", "code"),
    C("provider_cqc_location_name", "Provider CQC Location Name", submitted=False),
    C("provider_cqc_location_id", "Provider CQC Location ID"),
    C("review_reason", "Review Reason", "code"),
    C("review_outcomes_achieved", "Review Outcomes Achieved", "code"),
    C("method_of_review", "Method of Review", "code"),
    C("unit_cost", "Unit Cost", "number"),
    C(
        "cost_frequency",
        "Cost Frequency (Unit Type)",
        "code",
        synonyms=("Cost Frequency", "Unit Type"),
    ),
    C("planned_units_per_week", "Planned units per week", "number"),
    # Local columns (extract-contract.md §1): optional.
    C("event_status", "Event Status", "code", submitted=False),
    C("team_code", "Team Code", submitted=False),
    C("worker_id", "Worker ID", submitted=False),
    C("allocated_date", "Allocated Date", "date", submitted=False),
    C("due_date", "Due Date", "date", submitted=False),
)

PAYMENT_COLUMNS: tuple[Column, ...] = (
    C("payment_id", "Payment ID", required=True),
    C("la_code", "LA Code", required=True),
    C("la_person_unique_identifier", "LA Person Unique Identifier", pii=True, kept="mask"),
    C("event_reference", "Event Reference"),
    C("period_start_date", "Period Start Date", "date", required=True),
    C("period_end_date", "Period End Date", "date", required=True),
    C("amount", "Amount", "number", required=True),
    C("payment_date", "Payment Date", "date"),
)

REFERENCE_COLUMNS: dict[str, tuple[Column, ...]] = {
    "teams": (
        C("team_code", "Team Code", required=True),
        C("team_name", "Team Name"),
        C("team_type", "Team Type", "code"),
        C("service_area", "Service Area"),
    ),
    "workers": (
        C("worker_id", "Worker ID", required=True),
        C("team_code", "Team Code", required=True),
        C("role", "Role"),
        C("fte", "FTE", "number"),
    ),
    "targets": (
        C("team_code", "Team Code"),
        C("measure", "Measure", required=True),
        C("period_start", "Period Start", "date", required=True),
        C("period_end", "Period End", "date", required=True),
        C("target", "Target", "number", required=True),
        C("tolerance", "Tolerance", "number"),
        # Optional: a worker's own target (measures the by-whom mart carries), within the team.
        C("worker_id", "Worker ID"),
    ),
    "population": (
        C("la_code", "LA Code", required=True),
        C("year", "Year", "integer", required=True),
        C("age_band", "Age Band", required=True),
        C("population", "Population", "integer", required=True),
    ),
    "actions": (
        C("action_id", "Action ID", required=True),
        C("team_code", "Team Code"),
        C("raised_date", "Raised Date", "date"),
        C("meeting", "Meeting"),
        C("action", "Action"),
        C("owner", "Owner"),
        C("due_date", "Due Date", "date"),
        C("status", "Status"),
        C("completed_date", "Completed Date", "date"),
        C("measure", "Measure"),
    ),
    # The council's own code mappings, merged over seeds/code_mappings.csv (a row here wins):
    # the seed's columns, so a shipped row can be copied and changed. Only field, raw value and
    # Release 2 value are needed; group, release and order follow from the Release 2 value.
    "code_mappings": (
        C("field", "field", required=True),
        C("raw_value", "raw_value", required=True),
        C("r2_value", "r2_value", required=True),
        C("r2_group", "r2_group"),
        C("release", "release"),
        C("sort_order", "sort_order", "integer"),
    ),
}
# Each kind of input file: its columns, and the raw table its rows load into.
RAW_SCHEMA = "raw"
KIND_COLUMNS: dict[str, tuple[Column, ...]] = {
    "cld": CLD_COLUMNS,
    "payments": PAYMENT_COLUMNS,
    **{f"ref_{name}": cols for name, cols in REFERENCE_COLUMNS.items()},
}
RAW_TABLE = {"cld": "cld_events", "payments": "payments"} | {
    f"ref_{name}": f"ref_{name}" for name in REFERENCE_COLUMNS
}
# Where the council's own code mappings live, below the landing folder.
LOCAL_CODE_MAPPINGS = "reference/code_mappings.csv"


# --------------------------------------------------------------------------- value formats (SQL)
# How a cell is read, written once: ingestion types the rows with these, and the data-quality
# rules (pipeline/quality/rules_sql.py, so `primed validate` too) judge cells with the same
# expressions.
# Each takes a SQL expression giving the trimmed cell, NULL when blank.

DATE_FORMATS_TEXT = "YYYY-MM-DD or DD/MM/YYYY, optionally followed by a time HH:MM[:SS[.fff]]"
# A date with a time of day: `YYYY-MM-DD HH:MM:SS[.fff]`, `YYYY-MM-DDTHH:MM:SS` (SQL Server and
# ISO 8601 without a zone), `DD/MM/YYYY HH:MM[:SS]` (spreadsheets). The time is dropped.
DATETIME_RE = (
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}[ T]|[0-9]{2}/[0-9]{2}/[0-9]{4} )"
    r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?"
)
MIDNIGHT_RE = r"[ T]00:00(:00(\.0+)?)?$"


def _plain_date_sql(v: str) -> str:
    return f"coalesce(try_strptime({v}, '%Y-%m-%d'), try_strptime({v}, '%d/%m/%Y'))"


def date_sql(v: str) -> str:
    """The cell as a DATE, NULL when it is not a date in a contract format. The plain formats
    are tried first, so a file without times never pays for the regular expression."""
    dated = _plain_date_sql(f"left({v}, 10)")
    return (
        f"coalesce({_plain_date_sql(v)}, CASE WHEN regexp_full_match({v}, "
        f"{_sql_text(DATETIME_RE)}) THEN {dated} END)::DATE"
    )


def time_of_day_sql(v: str) -> str:
    """True when the cell is a date with a time of day other than midnight (the date is kept,
    the time dropped, and the rows are counted in a warning)."""
    return (
        f"({_plain_date_sql(v)} IS NULL AND regexp_full_match({v}, {_sql_text(DATETIME_RE)}) "
        f"AND NOT regexp_matches({v}, {_sql_text(MIDNIGHT_RE)}))"
    )


def number_sql(v: str, integer: bool = False) -> str:
    """The cell as a number: `.` decimal point, optional `£` and thousands `,` (cost fields)."""
    cleaned = f"replace(replace(replace({v}, '£', ''), ',', ''), ' ', '')"
    return f"try_cast({cleaned} AS {'BIGINT' if integer else 'DECIMAL(18,2)'})"


def shape_sql(v: str, limit: int | None = 40) -> str:
    """How a value is written, with no value in it (digits as 9, letters as A): '9999/99/99'.
    Safe for personal fields: a date of birth's shape says nothing about the person."""
    shape = f"regexp_replace(regexp_replace({v}, '[0-9]', '9', 'g'), '[A-Za-z]', 'A', 'g')"
    return f"left({shape}, {limit})" if limit else shape


# --------------------------------------------------------------------------- what raw keeps (SQL)
# Format rules of personal fields, written once: the data-quality rules judge a value with them,
# and ingestion masks a value with them (so a check on raw gives what it gave on the value).

POSTCODE_RE = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$"


def nhs_digits_sql(v: str) -> str:
    """An NHS number as its digits: spaces and dashes (how it is written) taken out."""
    return f"replace(replace({v}, ' ', ''), '-', '')"


def nhs_number_check_sql(v: str) -> str:
    """True when the value is 10 digits (spaces and dashes ignored) with a valid modulus 11
    check digit; false otherwise (also when blank). The one rule: the data-quality checks judge
    a value with it, ingestion masks and pseudonymises with it, the CLD export sends with it."""
    digits = nhs_digits_sql(v)
    # A digit is ascii - 48, and the weights 10..2 sum to 54 (48 * 54 = 2592).
    total = " + ".join(f"{10 - i} * ascii(substr({digits}, {i + 1}, 1))" for i in range(9))
    return (
        f"CASE WHEN regexp_full_match({digits}, '[0-9]{{10}}') "
        f"THEN (11 - ({total} - 2592) % 11) % 11 = ascii(substr({digits}, 10, 1)) - 48 "
        "ELSE false END"
    )


def postcode_check_sql(v: str) -> str:
    """True when the value is written as a UK postcode."""
    return f"regexp_matches(trim({v}), {_sql_text(POSTCODE_RE)})"


FORMAT_RULES = {"nhs_number": nhs_number_check_sql, "postcode": postcode_check_sql}
MASK_OK = "*"  # a masked value that was given and well formed
MASK_BAD = "?"  # a masked value that was given but is not well formed
KEPT = ("value", "month", "mask", "none")


def kept_sql(col: Column, v: str, typed: bool = True) -> str:
    """What raw keeps of the column, from `v`: the typed value (the raw table's column) or,
    with typed=False, the trimmed text of a cell, NULL when blank (a quarantined row's record,
    where a date of birth that is not a date keeps only its shape, to be reported as such)."""
    if col.kept == "value":
        return v
    if col.kept == "none":
        return "NULL"
    if col.kept == "month":
        if typed:
            return f"date_trunc('month', CAST({v} AS DATE))::DATE"
        month = f"strftime(date_trunc('month', {date_sql(v)}), '%Y-%m-%d')"
        return f"CASE WHEN {date_sql(v)} IS NULL THEN {shape_sql(v)} ELSE {month} END"
    if col.kept == "mask":
        v = f"CAST({v} AS VARCHAR)"  # also a column the file does not have (NULL)
        rule = FORMAT_RULES.get(col.name)
        ok = f"coalesce({rule(v)}, false)" if rule else "true"
        return (
            f"CASE WHEN {v} IS NULL THEN NULL WHEN {ok} THEN {_sql_text(MASK_OK)} "
            f"ELSE {_sql_text(MASK_BAD)} END"
        )
    raise ValueError(f"{col.name}: unknown kept {col.kept!r}")


def well_formed_sql(name: str, v: str) -> str:
    """A format rule as the checks apply it to a value or to what raw kept of it (a mask)."""
    return f"({v} = {_sql_text(MASK_OK)} OR coalesce({FORMAT_RULES[name](v)}, false))"
