{#- Cost per week of each service line by DHSC's frequency rule (cld.md §1.5; measures.md,
    Spend). One-off costs are not weekly spend: they are kept apart. Each line is active from
    its start to its end, both included, or to the data date when open. -#}
with

services as (

    select * from {{ ref('int_events_deduplicated') }}
    where event_type = 'Service' and event_status <> 'Cancelled'

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

units as (

    select
        services.*,
        cast(
            case services.cost_frequency
                when 'Weekly' then 1.0
                when 'Fortnightly' then 0.5
                when '4-weekly' then 0.25
                when 'Monthly' then cast(12 as {{ type_double() }}) / 52
                when 'Quarterly' then cast(4 as {{ type_double() }}) / 52
                when 'Annually' then cast(1 as {{ type_double() }}) / 52
                when 'Hourly' then services.planned_units_per_week
                when 'Daily' then services.planned_units_per_week
                when 'Per session' then services.planned_units_per_week
            end as {{ type_double() }}
        ) as units_per_week,
        coalesce(services.cost_frequency = 'One-off', false) as is_one_off
    from services

)

select
    units.event_id,
    units.la_code,
    units.person_id,
    units.team_code,
    units.service_type,
    units.service_type_group,
    units.service_component,
    units.delivery_mechanism,
    units.primary_support_reason,
    units.unit_cost,
    units.cost_frequency,
    units.planned_units_per_week,
    units.units_per_week,
    units.is_one_off,
    case
        when not units.is_one_off
            then cast(units.unit_cost * units.units_per_week as {{ type_double() }})
    end as cost_per_week,
    case when units.is_one_off then units.unit_cost end as one_off_cost,
    units.service_type in (
        'Long term support: Residential care', 'Long term support: Nursing care'
    ) as is_placement,
    units.event_start_date as active_from,
    least(coalesce(units.derived_end_date, dates.data_date), dates.data_date) as active_to
from units
cross join dates
where units.event_start_date <= dates.data_date
