{#- The one date spine: a row per day from the first event to the data date, with its calendar
    month and UK financial year. dim_date publishes it; int_months is its months. -#}
with recursive

bounds as (

    select
        first_event_date,
        data_date
    from {{ ref('int_data_dates') }}

),

days (date_day) as (

    {{ date_series('days', 'date_day', 'bounds', 'first_event_date', 'data_date', 'day') }}

)

select
    date_day,
    {{ month_start('date_day') }} as month,
    {{ month_end('date_day') }} as month_end,
    cast(extract(year from date_day) as integer) as calendar_year,
    cast(extract(month from date_day) as integer) as month_of_year,
    {{ fin_year('date_day') }} as fin_year,
    -- floor(), not integer division: DuckDB's / on integers gives a fraction.
    'Q' || cast(
        cast(floor(((cast(extract(month from date_day) as integer) + 8) % 12) / 3.0) as integer) + 1
        as {{ dbt.type_string() }}
    ) as fin_quarter,
    date_day = {{ month_end('date_day') }} as is_month_end,
    cast(extract(day from {{ month_end('date_day') }}) as integer) as days_in_month
from days
