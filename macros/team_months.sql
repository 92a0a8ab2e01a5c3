{#- The months of the team-facing marts: which months a team (or worker) has a row for, and a
    team's month as the sum of the rows below it. -#}

{#- The body of a CTE: for each value of `keys` in `relation`, every month of `months` from
    its first month on (the least `first_month`, an expression on `relation`'s columns), with
    the month end and financial year. A mart shows these rows with zeros where nothing happened,
    so a team's series has no gaps from its first figure to the last month of `months`. -#}
{% macro months_from_first(relation, keys, first_month='month', months='months') %}
    select
        first_months.{{ keys | join(',\n        first_months.') }},
        {{ months }}.month,
        {{ months }}.month_end,
        {{ months }}.fin_year
    from (
        select
            {{ keys | join(',\n            ') }},
            min({{ first_month }}) as first_month
        from {{ relation }}
        group by {{ keys | join(', ') }}
    ) as first_months
    inner join {{ months }} on first_months.first_month <= {{ months }}.month
{% endmacro %}

{#- A select list: each of `columns` summed, under its own name (rows below a team or worker
    added up to it). -#}
{% macro sums_of(columns) -%}
    {%- set sums = [] -%}
    {%- for column in columns -%}
        {%- do sums.append('sum(' ~ column ~ ') as ' ~ column) -%}
    {%- endfor -%}
    {{ sums | join(',\n        ') }}
{%- endmacro %}

{#- The body of a CTE: one row per team and month of `relation` (a team mart with more than one
    row per team and month: one per event type, or per outcome; `by` names the columns kept
    apart, e.g. the outcome group) with each of `counts` summed as a bigint, each of `by_type`
    ({count: {event type: new column}}) also summed for each event type alone, and each of
    `team_columns` (the team's: the same on each of its rows) and the data date kept. -#}
{% macro team_month_totals(relation, counts, by=[], by_type={}, team_columns=['team_name']) %}
    {%- set keys = ['team_code', 'month', 'month_end', 'fin_year'] + by -%}
    {%- set figures = [] -%}
    {%- for column in team_columns -%}
        {%- do figures.append('max(' ~ column ~ ') as ' ~ column) -%}
    {%- endfor -%}
    {%- for column in counts -%}
        {%- do figures.append('cast(sum(' ~ column ~ ') as ' ~ dbt.type_bigint() ~ ') as ' ~ column) -%}
    {%- endfor -%}
    {%- for column, types in by_type.items() -%}
        {%- for event_type, name in types.items() -%}
            {%- do figures.append('cast(sum(case when event_type = ' ~ "'" ~ event_type ~ "'" ~ ' then '
                ~ column ~ ' else 0 end) as ' ~ dbt.type_bigint() ~ ') as ' ~ name) -%}
        {%- endfor -%}
    {%- endfor %}
    select
        {{ (keys + figures) | join(',\n        ') }},
        max(data_date) as data_date
    from {{ relation }}
    group by {{ keys | join(', ') }}
{% endmacro %}

{#- A select list: each of `columns` (counts) of `relation`, a left-joined CTE of figures, as a
    bigint under its own name, zero where the row (a month of the spine) has none. -#}
{% macro counts_or_zero(relation, columns) -%}
    {%- set counts = [] -%}
    {%- for column in columns -%}
        {%- do counts.append('cast(coalesce(' ~ relation ~ '.' ~ column ~ ', 0) as ' ~ dbt.type_bigint()
            ~ ') as ' ~ column) -%}
    {%- endfor -%}
    {{ counts | join(',\n    ') }}
{%- endmacro %}
