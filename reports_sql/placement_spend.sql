-- Placement spend: average daily spend on residential and nursing placements by month, each
-- service type and the two together ('All placements'), with average active placements.
-- Whole service only (the mart has no team). Reads marts.rpt_placement_spend_monthly only.
with

spend as (

    select * from marts.rpt_placement_spend_monthly

),

with_total as (

    select
        month,
        month_end,
        fin_year,
        service_type,
        days_in_month,
        total_spend,
        placement_days,
        data_date
    from spend

    union all

    select
        month,
        month_end,
        fin_year,
        'All placements' as service_type,
        max(days_in_month) as days_in_month,
        sum(total_spend) as total_spend,
        sum(placement_days) as placement_days,
        max(data_date) as data_date
    from spend
    group by month, month_end, fin_year

)

select
    'ALL' as team_code,
    month,
    month_end,
    fin_year,
    service_type,
    total_spend,
    total_spend / days_in_month as avg_daily_spend,
    placement_days / days_in_month as avg_active_placements,
    total_spend / nullif(placement_days, 0) as avg_daily_cost_per_placement,
    data_date
from with_total
order by month, service_type
