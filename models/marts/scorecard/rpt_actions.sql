{#- The meeting actions log (measures.md, Actions): each action with whether it is overdue
    (open and due before the data date), whether it is still open (neither done nor dropped),
    the owning team's name (`Whole service` for `ALL`) and the latest RAG of the measure it aims
    to move (the team's target if it has one, else the whole service's). -#}
with

actions as (

    select * from {{ ref('stg_reference__actions') }}

),

scorecard as (

    -- The team's and the service's targets (a worker's own are not an action's measure).
    select * from {{ ref('rpt_scorecard') }}
    where worker_id is null

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

latest_rag as (

    select
        team_code,
        measure,
        rag,
        period_end,
        row_number() over (
            partition by team_code, measure order by period_start desc
        ) as recency
    from scorecard
    where rag in ('green', 'amber', 'red')

)

select
    actions.action_id,
    actions.team_code,
    actions.raised_date,
    actions.meeting,
    actions.action_text as action,
    actions.owner,
    actions.due_date,
    actions.status,
    actions.completed_date,
    actions.measure,
    coalesce(
        actions.status = 'Open' and actions.due_date < dates.data_date, false
    ) as is_overdue,
    coalesce(team_rag.rag, service_rag.rag) as measure_rag,
    case
        when team_rag.rag is not null then actions.team_code
        when service_rag.rag is not null then 'ALL'
    end as measure_rag_team_code,
    dates.data_date,
    {{ team_or_service_name('teams.team_name', 'actions.team_code') }} as team_name,
    actions.status not in ('Done', 'Dropped') as is_open
from actions
cross join dates
left join teams on actions.team_code = teams.team_code
left join latest_rag as team_rag
    on
        actions.team_code = team_rag.team_code
        and actions.measure = team_rag.measure
        and team_rag.recency = 1
left join latest_rag as service_rag
    on
        actions.measure = service_rag.measure
        and service_rag.team_code = 'ALL'
        and service_rag.recency = 1
