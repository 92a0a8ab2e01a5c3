"""Stand-in for dbt's adapter.dispatch: renders a dispatched macro as a plain function call."""


def dispatch(macro_name, macro_namespace=None):
    def render(*args, **kwargs):
        return f"{macro_name}({', '.join(str(a) for a in args)})"

    return render


def get_columns_in_relation(relation):
    return []
