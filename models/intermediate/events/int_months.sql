{#- One row per calendar month from the first event's month to the data date's month: the
    months of the date spine (int_calendar_days). -#}
select
    month,
    month_end,
    fin_year
from {{ ref('int_calendar_days') }}
group by month, month_end, fin_year
