{#- The calendar (int_calendar_days, the one date spine): one row per day from the first event
    to the data date. -#}
select
    date_day,
    month,
    month_end,
    calendar_year,
    month_of_year,
    fin_year,
    fin_quarter,
    is_month_end,
    days_in_month
from {{ ref('int_calendar_days') }}
