-- Standard report 1: allocated, due and overdue work by month, per team and for the whole
-- service (team_code 'ALL'). One row per team and month; assessments and reviews added
-- together, overdue also split. Reads marts.report_team_workload only.
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
from marts.report_team_workload
order by team_code, month
