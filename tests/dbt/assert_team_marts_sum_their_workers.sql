-- By whom: the team marts and rpt_worker_workload_monthly count the same items once. At every
-- team month end, the team's allocated, awaiting, due and overdue work (both event types) and
-- its completions equal the sums over its rows per worker (the row with no worker included).
-- Rows returned are the team months where they differ.
{%- set workload = ['allocated_count', 'awaiting_allocation_count', 'due_in_month_count',
    'overdue_count'] -%}
{%- set completed = ['completed_count', 'completed_on_time_count', 'completed_late_count'] %}
with

team_workload as (

    select
        team_code,
        month,
        {{ sums_of(workload) }}
    from {{ ref('rpt_team_workload_monthly') }}
    group by 1, 2

),

team_completed as (

    select
        team_code,
        month,
        {{ sums_of(completed) }}
    from {{ ref('rpt_team_completed_monthly') }}
    where month_end <= data_date
    group by 1, 2

),

by_worker as (

    select
        team_code,
        month,
        {{ sums_of(workload + completed) }}
    from {{ ref('rpt_worker_workload_monthly') }}
    group by 1, 2

),

workload_differs as (

    select
        team_workload.team_code,
        team_workload.month,
        'workload' as figures
    from team_workload
    left join by_worker
        on
            team_workload.team_code = by_worker.team_code
            and team_workload.month = by_worker.month
    where
        team_workload.allocated_count <> coalesce(by_worker.allocated_count, 0)
        or team_workload.awaiting_allocation_count <> coalesce(by_worker.awaiting_allocation_count, 0)
        or team_workload.due_in_month_count <> coalesce(by_worker.due_in_month_count, 0)
        or team_workload.overdue_count <> coalesce(by_worker.overdue_count, 0)

),

completed_differs as (

    select
        coalesce(team_completed.team_code, by_worker.team_code) as team_code,
        coalesce(team_completed.month, by_worker.month) as month,
        'completed' as figures
    from team_completed
    full outer join by_worker
        on
            team_completed.team_code = by_worker.team_code
            and team_completed.month = by_worker.month
    where
        coalesce(team_completed.completed_count, 0) <> coalesce(by_worker.completed_count, 0)
        or coalesce(team_completed.completed_on_time_count, 0)
        <> coalesce(by_worker.completed_on_time_count, 0)
        or coalesce(team_completed.completed_late_count, 0)
        <> coalesce(by_worker.completed_late_count, 0)

)

select * from workload_differs
union all
select * from completed_differs
