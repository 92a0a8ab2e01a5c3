{#- Team workload (measures.md, standard report 1): for each team, month end M and work-item
    type, the work open at M, allocated or awaiting allocation, overdue at M, and the work due
    in the month. Which items count, and when, is decided once, in int_worker_workload_monthly;
    this sums its rows per team, as the by-whom mart sums them per worker. Every (team, month
    end, event type) from the team's first work item to the data date has a row, zeros
    included. Month ends after the data date are left out. -#}
{%- set workload_counts = ['allocated_count', 'awaiting_allocation_count', 'due_in_month_count',
    'overdue_count'] %}
with

assessments as (

    select * from {{ ref('fct_assessments') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

worker_workload as (

    select * from {{ ref('int_worker_workload_monthly') }}

),

teams as (

    select * from {{ ref('dim_team') }}

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

event_types as (

    select cast('Assessment' as {{ dbt.type_string() }}) as event_type
    union all
    select cast('Review' as {{ dbt.type_string() }}) as event_type

),

closed_months as (

    {{ month_ends_to_data_date() }}

),

-- The team's workload is its workers' (and the row with no worker), summed: the team and
-- by-whom reports cannot disagree.
workload as (

    select
        team_code,
        event_type,
        month,
        {{ sums_of(workload_counts) }}
    from worker_workload
    group by 1, 2, 3

),

-- A team's rows start at the month its first work item started (of either type), one per
-- work item type.
team_months as (

    {{ months_from_first('work_items', ['team_code'], first_month=month_start('event_start_date'),
        months='closed_months') }}

),

spine as (

    select
        team_months.*,
        event_types.event_type
    from team_months
    cross join event_types

)

select
    spine.team_code,
    coalesce(teams.team_name, spine.team_code) as team_name,
    teams.team_type,
    spine.month_end,
    spine.month,
    spine.fin_year,
    spine.event_type,
    cast(
        coalesce(workload.allocated_count, 0) + coalesce(workload.awaiting_allocation_count, 0)
        as {{ dbt.type_bigint() }}
    ) as open_count,
    {{ counts_or_zero('workload', workload_counts) }},
    dates.data_date
from spine
cross join dates
left join teams on spine.team_code = teams.team_code
left join workload on {{ same_keys('spine', 'workload', ['team_code', 'event_type', 'month']) }}
