"""Stand-in for dbt's adapter.dispatch: renders a dispatched macro as a plain function call,
or, for a macro that renders a whole query, as a query on its first argument (a relation)."""

QUERY_MACROS = {"first_row_per_key"}


def dispatch(macro_name, macro_namespace=None):
    def render(*args, **kwargs):
        if macro_name in QUERY_MACROS:
            return f"select * from {args[0]}"
        return f"{macro_name}({', '.join(str(a) for a in args)})"

    return render


def get_columns_in_relation(relation):
    return []
