{#- The placement spend report as reports_sql/placement_spend.sql shows it (measures.md,
    Spend): average daily spend on residential and nursing placements by month, for each
    service type and the two together (`All placements`: spend and placement-days summed, the
    averages taken of the sums), with average active placements. Whole service only (team_code
    `ALL`): spend has no team. Spend and days are rpt_placement_spend_monthly's. -#}
with

spend as (

    select * from {{ ref('rpt_placement_spend_monthly') }}

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
        cast(sum(placement_days) as {{ dbt.type_bigint() }}) as placement_days,
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
    days_in_month,
    total_spend,
    placement_days,
    {{ placement_averages('total_spend', 'placement_days', 'days_in_month') }},
    data_date
from with_total
