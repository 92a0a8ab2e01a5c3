{#- Committed and paid spend per service line and month (measures.md, Spend).
    Committed: the line's daily spend (cost per week / 7) times its active days in the month,
    by date-range overlap (one row per line and month, never per day); a one-off cost is
    committed once, in the month of the line's start, and kept in its own column too.
    Paid: each payment's amount spread evenly over its period's days, so a payment spanning
    two months splits by days. Payments with no matching service line are one line per LA,
    service type `Unmatched`. Nothing after the data date is counted. -#}
with

lines as (

    select * from {{ ref('int_service_costs') }}

),

payments as (

    select * from {{ ref('int_payments_matched') }}

),

months as (

    select * from {{ ref('int_months') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

-- Each month, cut at the data date.
windows as (

    select
        months.month,
        months.month_end,
        months.fin_year,
        least(months.month_end, dates.data_date) as window_end
    from months
    cross join dates
    where months.month <= dates.data_date

),

committed as (

    select
        lines.event_id as service_line_key,
        windows.month,
        {{ overlap_days('lines.active_from', 'lines.active_to', 'windows.month', 'windows.window_end') }}
            as active_days,
        case
            when lines.is_one_off and lines.active_from >= windows.month
                then cast(lines.one_off_cost as {{ type_double() }})
            else 0
        end as one_off_committed,
        lines.cost_per_week
    from lines
    inner join windows
        on {{ ranges_overlap('lines.active_from', 'lines.active_to', 'windows.month', 'windows.window_end') }}
    -- A line ending before it starts is active on no day.
    where lines.active_from <= lines.active_to

),

committed_amounts as (

    select
        service_line_key,
        month,
        active_days,
        coalesce({{ daily_spend('cost_per_week') }} * active_days, 0) + one_off_committed
            as committed_spend,
        one_off_committed,
        cast(0 as {{ type_double() }}) as paid_spend
    from committed

),

paid_amounts as (

    select
        coalesce(payments.service_event_id, 'Unmatched|' || payments.la_code) as service_line_key,
        windows.month,
        0 as active_days,
        cast(0 as {{ type_double() }}) as committed_spend,
        cast(0 as {{ type_double() }}) as one_off_committed,
        cast(payments.amount as {{ type_double() }})
        * {{ overlap_days(
            'payments.period_start_date', 'payments.period_end_date',
            'windows.month', 'windows.window_end') }}
        / {{ days_inclusive('payments.period_start_date', 'payments.period_end_date') }}
            as paid_spend
    from payments
    inner join windows
        on {{ ranges_overlap(
            'payments.period_start_date', 'payments.period_end_date',
            'windows.month', 'windows.window_end') }}

),

amounts as (

    select
        service_line_key,
        month,
        sum(active_days) as active_days,
        sum(committed_spend) as committed_spend,
        sum(one_off_committed) as one_off_committed,
        sum(paid_spend) as paid_spend
    from (
        select * from committed_amounts
        union all
        select * from paid_amounts
    ) as spend_rows
    group by service_line_key, month

),

-- Attributes of each line: from the costed line when there is one, else from the payment
-- (a line that is cancelled or starts after the data date), else `Unmatched`.
line_attributes as (

    select
        event_id as service_line_key,
        event_id as service_event_id,
        la_code,
        person_id,
        team_code,
        coalesce(service_type, 'Unknown') as service_type,
        primary_support_reason,
        is_placement,
        cost_per_week
    from lines

    union all

    select distinct
        coalesce(payments.service_event_id, 'Unmatched|' || payments.la_code)
            as service_line_key,
        payments.service_event_id,
        payments.la_code,
        cast(null as {{ dbt.type_string() }}) as person_id,
        payments.team_code,
        case
            when payments.service_event_id is null then 'Unmatched'
            else coalesce(payments.service_type, 'Unknown')
        end as service_type,
        cast(null as {{ dbt.type_string() }}) as primary_support_reason,
        false as is_placement,
        cast(null as {{ type_double() }}) as cost_per_week
    from payments
    where
        payments.service_event_id is null
        or payments.service_event_id not in (select lines.event_id from lines)

)

select
    amounts.service_line_key,
    line_attributes.service_event_id,
    line_attributes.la_code,
    line_attributes.person_id,
    coalesce(line_attributes.team_code, 'Unknown') as team_code,
    line_attributes.service_type,
    line_attributes.primary_support_reason,
    line_attributes.is_placement,
    line_attributes.cost_per_week,
    windows.month,
    windows.month_end,
    windows.fin_year,
    cast(amounts.active_days as bigint) as active_days,
    cast(amounts.committed_spend as {{ type_double() }}) as committed_spend,
    cast(amounts.one_off_committed as {{ type_double() }}) as one_off_committed,
    cast(amounts.paid_spend as {{ type_double() }}) as paid_spend
from amounts
inner join windows on amounts.month = windows.month
inner join line_attributes on amounts.service_line_key = line_attributes.service_line_key
