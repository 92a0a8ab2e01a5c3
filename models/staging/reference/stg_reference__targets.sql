with

targets as (

    {{ latest_file_rows(source('reference', 'ref_targets')) }}

)

select
    -- An empty team code is a target for the whole service.
    coalesce(nullif(trim(team_code), ''), 'ALL') as team_code,
    trim(measure) as measure,
    period_start,
    period_end,
    target,
    coalesce(tolerance, 0) as tolerance,
    -- A worker's own target (within the team); empty for a team's or the service's.
    nullif(trim(worker_id), '') as worker_id
from targets
