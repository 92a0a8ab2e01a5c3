{#- The financial years (1 April to 31 March) that the loaded extracts cover fully, per LA:
    the statutory measures are produced for these years only. -#}
with

coverage as (

    select
        la_code,
        min(period_start) as covered_from,
        max(period_end) as covered_to
    from {{ ref('int_statutory_submissions') }}
    group by la_code

),

april_months as (

    select month as period_start
    from {{ ref('int_months') }}
    where extract(month from month) = 4

)

select
    coverage.la_code,
    {{ fin_year('april_months.period_start') }} as fin_year,
    april_months.period_start,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'april_months.period_start')) }} as date)
        as period_end
from coverage
inner join april_months
    on
        coverage.covered_from <= april_months.period_start
        and coverage.covered_to
        >= cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'april_months.period_start')) }} as date)
