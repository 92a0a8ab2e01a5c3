{#- Completed work (measures.md, standard report 2): for each team, month and event type, the
    work items (assessments and reviews) completed in the month, on time or late, and per FTE of
    the team's workers. Requests completed by front-door teams count as their work (event type
    `Request`). Each (team, event type) has a row for every month from its first completion to
    the data date's month, zeros included; nothing after the data date is counted. -#}
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

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

months as (

    select * from {{ ref('int_months') }}

),

front_door_requests as (

    select
        requests.team_code,
        requests.event_status,
        requests.event_end_date
    from requests
    inner join teams on requests.team_code = teams.team_code
    where teams.team_type = 'Front door'

),

completed_items as (

    select
        cast('Assessment' as {{ dbt.type_string() }}) as event_type,
        team_code,
        event_status,
        event_end_date,
        is_completed_on_time
    from assessments
    union all
    select
        cast('Review' as {{ dbt.type_string() }}) as event_type,
        team_code,
        event_status,
        event_end_date,
        is_completed_on_time
    from reviews
    union all
    select
        cast('Request' as {{ dbt.type_string() }}) as event_type,
        team_code,
        event_status,
        event_end_date,
        -- Requests have no due date: neither on time nor late.
        cast(null as boolean) as is_completed_on_time
    from front_door_requests

),

completed as (

    select
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
    where
        completed_items.event_status = 'Completed'
        and completed_items.event_end_date <= dates.data_date
    group by 1, 2, 3

),

first_month as (

    select
        team_code,
        event_type,
        min(month) as first_month
    from completed
    group by 1, 2

),

spine as (

    select
        first_month.team_code,
        first_month.event_type,
        months.month,
        months.month_end,
        months.fin_year
    from first_month
    inner join months on first_month.first_month <= months.month

)

select
    spine.team_code,
    coalesce(teams.team_name, spine.team_code) as team_name,
    teams.team_type,
    spine.month,
    spine.month_end,
    spine.fin_year,
    spine.event_type,
    coalesce(completed.completed_count, 0) as completed_count,
    coalesce(completed.completed_on_time_count, 0) as completed_on_time_count,
    coalesce(completed.completed_late_count, 0) as completed_late_count,
    coalesce(completed.completed_on_time_count, 0)
    + coalesce(completed.completed_late_count, 0) as completed_with_due_date_count,
    teams.team_fte,
    cast(coalesce(completed.completed_count, 0) as {{ type_double() }})
    / nullif(teams.team_fte, 0) as completed_per_fte,
    dates.data_date
from spine
cross join dates
left join teams on spine.team_code = teams.team_code
left join completed
    on
        spine.team_code = completed.team_code
        and spine.event_type = completed.event_type
        and spine.month = completed.month
