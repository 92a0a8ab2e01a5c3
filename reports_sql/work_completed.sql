-- Standard report 2: work completed by each team every month (and the whole service, team_code
-- 'ALL'): completed assessments, reviews and front-door requests, on time and late, per FTE.
-- Reads marts.report_work_completed only.
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
    completed_on_time_share,
    team_fte,
    completed_per_fte,
    data_date
from marts.report_work_completed
order by team_code, month
