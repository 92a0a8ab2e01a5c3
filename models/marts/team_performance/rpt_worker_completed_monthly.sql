{#- Completed work per worker (measures.md, standard report 2): for each worker, team, month and
    event type, the work items completed in the month and those on time. An item counts for the
    worker the fact holds (the latest one, after any reallocation) and for the event's team;
    items completed with no worker recorded have an empty worker_id, so that workers add up to
    their team. Front-door teams' completed Requests count as their work. Rows exist only where
    something was completed (no zero rows). -#}
{%- set completed_columns = ['team_code', 'worker_id', 'event_status', 'event_end_date',
    'is_completed_on_time'] %}
with

assessments as (

    select * from {{ ref('fct_assessments') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

),

requests as (

    select * from {{ ref('fct_requests') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

workers as (

    select * from {{ ref('dim_worker') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

months as (

    select * from {{ ref('int_months') }}

),

front_door_requests as (

    select
        requests.team_code,
        requests.worker_id,
        requests.event_status,
        requests.event_end_date
    from requests
    inner join teams on requests.team_code = teams.team_code
    where teams.team_type = 'Front door'

),

completed_items as (

    {{ work_items(columns=completed_columns) }}
    union all
    -- Requests have no due date: neither on time nor late.
    {{ events_of_type('Request', 'front_door_requests', completed_columns[:-1]
        + ['cast(null as boolean) as is_completed_on_time']) }}

),

completed as (

    select
        completed_items.worker_id,
        completed_items.team_code,
        completed_items.event_type,
        {{ month_start('completed_items.event_end_date') }} as month,
        count(*) as completed_count,
        -- Timeliness as the facts define it (work_item_columns): empty with no due date.
        count(case when completed_items.is_completed_on_time then 1 end)
            as completed_on_time_count,
        count(case when not completed_items.is_completed_on_time then 1 end)
            as completed_late_count
    from completed_items
    cross join dates
    where {{ is_completed_by('completed_items', 'dates.data_date') }}
    group by 1, 2, 3, 4

)

select
    completed.worker_id,
    workers.role as worker_role,
    workers.fte as worker_fte,
    completed.team_code,
    coalesce(teams.team_name, completed.team_code) as team_name,
    completed.month,
    months.month_end,
    months.fin_year,
    completed.event_type,
    completed.completed_count,
    completed.completed_on_time_count,
    completed.completed_late_count,
    dates.data_date
from completed
cross join dates
inner join months on completed.month = months.month
left join teams on completed.team_code = teams.team_code
left join workers on completed.worker_id = workers.worker_id
