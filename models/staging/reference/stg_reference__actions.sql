with

actions as (

    {{ latest_file_rows(source('reference', 'ref_actions')) }}

)

select
    trim(action_id) as action_id,
    coalesce(nullif(trim(team_code), ''), 'ALL') as team_code,
    raised_date,
    meeting,
    action as action_text,
    owner,
    due_date,
    trim(status) as status,
    completed_date,
    nullif(trim(measure), '') as measure
from actions
