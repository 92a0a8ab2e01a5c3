-- Standard report 1: allocated, due and overdue work by month, per team and for the whole
-- service (team_code 'ALL'). Reads marts.rpt_team_workload_monthly only.
-- One row per team and month; assessments and reviews added together, overdue also split.
with

workload as (

    select * from marts.rpt_team_workload_monthly

),

by_team as (

    select
        team_code,
        month,
        month_end,
        fin_year,
        max(team_name) as team_name,
        max(team_type) as team_type,
        cast(sum(open_count) as bigint) as open_count,
        cast(sum(allocated_count) as bigint) as allocated_count,
        cast(sum(awaiting_allocation_count) as bigint) as awaiting_allocation_count,
        cast(sum(due_in_month_count) as bigint) as due_in_month_count,
        cast(sum(overdue_count) as bigint) as overdue_count,
        cast(sum(case when event_type = 'Assessment' then overdue_count else 0 end) as bigint)
            as overdue_assessments_count,
        cast(sum(case when event_type = 'Review' then overdue_count else 0 end) as bigint)
            as overdue_reviews_count,
        max(data_date) as data_date
    from workload
    group by team_code, month, month_end, fin_year

)

select
    team_code,
    team_name,
    team_type,
    month,
    month_end,
    fin_year,
    open_count,
    allocated_count,
    awaiting_allocation_count,
    due_in_month_count,
    overdue_count,
    overdue_assessments_count,
    overdue_reviews_count,
    data_date
from by_team

union all

select
    'ALL' as team_code,
    'Whole service' as team_name,
    'Service' as team_type,
    month,
    month_end,
    fin_year,
    cast(sum(open_count) as bigint) as open_count,
    cast(sum(allocated_count) as bigint) as allocated_count,
    cast(sum(awaiting_allocation_count) as bigint) as awaiting_allocation_count,
    cast(sum(due_in_month_count) as bigint) as due_in_month_count,
    cast(sum(overdue_count) as bigint) as overdue_count,
    cast(sum(overdue_assessments_count) as bigint) as overdue_assessments_count,
    cast(sum(overdue_reviews_count) as bigint) as overdue_reviews_count,
    max(data_date) as data_date
from by_team
group by month, month_end, fin_year

order by team_code, month
