-- Standard report 3: what completed assessments led to, by team (and 'ALL'), month and
-- outcome group (`NFA` or the outcome itself), with each group's share of the month.
-- Reads marts.rpt_assessment_outcomes_monthly only.
with

outcomes as (

    select * from marts.rpt_assessment_outcomes_monthly

),

by_group as (

    select
        team_code,
        month,
        month_end,
        fin_year,
        outcome_group,
        max(team_name) as team_name,
        cast(sum(completed_count) as bigint) as completed_count,
        max(data_date) as data_date
    from outcomes
    group by team_code, month, month_end, fin_year, outcome_group

),

with_service as (

    select * from by_group

    union all

    select
        'ALL' as team_code,
        month,
        month_end,
        fin_year,
        outcome_group,
        'Whole service' as team_name,
        cast(sum(completed_count) as bigint) as completed_count,
        max(data_date) as data_date
    from by_group
    group by month, month_end, fin_year, outcome_group

)

select
    team_code,
    team_name,
    month,
    month_end,
    fin_year,
    outcome_group,
    completed_count,
    cast(sum(completed_count) over (partition by team_code, month) as bigint)
        as month_completed_count,
    completed_count
    / nullif(sum(completed_count) over (partition by team_code, month), 0) as share_of_month,
    data_date
from with_service
order by team_code, month, outcome_group
