{#- Average daily spend on placements (measures.md, Spend): residential and nursing care lines
    with a weekly cost, by month and service type. Spend and placement-days come from the
    line x month overlap in int_spend_service_months, never from one row per day. -#}
with

line_months as (

    select * from {{ ref('int_spend_service_months') }}
    where {{ is_placement_spend() }}

),

months as (

    select * from {{ ref('int_months') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

placement_types as (

    select 'Long term support: Residential care' as service_type
    union all
    select 'Long term support: Nursing care' as service_type

),

spend as (

    select
        service_type,
        month,
        sum(committed_spend) as total_spend,
        sum(active_days) as placement_days
    from line_months
    group by service_type, month

),

-- Every month from the first with a placement to the data date, for both types.
type_months as (

    select
        placement_types.service_type,
        months.month,
        months.month_end,
        months.fin_year,
        {{ days_inclusive('months.month', 'least(months.month_end, dates.data_date)') }}
            as days_in_month
    from placement_types
    cross join months
    cross join dates
    where
        months.month <= dates.data_date
        and months.month >= (select min(spend.month) from spend)

)

select
    type_months.month,
    type_months.month_end,
    type_months.fin_year,
    type_months.service_type,
    cast(type_months.days_in_month as bigint) as days_in_month,
    cast(coalesce(spend.total_spend, 0) as {{ type_double() }}) as total_spend,
    cast(coalesce(spend.placement_days, 0) as bigint) as placement_days,
    {{ placement_averages(
        'coalesce(spend.total_spend, 0)', 'coalesce(spend.placement_days, 0)', 'type_months.days_in_month'
    ) }},
    dates.data_date
from type_months
cross join dates
left join spend
    on
        type_months.service_type = spend.service_type
        and type_months.month = spend.month
