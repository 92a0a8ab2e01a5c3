-- Standard report 3: what completed assessments led to, by team (and 'ALL'), month and
-- outcome group (`NFA` or the outcome itself), with each group's share of the month.
-- Reads marts.report_assessment_outcomes only.
select
    team_code,
    team_name,
    month,
    month_end,
    fin_year,
    outcome_group,
    completed_count,
    month_completed_count,
    share_of_month,
    data_date
from marts.report_assessment_outcomes
order by team_code, month, outcome_group
