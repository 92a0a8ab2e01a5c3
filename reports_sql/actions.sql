-- Actions log: every action with its owner, deadline and status, and the latest RAG of the
-- measure it aims to move; overdue actions first, then other open actions, then closed ones
-- (most recently done first). Reads marts.rpt_actions only.
select
    action_id,
    team_code,
    team_name,
    raised_date,
    meeting,
    action,
    owner,
    due_date,
    status,
    completed_date,
    measure,
    measure_rag,
    is_overdue,
    is_open,
    data_date
from marts.rpt_actions
order by
    is_overdue desc,
    is_open desc,
    completed_date desc nulls last,
    due_date asc,
    action_id asc
