-- Quarantined rows by reason: each row's first problem adds up to the rows quarantined per
-- file and event type, so no quarantined row is without a reason or counted twice.
with

by_reason as (

    select
        file_id,
        event_type,
        sum(rows_first_problem) as rows_first_problem
    from {{ ref('dq_quarantine_reasons') }}
    group by 1, 2

),

accounting as (

    select
        file_id,
        event_type,
        rows_quarantined
    from {{ ref('dq_row_accounting') }}
    where rows_quarantined > 0

)

select
    coalesce(accounting.file_id, by_reason.file_id) as file_id,
    coalesce(accounting.event_type, by_reason.event_type) as event_type,
    accounting.rows_quarantined,
    by_reason.rows_first_problem
from accounting
full outer join by_reason
    on
        accounting.file_id = by_reason.file_id
        and accounting.event_type = by_reason.event_type
where coalesce(accounting.rows_quarantined, -1) <> coalesce(by_reason.rows_first_problem, -1)
