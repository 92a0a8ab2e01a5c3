"""Stand-in for dbt's adapter.dispatch: renders a dispatched macro as a plain function call,
or as below for a macro whose arguments are not all SQL expressions or that expands to a query
(a macro rendering a whole query: a query on its first argument, a relation)."""

QUERY_MACROS = {"first_row_per_key"}

DEFAULT_SQL = {
    # macros/aggregates.sql: a keyword, not a call; a type.
    "not_materialized": lambda: "not materialized",
    "materialized": lambda: "materialized",
    "packed_order_type": lambda: "hugeint",
    # macros/codes.sql: the pattern and replacement are text, written as SQL literals.
    "regexp_replace_all": lambda expr, pattern, replacement: (
        f"regexp_replace({expr}, '{pattern}', '{replacement}', 'g')"
    ),
    # macros/dates.sql: a CTE body of one column, `start` from the one-row relation `bounds`.
    "date_series": lambda name, column, bounds, start, end, datepart: (
        f"select {start} from {bounds}"
    ),
}


def dispatch(macro_name, macro_namespace=None):
    if macro_name in DEFAULT_SQL:
        return DEFAULT_SQL[macro_name]

    def render(*args, **kwargs):
        if macro_name in QUERY_MACROS:
            return f"select * from {args[0]}"
        return f"{macro_name}({', '.join(str(a) for a in args)})"

    return render


def get_columns_in_relation(relation):
    return []
