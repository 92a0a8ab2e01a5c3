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
