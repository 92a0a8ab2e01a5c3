{#- Last day of the month that contains a date. -#}
{% macro month_end(expr) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', expr))) }} as date)
{%- endmacro %}

{#- First day of the month, as a DATE on every engine. -#}
{% macro month_start(expr) -%}
    cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}

{#- UK financial year label, 1 April to 31 March: '2024-25'. -#}
{% macro fin_year(expr) -%}
    {%- set start_year -%}
        (extract(year from {{ expr }}) - case when extract(month from {{ expr }}) < 4 then 1 else 0 end)
    {%- endset -%}
    cast(cast({{ start_year }} as integer) as {{ dbt.type_string() }})
    || '-' || right(cast(cast({{ start_year }} + 1 as integer) as {{ dbt.type_string() }}), 2)
{%- endmacro %}

{#- A 64-bit float on every engine (dbt.type_float() is 32-bit on DuckDB). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'primed')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- round() of a double to `digits` decimals: PostgreSQL rounds only numeric. -#}
{% macro round_double(expr, digits) -%}
    {{ return(adapter.dispatch('round_double', 'primed')(expr, digits)) }}
{%- endmacro %}

{% macro default__round_double(expr, digits) -%}
    cast(round(cast({{ expr }} as numeric), {{ digits }}) as {{ type_double() }})
{%- endmacro %}

{% macro duckdb__round_double(expr, digits) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}

{#- Spark rounds doubles (its bare `numeric` would be decimal(10, 0)). -#}
{% macro spark__round_double(expr, digits) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}

{#- A file's reporting period start as stated; an absent start is the end less 12 months
    (a rolling year), as DHSC reads a submission. -#}
{% macro stated_period_start(start_expr, end_expr) -%}
    coalesce(
        {{ start_expr }},
        cast({{ dbt.dateadd('day', 1, dbt.dateadd('month', -12, end_expr)) }} as date)
    )
{%- endmacro %}

{#- The body of a CTE `name` with one column, `column`: every day or month (`datepart`) from
    `start` to `end` (both included; `start` alone when it is later), columns of the one-row
    relation `bounds`. A recursive CTE on DuckDB and PostgreSQL (the query says `with
    recursive`); sequence() on Spark, whose recursion stops at 100 levels and runs a job for
    each. -#}
{% macro date_series(name, column, bounds, start, end, datepart) -%}
    {{ return(adapter.dispatch('date_series', 'primed')(name, column, bounds, start, end, datepart)) }}
{%- endmacro %}

{% macro default__date_series(name, column, bounds, start, end, datepart) -%}
    select {{ start }} from {{ bounds }}
    union all
    select cast({{ dbt.dateadd(datepart, 1, name ~ '.' ~ column) }} as date)
    from {{ name }}
    cross join {{ bounds }}
    where {{ name }}.{{ column }} < {{ bounds }}.{{ end }}
{%- endmacro %}

{% macro spark__date_series(name, column, bounds, start, end, datepart) -%}
    select explode(sequence({{ start }}, greatest({{ start }}, {{ end }}), interval 1 {{ datepart }}))
    from {{ bounds }}
{%- endmacro %}
