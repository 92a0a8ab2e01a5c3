{#- One row per deduplicated Review, with allocation, due date and timeliness. -#}
select
    {{ event_fact_columns('events') }},
    {{ work_item_columns('events') }},
    events.review_reason,
    events.review_outcomes_achieved
from {{ ref('int_events_deduplicated') }} as events
where events.event_type = 'Review'
