-- Spend movement: where the money moved, by team and month and for the whole service ('ALL').
-- The commitment bridge (weekly committed cost at the start of the month, + new services,
-- - ended services, +/- changes at review, +/- other changes, = at the end) and the change in
-- average daily spend on placements split into a volume and a price effect.
-- Reads marts.report_spend_movement only.
select
    team_code,
    team_name,
    month,
    month_end,
    fin_year,
    opening_weekly_cost,
    new_services_weekly,
    ended_services_weekly,
    review_changes_weekly,
    other_changes_weekly,
    closing_weekly_cost,
    net_commitment_change,
    opening_lines_count,
    new_lines_count,
    ended_lines_count,
    review_change_lines_count,
    other_change_lines_count,
    closing_lines_count,
    avg_daily_spend,
    avg_active_placements,
    avg_daily_cost_per_placement,
    previous_avg_daily_spend,
    avg_daily_spend_change,
    volume_effect,
    price_effect,
    placement_lines_count,
    previous_placement_lines_count,
    data_date
from marts.report_spend_movement
order by team_code, month
