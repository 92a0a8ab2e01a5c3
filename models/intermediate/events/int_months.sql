{#- One row per calendar month from the first event's month to the data date's month. -#}
with recursive

bounds as (

    select
        {{ month_start('first_event_date') }} as first_month,
        {{ month_start('data_date') }} as last_month
    from {{ ref('int_data_dates') }}

),

months (month) as (

    select first_month from bounds
    union all
    select cast({{ dbt.dateadd('month', 1, 'months.month') }} as date)
    from months
    cross join bounds
    where months.month < bounds.last_month

)

select
    month,
    {{ month_end('month') }} as month_end,
    {{ fin_year('month') }} as fin_year
from months
