{#- One row per deduplicated Assessment, with allocation, due date and timeliness. -#}
select
    {{ event_fact_columns('events') }},
    {{ work_item_columns('events') }},
    events.assessment_type
from {{ ref('int_events_deduplicated') }} as events
where events.event_type = 'Assessment'
