{#- Daily spend of a line from its cost per week (measures.md, Spend: cost per week / 7). -#}
{% macro daily_spend(cost_per_week) -%}
    (cast({{ cost_per_week }} as {{ type_double() }}) / 7)
{%- endmacro %}

{#- Days from `start` to `end`, both included. -#}
{% macro days_inclusive(start, end) -%}
    ({{ dbt.datediff(start, end, 'day') }} + 1)
{%- endmacro %}

{#- A line active from `active_from` to `active_to` (both included) is active on `on_date`. -#}
{% macro is_active_on(active_from, active_to, on_date) -%}
    ({{ active_from }} <= {{ on_date }} and {{ active_to }} >= {{ on_date }})
{%- endmacro %}

{#- Join condition: the ranges [start, end] and [from_date, to_date] share at least one day. -#}
{% macro ranges_overlap(start, end, from_date, to_date) -%}
    ({{ start }} <= {{ to_date }} and {{ end }} >= {{ from_date }})
{%- endmacro %}

{#- Placements (measures.md, Spend): a month's spend and placement-days over its days, as three
    columns: average daily spend, average active placements and the average daily cost of a
    placement (empty with no placement-days). -#}
{% macro placement_averages(total_spend, placement_days, days_in_month) -%}
    cast({{ total_spend }} as {{ type_double() }}) / {{ days_in_month }} as avg_daily_spend,
    cast({{ placement_days }} as {{ type_double() }}) / {{ days_in_month }} as avg_active_placements,
    {{ ratio(total_spend, placement_days) }} as avg_daily_cost_per_placement
{%- endmacro %}
