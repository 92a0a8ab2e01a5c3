-- By whom: each team's work per worker at each month end (open allocated, due, overdue, the
-- oldest open item's age, completed and on time), with the team's row for work awaiting
-- allocation or with no worker (worker_id empty). Reads marts.rpt_worker_workload_monthly
-- only. Team rows only: there is no whole-service (ALL) row, and pages for outside the
-- service (--suppress-small-counts) leave the report out.
select
    team_code,
    team_name,
    worker_id,
    worker_role,
    worker_fte,
    month,
    month_end,
    fin_year,
    allocated_count,
    awaiting_allocation_count,
    due_in_month_count,
    overdue_count,
    oldest_open_age_days,
    completed_count,
    completed_on_time_count,
    completed_late_count,
    completed_with_due_date_count,
    completed_per_fte,
    data_date
from marts.rpt_worker_workload_monthly
order by team_code, worker_id nulls last, month
