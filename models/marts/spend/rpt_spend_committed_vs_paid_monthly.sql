{#- Committed against paid spend (measures.md, Spend: actual spend) by month and service
    type, from the line x month figures of int_spend_service_months. Payments with no
    matching service line are service type `Unmatched`. -#}
with

line_months as (

    select * from {{ ref('int_spend_service_months') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

-- A line has one row a month in int_spend_service_months (unique on line and month, tested
-- before this model is built) and month is in every group: its rows count its lines.
by_type as (

    select
        month,
        month_end,
        fin_year,
        service_type,
        sum(committed_spend) as committed_spend,
        sum(one_off_committed) as one_off_committed,
        sum(paid_spend) as paid_spend,
        count(case when active_days > 0 then service_line_key end) as active_lines,
        count(case when paid_spend <> 0 then service_line_key end) as paid_lines
    from line_months
    group by month, month_end, fin_year, service_type

)

select
    by_type.month,
    by_type.month_end,
    by_type.fin_year,
    by_type.service_type,
    cast(by_type.committed_spend as {{ type_double() }}) as committed_spend,
    cast(by_type.one_off_committed as {{ type_double() }}) as one_off_committed,
    cast(by_type.paid_spend as {{ type_double() }}) as paid_spend,
    cast(by_type.paid_spend - by_type.committed_spend as {{ type_double() }}) as difference,
    cast(by_type.active_lines as bigint) as active_lines,
    cast(by_type.paid_lines as bigint) as paid_lines,
    dates.data_date
from by_type
cross join dates
