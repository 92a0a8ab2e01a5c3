{#- Scorecard and exceptions (measures.md): for each target row (team or whole service, or a
    worker within a team; measure, period), the actual over the period's months up to the
    data date, the target, the difference and a RAG status: green when the actual meets the
    target in the measure's direction, amber when it misses by no more than the tolerance, red
    beyond. An exception is a red status. A worker's actual is read from the by-whom mart
    (int_measure_values_monthly); a measure it does not carry has no data for a worker. For the
    scorecard report: the team's name (`Whole service` for `ALL`), whether the target's period
    is its current one, and the order of its RAG (red first). -#}
with

targets as (

    select
        *,
        coalesce(worker_id, '') as worker_key
    from {{ ref('stg_reference__targets') }}

),

catalogue as (

    select * from {{ ref('measure_catalogue') }}

),

measure_values as (

    select * from {{ ref('int_measure_values_monthly') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

in_period as (

    select
        targets.team_code,
        targets.worker_key,
        targets.measure,
        targets.period_start,
        targets.period_end,
        measure_values.month,
        measure_values.value,
        measure_values.numerator,
        measure_values.denominator,
        row_number() over (
            partition by targets.team_code, targets.worker_key, targets.measure, targets.period_start
            order by measure_values.month desc
        ) as recency
    from targets
    cross join dates
    inner join measure_values
        on
            targets.measure = measure_values.measure_code
            and targets.team_code = measure_values.team_code
            and targets.worker_key = coalesce(measure_values.worker_id, '')
            and measure_values.month >= {{ month_start('targets.period_start') }}
            and targets.period_end >= measure_values.month
            and dates.data_date >= measure_values.month

),

per_target as (

    select
        team_code,
        worker_key,
        measure,
        period_start,
        count(*) as months_with_data,
        max(month) as latest_month,
        avg(value) as mean_value,
        max(case when recency = 1 then value end) as latest_value,
        sum(numerator) / nullif(sum(denominator), 0) as period_ratio,
        max(case when recency = 1 then numerator end)
        / nullif(max(case when recency = 1 then denominator end), 0) as latest_ratio
    from in_period
    group by team_code, worker_key, measure, period_start

),

scored as (

    select
        targets.team_code,
        targets.worker_id,
        targets.measure,
        catalogue.measure_name,
        catalogue.unit,
        targets.period_start,
        targets.period_end,
        cast(
            case catalogue.period_aggregation
                when 'mean' then per_target.mean_value
                when 'latest' then per_target.latest_value
                when 'ratio' then per_target.period_ratio
                when 'latest_ratio' then per_target.latest_ratio
            end as {{ type_double() }}
        ) as actual,
        cast(targets.target as {{ type_double() }}) as target,
        cast(targets.tolerance as {{ type_double() }}) as tolerance,
        catalogue.direction,
        coalesce(per_target.months_with_data, 0) as months_with_data,
        per_target.latest_month,
        dates.data_date
    from targets
    cross join dates
    left join catalogue on targets.measure = catalogue.measure_code
    left join per_target
        on
            targets.team_code = per_target.team_code
            and targets.worker_key = per_target.worker_key
            and targets.measure = per_target.measure
            and targets.period_start = per_target.period_start
    where targets.period_start <= dates.data_date

),

rated as (

    select
        *,
        {{ round_double('actual - target', 9) }} as difference,
        -- How far the actual falls short of the target in the better direction (rounded so
        -- that a target met exactly is met, whatever the floating point).
        {{ round_double("case when direction = 'higher' then target - actual else actual - target end", 9) }}
            as shortfall
    from scored

),

rag_rated as (

    select
        *,
        case
            when measure_name is null then 'unknown measure'
            when actual is null then 'no data'
            when shortfall <= 0 then 'green'
            when shortfall <= {{ round_double('tolerance', 9) }} then 'amber'
            else 'red'
        end as rag,
        coalesce(actual is not null and shortfall > {{ round_double('tolerance', 9) }}, false) as is_exception
    from rated

)

select
    rag_rated.team_code,
    {{ team_or_service_name('teams.team_name', 'rag_rated.team_code') }} as team_name,
    rag_rated.worker_id,
    rag_rated.measure,
    rag_rated.measure_name,
    rag_rated.unit,
    rag_rated.period_start,
    rag_rated.period_end,
    -- The current period of a target: the latest that has started (targets start by the data date).
    rag_rated.period_start = max(rag_rated.period_start) over (
        partition by rag_rated.team_code, rag_rated.worker_id, rag_rated.measure
    ) as is_current_period,
    rag_rated.actual,
    rag_rated.target,
    rag_rated.tolerance,
    rag_rated.direction,
    rag_rated.difference,
    rag_rated.rag,
    -- Exceptions first: red 1, amber 2, green 3, anything else 4.
    case rag_rated.rag
        when 'red' then 1
        when 'amber' then 2
        when 'green' then 3
        else 4
    end as rag_order,
    rag_rated.is_exception,
    rag_rated.months_with_data,
    rag_rated.latest_month,
    rag_rated.data_date
from rag_rated
left join teams on rag_rated.team_code = teams.team_code
