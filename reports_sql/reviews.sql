-- Reviews: reviews completed and their net cost impact (weekly cost after the review against
-- before it; negative = saving), by team and month of the review's end, and for the whole
-- service ('ALL'), which also carries the share of people in long-term support reviewed in
-- the last 12 months. Reads marts.report_reviews only.
select
    team_code,
    team_name,
    month,
    month_end,
    fin_year,
    reviews_completed,
    cost_before_weekly,
    cost_after_weekly,
    net_weekly_change,
    net_annualised_change,
    eligible_people,
    reviewed_people,
    reviewed_share,
    data_date
from marts.report_reviews
order by team_code, month
