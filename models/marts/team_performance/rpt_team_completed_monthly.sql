{#- Completed work (measures.md, standard report 2): for each team, month and event type, the
    work items (assessments and reviews) completed in the month, on time or late, and per FTE of
    the team's workers. Requests completed by front-door teams count as their work (event type
    `Request`). Which items count, and when, is decided once, in rpt_worker_completed_monthly;
    this sums its rows per team. Each (team, event type) has a row for every month from its
    first completion to the data date's month, zeros included. -#}
with

worker_completions as (

    select * from {{ ref('rpt_worker_completed_monthly') }}

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

-- The team's completions are its workers' (and those with no worker), summed: the two
-- reports cannot disagree.
completed as (

    select
        team_code,
        event_type,
        month,
        cast(sum(completed_count) as {{ dbt.type_bigint() }}) as completed_count,
        cast(sum(completed_on_time_count) as {{ dbt.type_bigint() }}) as completed_on_time_count,
        cast(sum(completed_late_count) as {{ dbt.type_bigint() }}) as completed_late_count
    from worker_completions
    group by 1, 2, 3

),

-- Every month from the (team, event type)'s first completion to the data date's month.
spine as (

    {{ months_from_first('completed', ['team_code', 'event_type']) }}

)

select
    spine.team_code,
    coalesce(teams.team_name, spine.team_code) as team_name,
    teams.team_type,
    spine.month,
    spine.month_end,
    spine.fin_year,
    spine.event_type,
    {{ counts_or_zero('completed', ['completed_count', 'completed_on_time_count', 'completed_late_count']) }},
    coalesce(completed.completed_on_time_count, 0)
    + coalesce(completed.completed_late_count, 0) as completed_with_due_date_count,
    teams.team_fte,
    {{ per_fte('coalesce(completed.completed_count, 0)', 'teams.team_fte') }} as completed_per_fte,
    dates.data_date
from spine
cross join dates
left join teams on spine.team_code = teams.team_code
left join completed on {{ same_keys('spine', 'completed', ['team_code', 'event_type', 'month']) }}
