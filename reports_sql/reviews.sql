-- Reviews: reviews completed and their net cost impact (weekly cost after the review against
-- before it; negative = saving), by team and month of the review's end, and for the whole
-- service ('ALL'), which also carries the share of people in long-term support reviewed in
-- the last 12 months. Reads marts.rpt_review_impact_monthly and marts.rpt_reviewed_12m_monthly.
with

impact as (

    select * from marts.rpt_review_impact_monthly

),

reviewed_12m as (

    select * from marts.rpt_reviewed_12m_monthly

),

service_impact as (

    select
        month,
        max(month_end) as month_end,
        max(fin_year) as fin_year,
        cast(sum(reviews_completed) as bigint) as reviews_completed,
        sum(cost_before_weekly) as cost_before_weekly,
        sum(cost_after_weekly) as cost_after_weekly,
        sum(net_weekly_change) as net_weekly_change,
        sum(net_annualised_change) as net_annualised_change,
        max(data_date) as data_date
    from impact
    group by month

)

select
    impact.team_code,
    impact.team_name,
    impact.month,
    impact.month_end,
    impact.fin_year,
    impact.reviews_completed,
    impact.cost_before_weekly,
    impact.cost_after_weekly,
    impact.net_weekly_change,
    impact.net_annualised_change,
    cast(null as bigint) as eligible_people,
    cast(null as bigint) as reviewed_people,
    cast(null as double) as reviewed_share,
    impact.data_date
from impact

union all

select
    'ALL' as team_code,
    'Whole service' as team_name,
    coalesce(service_impact.month, reviewed_12m.month) as month,
    coalesce(service_impact.month_end, reviewed_12m.month_end) as month_end,
    coalesce(service_impact.fin_year, reviewed_12m.fin_year) as fin_year,
    coalesce(service_impact.reviews_completed, 0) as reviews_completed,
    coalesce(service_impact.cost_before_weekly, 0) as cost_before_weekly,
    coalesce(service_impact.cost_after_weekly, 0) as cost_after_weekly,
    coalesce(service_impact.net_weekly_change, 0) as net_weekly_change,
    coalesce(service_impact.net_annualised_change, 0) as net_annualised_change,
    reviewed_12m.eligible_people,
    reviewed_12m.reviewed_people,
    reviewed_12m.reviewed_share,
    coalesce(service_impact.data_date, reviewed_12m.data_date) as data_date
from service_impact
full outer join reviewed_12m on service_impact.month = reviewed_12m.month

order by team_code, month
