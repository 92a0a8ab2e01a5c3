{#- Waiting times at DHSC's published grain (Waiting_times/waiting_times_method.sql, stage 4.2):
    one row per LA, statistical reporting period (calendar quarter), age band and metric, with
    the number of waits and the interpolated median in days computed at that grain (medians of
    months cannot be combined into a quarter's).
    * 'Wait time to first response' (part 1): in the quarter the first response started, in
      that response's age band;
    * 'Wait time to first service' (part 2): in the quarter the first service started, in the
      service's age band.
    Age bands are DHSC's working-age bands at the event's end, relabelled '25 to 64' because
    requests of people under 25 are left out. -#}
with

waits as (

    select * from {{ ref('int_waiting_times') }}

),

parts as (

    select
        la_code,
        cast({{ dbt.date_trunc('quarter', 'response_date') }} as date) as quarter_start,
        age_band,
        'Wait time to first response' as metric,
        days_to_first_response as days
    from waits
    union all
    select
        la_code,
        cast({{ dbt.date_trunc('quarter', 'first_service_date') }} as date) as quarter_start,
        service_age_band as age_band,
        'Wait time to first service' as metric,
        days_to_first_service as days
    from waits
    where days_to_first_service is not null

)

select
    la_code,
    quarter_start,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'quarter_start')) }} as date)
        as quarter_end,
    {{ fin_year('quarter_start') }} as fin_year,
    age_band,
    metric,
    count(*) as waits,
    cast({{ median_of('days') }} as {{ type_double() }}) as median_days
from parts
where age_band in ('25 to 64', '65 and above')
group by la_code, quarter_start, age_band, metric
