{#- Assessment outcomes (measures.md, standard report 3): completed assessments by month of
    completion, team and R2 Event Outcome, with the outcome's group (`NFA` for every `NFA:`
    outcome, else the outcome itself) and its share of the team's completed assessments in the
    month. An assessment with no outcome recorded counts as `Unknown`. Rows exist only for
    outcomes that occurred (no zero rows), so the shares of a team's month add up to 1. -#}
with

assessments as (

    select * from {{ ref('fct_assessments') }}

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

completed as (

    select
        assessments.team_code,
        {{ month_start('assessments.event_end_date') }} as month,
        coalesce(assessments.event_outcome, 'Unknown') as event_outcome,
        case
            when assessments.event_outcome_group = 'NFA' then 'NFA'
            else coalesce(assessments.event_outcome, 'Unknown')
        end as outcome_group
    from assessments
    cross join dates
    where {{ is_completed_by('assessments', 'dates.data_date') }}

),

by_outcome as (

    select
        team_code,
        month,
        event_outcome,
        outcome_group,
        count(*) as completed_count
    from completed
    group by 1, 2, 3, 4

)

select
    by_outcome.team_code,
    coalesce(teams.team_name, by_outcome.team_code) as team_name,
    by_outcome.month,
    months.month_end,
    months.fin_year,
    by_outcome.event_outcome,
    by_outcome.outcome_group,
    by_outcome.completed_count,
    cast(
        sum(by_outcome.completed_count) over (
            partition by by_outcome.team_code, by_outcome.month
        ) as {{ dbt.type_bigint() }}
    ) as month_completed_count,
    {{ ratio(
        'by_outcome.completed_count',
        'sum(by_outcome.completed_count) over (partition by by_outcome.team_code, by_outcome.month)'
    ) }} as share_of_month,
    dates.data_date
from by_outcome
cross join dates
inner join months on by_outcome.month = months.month
left join teams on by_outcome.team_code = teams.team_code
