{#- By whom (measures.md, Team workload and Completed work, per worker): for each team, worker
    and month end M up to the data date, the work items the worker holds open at M (allocated
    to them: Allocated Date on or before M), those of them overdue at M and the age of the
    oldest, the items due in the month, and the work completed in the month, on time or late,
    with the worker's FTE. Open work not allocated at M has a row with no worker (awaiting
    allocation), as do items due or completed with no worker, so that a team's workers add up
    to the team (test assert_team_marts_sum_their_workers). An item counts for the worker the
    fact holds (the latest, after any reallocation) and for the event's team. Which items
    count, and when, is decided once: int_worker_workload_monthly (open, due, overdue, by work
    item type, summed here) and rpt_worker_completed_monthly. Each (team, worker) has a row for
    every month end from its first figure to the data date, zeros included. -#}
{%- set workload_counts = ['allocated_count', 'awaiting_allocation_count', 'due_in_month_count',
    'overdue_count'] -%}
{%- set completed_counts = ['completed_count', 'completed_on_time_count', 'completed_late_count'] %}
with

worker_workload as (

    select * from {{ ref('int_worker_workload_monthly') }}

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

closed_months as (

    {{ month_ends_to_data_date() }}

),

-- The worker's open, overdue and due work, both work item types together.
workload as (

    select
        team_code,
        coalesce(worker_id, '') as worker_key,
        month,
        {{ sums_of(workload_counts) }},
        max(oldest_open_age_days) as oldest_open_age_days
    from worker_workload
    group by 1, 2, 3

),

-- Completions as rpt_worker_completed_monthly counts them (all work item types together).
completed as (

    select
        team_code,
        coalesce(worker_id, '') as worker_key,
        month,
        {{ sums_of(completed_counts) }}
    from worker_completions
    group by 1, 2, 3

),

figure_months as (

    select
        team_code,
        worker_key,
        month
    from workload
    union all
    select
        team_code,
        worker_key,
        month
    from completed

),

-- Every month end from the (team, worker)'s first figure to the data date.
spine as (

    {{ months_from_first('figure_months', ['team_code', 'worker_key'], months='closed_months') }}

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
    {{ counts_or_zero('workload', workload_counts) }},
    cast(workload.oldest_open_age_days as {{ dbt.type_bigint() }}) as oldest_open_age_days,
    {{ counts_or_zero('completed', completed_counts) }},
    cast(
        coalesce(completed.completed_on_time_count, 0)
        + coalesce(completed.completed_late_count, 0) as {{ dbt.type_bigint() }}
    ) as completed_with_due_date_count,
    {{ per_fte('coalesce(completed.completed_count, 0)', 'workers.fte') }} as completed_per_fte,
    dates.data_date
from spine
cross join dates
left join teams on spine.team_code = teams.team_code
left join workers on spine.worker_key = workers.worker_id
left join workload on {{ same_keys('spine', 'workload', ['team_code', 'worker_key', 'month']) }}
left join completed on {{ same_keys('spine', 'completed', ['team_code', 'worker_key', 'month']) }}
