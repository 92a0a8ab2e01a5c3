{#- Team workload (measures.md, standard report 1): for each team, month end M and work-item
    type, the work open at M, allocated or awaiting allocation, overdue at M, and the work due
    in the month. Every (team, month end, event type) from the team's first work item to the
    data date has a row, zeros included. Month ends after the data date are left out. -#}
with

assessments as (

    select * from {{ ref('fct_assessments') }}

),

reviews as (

    select * from {{ ref('fct_reviews') }}

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

work_items as (

    {{ work_items() }}

),

event_types as (

    select cast('Assessment' as {{ dbt.type_string() }}) as event_type
    union all
    select cast('Review' as {{ dbt.type_string() }}) as event_type

),

-- Month ends up to the data date: no measure looks past it.
closed_months as (

    select
        months.month,
        months.month_end,
        months.fin_year
    from months
    cross join dates
    where months.month_end <= dates.data_date

),

-- When each item stops being open (work_item_closed_from: measures.md, Team workload).
open_spans as (

    select
        work_items.*,
        {{ work_item_closed_from('work_items', 'dates.data_date') }} as closed_from
    from work_items
    cross join dates

),

-- Range join: one row per open item per month end, never per day.
open_at_month_end as (

    select
        open_spans.team_code,
        open_spans.event_type,
        closed_months.month_end,
        count(*) as open_count,
        count(
            case
                when
                    open_spans.allocated_date <= closed_months.month_end
                    and open_spans.worker_id is not null
                    then 1
            end
        ) as allocated_count,
        count(
            case when open_spans.due_date < closed_months.month_end then 1 end
        ) as overdue_count
    from open_spans
    inner join closed_months
        on
            open_spans.event_start_date <= closed_months.month_end
            and open_spans.closed_from > closed_months.month_end
    group by 1, 2, 3

),

due_in_month as (

    select
        team_code,
        event_type,
        {{ month_start('due_date') }} as month,
        count(*) as due_in_month_count
    from work_items
    where
        event_status <> 'Cancelled'
        and due_date is not null
    group by 1, 2, 3

),

team_first_month as (

    select
        team_code,
        min({{ month_start('event_start_date') }}) as first_month
    from work_items
    group by 1

),

spine as (

    select
        team_first_month.team_code,
        event_types.event_type,
        closed_months.month,
        closed_months.month_end,
        closed_months.fin_year
    from team_first_month
    cross join event_types
    inner join closed_months on team_first_month.first_month <= closed_months.month

)

select
    spine.team_code,
    coalesce(teams.team_name, spine.team_code) as team_name,
    teams.team_type,
    spine.month_end,
    spine.month,
    spine.fin_year,
    spine.event_type,
    coalesce(open_at_month_end.open_count, 0) as open_count,
    coalesce(open_at_month_end.allocated_count, 0) as allocated_count,
    coalesce(open_at_month_end.open_count, 0)
    - coalesce(open_at_month_end.allocated_count, 0) as awaiting_allocation_count,
    coalesce(due_in_month.due_in_month_count, 0) as due_in_month_count,
    coalesce(open_at_month_end.overdue_count, 0) as overdue_count,
    dates.data_date
from spine
cross join dates
left join teams on spine.team_code = teams.team_code
left join open_at_month_end
    on
        spine.team_code = open_at_month_end.team_code
        and spine.event_type = open_at_month_end.event_type
        and spine.month_end = open_at_month_end.month_end
left join due_in_month
    on
        spine.team_code = due_in_month.team_code
        and spine.event_type = due_in_month.event_type
        and spine.month = due_in_month.month
