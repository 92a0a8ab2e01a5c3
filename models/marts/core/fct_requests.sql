{#- One row per deduplicated Request (contact to the front door or a team). -#}
select
    {{ event_fact_columns('events') }},
    events.request_route_of_access,
    events.event_status = 'Completed' and events.event_outcome in (
        'Progress to assessment, review or reassessment', 'Progress to reablement/ST-Max'
    ) as is_referred,
    events.event_status = 'Completed' and events.event_outcome_group = 'NFA' as is_resolved
from {{ ref('int_events_deduplicated') }} as events
where events.event_type = 'Request'
