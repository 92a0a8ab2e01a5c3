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

{#- Placement spend (measures.md, Spend): the residential and nursing care lines with a weekly
    cost; a condition on a row of int_spend_service_months. -#}
{% macro is_placement_spend() -%}
    (is_placement and cost_per_week is not null)
{%- endmacro %}

{#- The weekly commitment (docs/spend-movement.md): each costed weekly service line (one-off and
    uncosted lines aside) from `service_costs` (int_service_costs), its team and service type
    (`Unknown` when missing) and its weekly cost to the penny, so a bridge adds up exactly. A
    line ending before it starts is active on no day and is left out. -#}
{% macro committed_weekly_lines(service_costs) -%}
    select
        event_id,
        person_id,
        coalesce(team_code, 'Unknown') as team_code,
        coalesce(service_type, 'Unknown') as service_type,
        is_placement,
        cast(round(cast(cost_per_week as decimal(18, 4)), 2) as decimal(18, 2)) as weekly_cost,
        active_from,
        active_to
    from {{ service_costs }}
    where not is_one_off and cost_per_week is not null and active_from <= active_to
{%- endmacro %}
