{#- One row per calendar month from the first event's month to the data date's month. -#}
with recursive

bounds as (

    select
        {{ month_start('first_event_date') }} as first_month,
        {{ month_start('data_date') }} as last_month
    from {{ ref('int_data_dates') }}

),

months (month) as (

    {{ date_series('months', 'month', 'bounds', 'first_month', 'last_month', 'month') }}

)

select
    month,
    {{ month_end('month') }} as month_end,
    {{ fin_year('month') }} as fin_year
from months
