{#- Open events missing from a later extract whose period covers them (measures.md): they
    keep their last known state, and are listed here for the data-quality report. -#}
with

events as (

    select * from {{ ref('int_events_deduplicated') }}

),

periods as (

    select
        la_code,
        max(reporting_period_end_date) as latest_period_end
    from {{ ref('int_cld_current_rows') }}
    group by la_code

)

select
    events.event_id,
    events.la_code,
    events.event_type,
    events.team_code,
    events.event_start_date,
    events.latest_reporting_period_end_date as last_seen_period_end,
    periods.latest_period_end
from events
inner join periods on events.la_code = periods.la_code
where
    events.derived_end_date is null
    and events.event_status <> 'Cancelled'
    and events.latest_reporting_period_end_date < periods.latest_period_end
