-- Actions log: every action with its owner, deadline and status, and the latest RAG of the
-- measure it aims to move; overdue actions first, then other open actions, then closed ones
-- (most recently done first). Reads marts.rpt_actions and marts.dim_team only.
with

actions as (

    select * from marts.rpt_actions

),

teams as (

    select * from marts.dim_team

)

select
    actions.action_id,
    actions.team_code,
    coalesce(
        teams.team_name,
        case when actions.team_code = 'ALL' then 'Whole service' end,
        actions.team_code
    ) as team_name,
    actions.raised_date,
    actions.meeting,
    actions.action,
    actions.owner,
    actions.due_date,
    actions.status,
    actions.completed_date,
    actions.measure,
    actions.measure_rag,
    actions.is_overdue,
    actions.status not in ('Done', 'Dropped') as is_open,
    actions.data_date
from actions
left join teams on actions.team_code = teams.team_code
order by
    actions.is_overdue desc,
    is_open desc,
    actions.completed_date desc nulls last,
    actions.due_date asc,
    actions.action_id asc
