{#- The value of `expr` on the row with the largest `order_by`, among rows where `where` holds
    (NULL when none does). -#}
{% macro latest_value(expr, order_by, where='true') -%}
    {{ return(adapter.dispatch('latest_value', 'primed')(expr, order_by, where)) }}
{%- endmacro %}

{% macro default__latest_value(expr, order_by, where) -%}
    arg_max({{ expr }}, {{ order_by }}) filter (where {{ where }})
{%- endmacro %}

{% macro spark__latest_value(expr, order_by, where) -%}
    max_by({{ expr }}, {{ order_by }}) filter (where {{ where }})
{%- endmacro %}

{% macro postgres__latest_value(expr, order_by, where) -%}
    (array_agg({{ expr }} order by {{ order_by }} desc) filter (where {{ where }}))[1]
{%- endmacro %}

{#- One row per `key` (a column) of `relation`: the key, `source_rows` (its rows), and the
    `ids` (columns) of its first row when ordered by `order_by`, largest first: a list of
    (expression, digits), each expression a non-negative whole number below 10^digits
    (packed_order). -#}
{% macro first_row_per_key(relation, key, ids, order_by) -%}
    {{ return(adapter.dispatch('first_row_per_key', 'primed')(relation, key, ids, order_by)) }}
{%- endmacro %}

{#- A window over each key (PostgreSQL, Spark). -#}
{% macro default__first_row_per_key(relation, key, ids, order_by) -%}
    select
        {{ key }},
        source_rows,
        {{ ids | join(', ') }}
    from (
        select
            {{ key }},
            {{ ids | join(', ') }},
            count(*) over (partition by {{ key }}) as source_rows,
            row_number() over (
                partition by {{ key }}
                order by {% for term, _digits in order_by %}{{ term }} desc{{ ', ' if not loop.last }}{% endfor %}
            ) as version_rank
        from {{ relation }}
    ) as ranked_rows
    where version_rank = 1
{%- endmacro %}

{#- One hash aggregate, no sort of every row by key; its order one number (a struct of the
    terms costs twice the whole aggregate). -#}
{% macro duckdb__first_row_per_key(relation, key, ids, order_by) -%}
    select
        {{ key }},
        source_rows,
        {% for id in ids %}winner.{{ id }} as {{ id }}{{ ', ' if not loop.last }}{% endfor %}
    from (
        select
            {{ key }},
            count(*) as source_rows,
            arg_max(
                { {%- for id in ids %}'{{ id }}': {{ id }}{{ ', ' if not loop.last }}{% endfor -%} },
                {{ packed_order(order_by) }}
            ) as winner
        from {{ relation }}
        group by {{ key }}
    ) as per_key
{%- endmacro %}

{#- Whole years of age at `at_date` from birth year and month (the day is not kept). -#}
{% macro age_at(birth_year, birth_month, at_date) -%}
    (
        cast(extract(year from {{ at_date }}) as integer) - {{ birth_year }}
        - case when cast(extract(month from {{ at_date }}) as integer) < {{ birth_month }} then 1 else 0 end
    )
{%- endmacro %}

{#- DHSC age bands (cld.md §1.4). -#}
{% macro age_band(age) -%}
    case
        when {{ age }} is null then 'Unknown'
        when {{ age }} < 18 then 'Under 18'
        when {{ age }} <= 24 then '18 to 24'
        when {{ age }} <= 44 then '25 to 44'
        when {{ age }} <= 64 then '45 to 64'
        when {{ age }} <= 74 then '65 to 74'
        when {{ age }} <= 84 then '75 to 84'
        when {{ age }} <= 94 then '85 to 94'
        else '95 and above'
    end
{%- endmacro %}

{% macro working_age_band(age) -%}
    case
        when {{ age }} is null then 'Unknown'
        when {{ age }} < 18 then 'Under 18'
        when {{ age }} <= 64 then '18 to 64'
        else '65 and above'
    end
{%- endmacro %}

{#- Days of [start, end] (both included) that fall in [from_date, to_date]; 0 when apart. -#}
{% macro overlap_days(start, end, from_date, to_date) -%}
    greatest(
        0,
        {{ dbt.datediff(
            'greatest(' ~ start ~ ', ' ~ from_date ~ ')',
            'least(' ~ end ~ ', ' ~ to_date ~ ')',
            'day'
        ) }} + 1
    )
{%- endmacro %}

{#- sum(column) as a double, or a typed NULL when no column is named. -#}
{% macro sum_as_double(column) -%}
    {%- if column -%}
        cast(sum({{ column }}) as {{ type_double() }})
    {%- else -%}
        cast(null as {{ type_double() }})
    {%- endif -%}
{%- endmacro %}

{#- `not materialized` for a CTE read twice that is better streamed from its source than copied
    into memory first (DuckDB, PostgreSQL); Spark has no such hint (and plans it so anyway). -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'primed')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}not materialized{%- endmacro %}

{% macro spark__not_materialized() -%}{%- endmacro %}

{#- `materialized` for a CTE read twice that is cheaper computed once and kept than computed
    again by each reader (DuckDB, PostgreSQL); Spark has no such hint. -#}
{% macro materialized() -%}
    {{ return(adapter.dispatch('materialized', 'primed')()) }}
{%- endmacro %}

{% macro default__materialized() -%}materialized{%- endmacro %}

{% macro spark__materialized() -%}{%- endmacro %}

{#- One number that sorts as `terms` do, in order: each term a non-negative whole number below
    10^digits, given as (expression, digits); at most 38 digits in all (so file ids are taken
    below 10^8 and row numbers below 10^10). Comparing it is far cheaper than comparing text
    or a struct built from the terms: at ten times Ealing's size, int_persons took four times
    as long with text. A HUGEINT on DuckDB (its DECIMAL arithmetic checks every step), a
    DECIMAL(38, 0) elsewhere. -#}
{% macro packed_order(terms) -%}
    {%- set total = terms | sum(attribute=1) -%}
    {%- if total > 38 -%}
        {{ exceptions.raise_compiler_error("packed_order: " ~ total ~ " digits, more than 38") }}
    {%- endif -%}
    {%- set packed = namespace(sql='cast(' ~ terms[0][0] ~ ' as ' ~ packed_order_type() ~ ')') -%}
    {%- for expr, digits in terms[1:] -%}
        {%- set packed.sql = '(' ~ packed.sql ~ ') * 1' ~ '0' * digits ~ ' + (' ~ expr ~ ')' -%}
    {%- endfor -%}
    {{ packed.sql }}
{%- endmacro %}

{% macro packed_order_type() -%}
    {{ return(adapter.dispatch('packed_order_type', 'primed')()) }}
{%- endmacro %}

{% macro default__packed_order_type() -%}decimal(38, 0){%- endmacro %}

{% macro duckdb__packed_order_type() -%}hugeint{%- endmacro %}

{#- A date as a whole number that sorts as the date does (days since 0001-01-01: 7 digits). -#}
{% macro day_number(date_expr) -%}
    {{ dbt.datediff("cast('0001-01-01' as date)", date_expr, 'day') }}
{%- endmacro %}
