-- Standard report 2: work completed by each team every month (and the whole service, team_code
-- 'ALL'): completed assessments, reviews and front-door requests, on time and late, per FTE.
-- Reads marts.rpt_team_completed_monthly only.
with

completed as (

    select * from marts.rpt_team_completed_monthly

),

by_team as (

    select
        team_code,
        month,
        month_end,
        fin_year,
        max(team_name) as team_name,
        max(team_type) as team_type,
        cast(sum(completed_count) as bigint) as completed_count,
        cast(sum(case when event_type = 'Assessment' then completed_count else 0 end) as bigint)
            as assessments_completed_count,
        cast(sum(case when event_type = 'Review' then completed_count else 0 end) as bigint)
            as reviews_completed_count,
        cast(sum(case when event_type = 'Request' then completed_count else 0 end) as bigint)
            as requests_completed_count,
        cast(sum(completed_on_time_count) as bigint) as completed_on_time_count,
        cast(sum(completed_late_count) as bigint) as completed_late_count,
        cast(sum(completed_with_due_date_count) as bigint) as completed_with_due_date_count,
        max(team_fte) as team_fte,
        max(data_date) as data_date
    from completed
    group by team_code, month, month_end, fin_year

),

with_service as (

    select * from by_team

    union all

    select
        'ALL' as team_code,
        month,
        month_end,
        fin_year,
        'Whole service' as team_name,
        'Service' as team_type,
        cast(sum(completed_count) as bigint) as completed_count,
        cast(sum(assessments_completed_count) as bigint) as assessments_completed_count,
        cast(sum(reviews_completed_count) as bigint) as reviews_completed_count,
        cast(sum(requests_completed_count) as bigint) as requests_completed_count,
        cast(sum(completed_on_time_count) as bigint) as completed_on_time_count,
        cast(sum(completed_late_count) as bigint) as completed_late_count,
        cast(sum(completed_with_due_date_count) as bigint) as completed_with_due_date_count,
        sum(team_fte) as team_fte,
        max(data_date) as data_date
    from by_team
    group by month, month_end, fin_year

)

select
    team_code,
    team_name,
    team_type,
    month,
    month_end,
    fin_year,
    completed_count,
    assessments_completed_count,
    reviews_completed_count,
    requests_completed_count,
    completed_on_time_count,
    completed_late_count,
    completed_with_due_date_count,
    completed_on_time_count
    / nullif(completed_with_due_date_count, 0) as completed_on_time_share,
    team_fte,
    completed_count / nullif(team_fte, 0) as completed_per_fte,
    data_date
from with_service
order by team_code, month
