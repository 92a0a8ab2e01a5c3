{#- By whom (measures.md, Team workload and Completed work, per worker): for each team, worker
    and month end M up to the data date, the work items the worker holds open at M (allocated
    to them: Allocated Date on or before M), those of them overdue at M and the age of the
    oldest, the items due in the month, and the work completed in the month, on time or late,
    with the worker's FTE. Open work not allocated at M has a row with no worker (awaiting
    allocation), as do items due or completed with no worker, so that a team's workers add up
    to the team (test assert_team_marts_sum_their_workers). An item counts for the worker the
    fact holds (the latest, after any reallocation) and for the event's team. Each (team,
    worker) has a row for every month end from its first figure to the data date, zeros
    included. -#}
with

assessments as (

    select * from {{ ref('fct_assessments') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

worker_completions as (

    select * from {{ ref('rpt_worker_completed_monthly') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

workers as (

    select * from {{ ref('dim_worker') }}

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

-- Month ends up to the data date: no measure looks past it.
closed_months as (

    select
        months.month,
        months.month_end,
        months.fin_year
    from months
    cross join dates
    where months.month_end <= dates.data_date

),

open_spans as (

    select
        work_items.*,
        {{ work_item_closed_from('work_items', 'dates.data_date') }} as closed_from
    from work_items
    cross join dates

),

-- Range join: one row per open item per month end. An item is the worker's at M when it is
-- allocated at M (as the team mart's allocated_count); otherwise it awaits allocation.
open_items as (

    select
        open_spans.team_code,
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
        month,
        count(case when holder_id is not null then 1 end) as allocated_count,
        count(case when holder_id is null then 1 end) as awaiting_allocation_count,
        count(case when due_date < month_end then 1 end) as overdue_count,
        max({{ dbt.datediff('event_start_date', 'month_end', 'day') }}) as oldest_open_age_days
    from open_items
    group by 1, 2, 3

),

due_in_month as (

    select
        team_code,
        coalesce(worker_id, '') as worker_key,
        {{ month_start('due_date') }} as month,
        count(*) as due_in_month_count
    from work_items
    where
        event_status <> 'Cancelled'
        and due_date is not null
    group by 1, 2, 3

),

-- Completions as rpt_worker_completed_monthly counts them (all work item types together).
completed as (

    select
        team_code,
        coalesce(worker_id, '') as worker_key,
        month,
        sum(completed_count) as completed_count,
        sum(completed_on_time_count) as completed_on_time_count,
        sum(completed_late_count) as completed_late_count
    from worker_completions
    group by 1, 2, 3

),

figure_months as (

    select
        team_code,
        worker_key,
        month
    from open_at_month_end
    union all
    select
        team_code,
        worker_key,
        month
    from due_in_month
    union all
    select
        team_code,
        worker_key,
        month
    from completed

),

first_month as (

    select
        team_code,
        worker_key,
        min(month) as first_month
    from figure_months
    group by 1, 2

),

spine as (

    select
        first_month.team_code,
        first_month.worker_key,
        closed_months.month,
        closed_months.month_end,
        closed_months.fin_year
    from first_month
    inner join closed_months on first_month.first_month <= closed_months.month

)

select
    nullif(spine.worker_key, '') as worker_id,
    workers.role as worker_role,
    workers.fte as worker_fte,
    workers.team_code as worker_team_code,
    spine.team_code,
    coalesce(teams.team_name, spine.team_code) as team_name,
    spine.month,
    spine.month_end,
    spine.fin_year,
    coalesce(open_at_month_end.allocated_count, 0) as allocated_count,
    coalesce(open_at_month_end.awaiting_allocation_count, 0) as awaiting_allocation_count,
    coalesce(due_in_month.due_in_month_count, 0) as due_in_month_count,
    coalesce(open_at_month_end.overdue_count, 0) as overdue_count,
    cast(open_at_month_end.oldest_open_age_days as {{ dbt.type_bigint() }}) as oldest_open_age_days,
    cast(coalesce(completed.completed_count, 0) as {{ dbt.type_bigint() }}) as completed_count,
    cast(coalesce(completed.completed_on_time_count, 0) as {{ dbt.type_bigint() }})
        as completed_on_time_count,
    cast(coalesce(completed.completed_late_count, 0) as {{ dbt.type_bigint() }})
        as completed_late_count,
    cast(
        coalesce(completed.completed_on_time_count, 0)
        + coalesce(completed.completed_late_count, 0) as {{ dbt.type_bigint() }}
    ) as completed_with_due_date_count,
    cast(coalesce(completed.completed_count, 0) as {{ type_double() }})
    / nullif(workers.fte, 0) as completed_per_fte,
    dates.data_date
from spine
cross join dates
left join teams on spine.team_code = teams.team_code
left join workers on spine.worker_key = workers.worker_id
left join open_at_month_end
    on
        spine.team_code = open_at_month_end.team_code
        and spine.worker_key = open_at_month_end.worker_key
        and spine.month = open_at_month_end.month
left join due_in_month
    on
        spine.team_code = due_in_month.team_code
        and spine.worker_key = due_in_month.worker_key
        and spine.month = due_in_month.month
left join completed
    on
        spine.team_code = completed.team_code
        and spine.worker_key = completed.worker_key
        and spine.month = completed.month
