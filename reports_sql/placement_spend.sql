-- Placement spend: average daily spend on residential and nursing placements by month, each
-- service type and the two together ('All placements'), with average active placements.
-- Whole service only (team_code 'ALL'). Reads marts.report_placement_spend only.
select
    team_code,
    month,
    month_end,
    fin_year,
    service_type,
    total_spend,
    avg_daily_spend,
    avg_active_placements,
    avg_daily_cost_per_placement,
    data_date
from marts.report_placement_spend
order by month, service_type
