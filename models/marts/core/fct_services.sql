{#- One row per deduplicated service line, with its cost per week (DHSC frequency rule) and
    the days it is active up to the data date. -#}
with

events as (

    select * from {{ ref('int_events_deduplicated') }}
    where event_type = 'Service'

),

costs as (

    select * from {{ ref('int_service_costs') }}

)

select
    {{ event_fact_columns('events') }},
    events.service_type,
    events.service_type_group,
    events.service_component,
    events.delivery_mechanism,
    events.unit_cost,
    events.cost_frequency,
    events.planned_units_per_week,
    costs.units_per_week,
    costs.cost_per_week,
    coalesce(costs.is_one_off, false) as is_one_off,
    costs.one_off_cost,
    coalesce(costs.is_placement, false) as is_placement,
    costs.active_from,
    costs.active_to
from events
left join costs on events.event_id = costs.event_id
