{#- Workload at month ends, per worker and work-item type (measures.md, Team workload; by
    whom): for each team, worker (none: empty), event type and month, the items open at the
    month end M (up to the data date), allocated to the worker (Allocated Date on or before M,
    with a Worker ID) or, on the row with no worker, awaiting allocation; those of them
    overdue at M and the age of the oldest; and the items due in the month, for the worker the
    item holds. Rows exist only where there is a figure. The team and worker marts add these
    rows up, so the rules are written once and a team is the sum of its workers. -#}
with

assessments as (

    select * from {{ ref('fct_assessments') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

months as (

    select * from {{ ref('int_months') }}

),

work_items as (

    {{ work_items() }}

),

closed_months as (

    {{ month_ends_to_data_date() }}

),

-- When each item stops being open (work_item_closed_from: measures.md, Team workload).
open_spans as (

    select
        work_items.*,
        {{ work_item_closed_from('work_items', 'dates.data_date') }} as closed_from
    from work_items
    cross join dates

),

-- Range join: one row per open item per month end, never per day. An item is the worker's
-- at M when it is allocated at M; otherwise it awaits allocation.
open_items as (

    select
        open_spans.team_code,
        open_spans.event_type,
        closed_months.month,
        closed_months.month_end,
        open_spans.event_start_date,
        open_spans.due_date,
        case
            when
                open_spans.allocated_date <= closed_months.month_end
                and open_spans.worker_id is not null
                then open_spans.worker_id
        end as holder_id
    from open_spans
    inner join closed_months
        on
            open_spans.event_start_date <= closed_months.month_end
            and open_spans.closed_from > closed_months.month_end

),

open_at_month_end as (

    select
        team_code,
        coalesce(holder_id, '') as worker_key,
        event_type,
        month,
        count(case when holder_id is not null then 1 end) as allocated_count,
        count(case when holder_id is null then 1 end) as awaiting_allocation_count,
        count(case when due_date < month_end then 1 end) as overdue_count,
        max({{ dbt.datediff('event_start_date', 'month_end', 'day') }}) as oldest_open_age_days
    from open_items
    group by 1, 2, 3, 4

),

-- Due in a month up to the data date's last month end, for the worker the item holds
-- (whatever its allocation date). No lower bound: a worker's rows start at their first figure.
due_in_month as (

    select
        work_items.team_code,
        coalesce(work_items.worker_id, '') as worker_key,
        work_items.event_type,
        {{ month_start('work_items.due_date') }} as month,
        count(*) as due_in_month_count
    from work_items
    cross join dates
    where
        work_items.event_status <> 'Cancelled'
        and work_items.due_date is not null
        and {{ month_end('work_items.due_date') }} <= dates.data_date
    group by 1, 2, 3, 4

)

select
    coalesce(open_at_month_end.team_code, due_in_month.team_code) as team_code,
    nullif(coalesce(open_at_month_end.worker_key, due_in_month.worker_key), '') as worker_id,
    coalesce(open_at_month_end.event_type, due_in_month.event_type) as event_type,
    coalesce(open_at_month_end.month, due_in_month.month) as month,
    {{ counts_or_zero('open_at_month_end', ['allocated_count', 'awaiting_allocation_count', 'overdue_count']) }},
    cast(open_at_month_end.oldest_open_age_days as {{ dbt.type_bigint() }}) as oldest_open_age_days,
    {{ counts_or_zero('due_in_month', ['due_in_month_count']) }}
from open_at_month_end
full outer join due_in_month
    on
        open_at_month_end.team_code = due_in_month.team_code
        and open_at_month_end.worker_key = due_in_month.worker_key
        and open_at_month_end.event_type = due_in_month.event_type
        and open_at_month_end.month = due_in_month.month
