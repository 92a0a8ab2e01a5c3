-- Scorecard: every target (team or whole service 'ALL', or a worker's own; measure, period) with its actual,
-- difference and RAG status, exceptions (red) first, then amber, green and no data; the
-- current period (the latest that has started) before earlier ones.
-- Reads marts.rpt_scorecard and marts.dim_team only.
with

scorecard as (

    select * from marts.rpt_scorecard

),

teams as (

    select * from marts.dim_team

),

ranked as (

    select
        scorecard.*,
        coalesce(
            teams.team_name,
            case when scorecard.team_code = 'ALL' then 'Whole service' end,
            scorecard.team_code
        ) as team_name,
        scorecard.period_start = max(scorecard.period_start) over (
            partition by scorecard.team_code, scorecard.worker_id, scorecard.measure
        ) as is_current_period,
        case scorecard.rag
            when 'red' then 1
            when 'amber' then 2
            when 'green' then 3
            else 4
        end as rag_order
    from scorecard
    left join teams on scorecard.team_code = teams.team_code

)

select
    team_code,
    team_name,
    worker_id,
    measure,
    measure_name,
    unit,
    direction,
    period_start,
    period_end,
    is_current_period,
    actual,
    target,
    tolerance,
    difference,
    rag,
    is_exception,
    months_with_data,
    latest_month,
    data_date
from ranked
order by
    is_current_period desc,
    is_exception desc,
    rag_order asc,
    team_code = 'ALL' desc,
    team_code asc,
    measure asc,
    period_start desc
