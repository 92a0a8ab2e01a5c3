{#- Spark's names for the SQL types the project spells the PostgreSQL way (columns'
    `data_type` in the YAML, which dbt casts to when it checks a model contract): `varchar`
    and `text` are `string`, `double precision` is `double`. Overrides dbt's cast on Spark. -#}
{% macro spark__cast(field, type) -%}
    {%- set spark_types = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    cast({{ field }} as {{ spark_types.get(type.strip().lower(), type) }})
{%- endmacro %}

{#- Date arithmetic on Spark. dbt-spark's own dateadd and datediff go through Unix timestamps
    and wrap every date in assert_true(), which is slow and trips an assertion in Spark 4's
    join reordering (ReorderJoin) on some of the unit tests; Spark's timestampadd and datediff
    do the same arithmetic directly (months clamp to the month's last day, as elsewhere; days
    are counted between dates, as DuckDB's date_diff does). -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart == 'day' -%}
        datediff({{ second_date }}, {{ first_date }})
    {%- else -%}
        {{ dbt.spark__datediff(first_date, second_date, datepart) }}
    {%- endif -%}
{%- endmacro %}

{#- Seed rows on Spark as literals: dbt-spark's session method binds an empty cell as the
    string 'None' and does not escape quotes. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for name in agate_table.column_names -%}
        {%- do types.append(column_override.get(name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set rows = [] -%}
        {%- for row in chunk -%}
            {%- set cells = [] -%}
            {%- for value in row -%}
                {%- if value is none -%}
                    {%- do cells.append('cast(null as ' ~ types[loop.index0] ~ ')') -%}
                {%- else -%}
                    {%- set text = value | string | replace('\\', '\\\\') | replace("'", "\\'") -%}
                    {%- do cells.append("cast('" ~ text ~ "' as " ~ types[loop.index0] ~ ")") -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do rows.append('(' ~ cells | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values\n' ~ rows | join(',\n') -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}

{#- Unit test fixtures on Spark as one inline table (`values (...), (...) as t(columns)`), not
    dbt's `select ... union all select ...` of one-row selects: Spark plans each of those as its
    own branch, and a model that reads a fixture in several places multiplies them, so that
    analysing and planning a unit test took Spark up to minutes (the rows, their columns, their
    types and the casts are the same). Other engines keep dbt's own macros. -#}
{% macro get_fixture_sql(rows, column_name_to_data_types) -%}
    {{ return(adapter.dispatch('get_fixture_sql', 'primed')(rows, column_name_to_data_types)) }}
{%- endmacro %}

{% macro default__get_fixture_sql(rows, column_name_to_data_types) -%}
    {{ return(dbt.get_fixture_sql(rows, column_name_to_data_types)) }}
{%- endmacro %}

{% macro spark__get_fixture_sql(rows, column_name_to_data_types) -%}
    {%- if (rows | length) == 0 -%}
        {{ return(dbt.get_fixture_sql(rows, column_name_to_data_types)) }}
    {%- endif -%}
    {%- if not column_name_to_data_types -%}
        {#- The input's columns as the database has them (as dbt's own macro finds them). -#}
        {%- set relation = defer_relation if (defer_relation and not load_relation(this)) else this -%}
        {%- set column_name_to_data_types = {} -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do column_name_to_data_types.update({column.name | lower: column.data_type}) -%}
        {%- endfor -%}
        {%- if not column_name_to_data_types -%}
            {{ return(dbt.get_fixture_sql(rows, column_name_to_data_types)) }}
        {%- endif -%}
    {%- endif -%}
    {%- set default_row = {} -%}
    {%- set quoted = [] -%}
    {%- for column_name, column_type in column_name_to_data_types.items() -%}
        {%- do default_row.update({column_name: (safe_cast('null', column_type) | trim)}) -%}
        {%- do quoted.append(adapter.quote(column_name)) -%}
    {%- endfor -%}
    {{ validate_fixture_rows(rows, row_number) }}
    {%- set values = [] -%}
    {%- for row in rows -%}
        {%- set cells = default_row.copy() -%}
        {%- do cells.update(format_row(row, column_name_to_data_types)) -%}
        {%- do values.append('(' ~ cells.values() | join(', ') ~ ')') -%}
    {%- endfor -%}
    -- Fixture for {{ model.name }}
    select * from values
    {{ values | join(',\n    ') }}
    as dbt_fixture({{ quoted | join(', ') }})
{%- endmacro %}

{% macro get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted) -%}
    {{ return(adapter.dispatch('get_expected_sql', 'primed')(rows, column_name_to_data_types, column_name_to_quoted)) }}
{%- endmacro %}

{% macro default__get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted) -%}
    {{ return(dbt.get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted)) }}
{%- endmacro %}

{% macro spark__get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted) -%}
    {%- if (rows | length) == 0 -%}
        {{ return(dbt.get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted)) }}
    {%- endif -%}
    {%- set columns = format_row(rows[0], column_name_to_data_types).keys() | list -%}
    {%- set names = [] -%}
    {%- for column_name in columns -%}{%- do names.append(column_name_to_quoted[column_name]) -%}{%- endfor -%}
    {%- set values = [] -%}
    {%- for row in rows -%}
        {%- set cells = format_row(row, column_name_to_data_types) -%}
        {%- set ordered = [] -%}
        {%- for column_name in columns -%}
            {%- do ordered.append(cells.get(column_name, 'null')) -%}
        {%- endfor -%}
        {%- do values.append('(' ~ ordered | join(', ') ~ ')') -%}
    {%- endfor -%}
    select * from values
    {{ values | join(',\n    ') }}
    as dbt_expected({{ names | join(', ') }})
{%- endmacro %}
