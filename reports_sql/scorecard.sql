-- Scorecard: every target (team or whole service 'ALL', or a worker's own; measure, period)
-- with its actual, difference and RAG status, exceptions (red) first, then amber, green and
-- no data; the current period (the latest that has started) before earlier ones.
-- Reads marts.rpt_scorecard only.
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
from marts.rpt_scorecard
order by
    is_current_period desc,
    is_exception desc,
    rag_order asc,
    team_code = 'ALL' desc,
    team_code asc,
    measure asc,
    period_start desc
