{#- Committed spend and active service lines (measures.md, Spend) by month, service type,
    primary support reason, working-age band and team. Age is taken at the month end from
    the person's birth year and month, so a past month shows the age the person had then. -#}
{%- set unknown = "('Unknown', 'Invalid and not mapped')" -%}

with

line_months as (

    select * from {{ ref('int_spend_service_months') }}
    where service_event_id is not null and active_days > 0

),

people as (

    select * from {{ ref('dim_person') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

described as (

    select
        line_months.month,
        line_months.month_end,
        line_months.fin_year,
        line_months.service_type,
        coalesce(
            case
                when line_months.primary_support_reason not in {{ unknown }}
                    then line_months.primary_support_reason
            end,
            people.primary_support_reason,
            'Unknown'
        ) as primary_support_reason,
        {{ working_age_band(age_at('people.birth_year', 'people.birth_month', 'line_months.month_end')) }}
            as working_age_band,
        line_months.team_code,
        line_months.service_line_key,
        line_months.active_days,
        line_months.committed_spend,
        line_months.one_off_committed
    from line_months
    left join people on line_months.person_id = people.person_id

),

-- A line has one row a month in int_spend_service_months (unique on line and month, tested
-- before this model is built) and month is in every group: its rows count its lines.
grouped as (

    select
        month,
        month_end,
        fin_year,
        service_type,
        primary_support_reason,
        working_age_band,
        team_code,
        count(service_line_key) as active_lines,
        sum(active_days) as line_days,
        sum(committed_spend) as committed_spend,
        sum(one_off_committed) as one_off_committed
    from described
    group by month, month_end, fin_year, service_type, primary_support_reason, working_age_band, team_code

)

select
    grouped.month,
    grouped.month_end,
    grouped.fin_year,
    grouped.service_type,
    grouped.primary_support_reason,
    grouped.working_age_band,
    grouped.team_code,
    cast(grouped.active_lines as bigint) as active_lines,
    cast(grouped.line_days as bigint) as line_days,
    cast(grouped.committed_spend as {{ type_double() }}) as committed_spend,
    cast(grouped.one_off_committed as {{ type_double() }}) as one_off_committed,
    cast(grouped.committed_spend - grouped.one_off_committed as {{ type_double() }})
    / {{ days_inclusive('grouped.month', 'least(grouped.month_end, dates.data_date)') }}
        as avg_daily_spend,
    dates.data_date
from grouped
cross join dates
