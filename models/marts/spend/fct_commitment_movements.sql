{#- Every movement of the weekly committed cost (docs/spend-movement.md): a costed, weekly
    service line (one-off and uncosted lines aside) adds its cost per week on the day it starts,
    and takes it off on the day after it ends when that is by the data date. A person's lines
    ending on day D with lines starting on D + 1 are a change of package (measures.md: a
    replacement starts the day after the line it replaces ends): a change at review when a
    completed review of the person ended on D or in the `review_impact_days_after` days before
    it, else another change. Other starts are new services, other ends ended services. Weekly
    costs are taken to the penny (decimal), so the bridge adds up exactly. -#}
with

service_costs as (

    select * from {{ ref('int_service_costs') }}

),

lines as (

    {{ committed_weekly_lines('service_costs') }}

),

reviews as (

    select
        person_id,
        event_end_date
    from {{ ref('int_events_deduplicated') }}
    where event_type = 'Review' and event_status = 'Completed' and event_end_date is not null

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

-- Each line's start, and its end when the day after it is by the data date.
edges as (

    select
        event_id,
        person_id,
        team_code,
        service_type,
        is_placement,
        'start' as edge,
        active_from as effective_date,
        weekly_cost as weekly_change
    from lines

    union all

    select
        lines.event_id,
        lines.person_id,
        lines.team_code,
        lines.service_type,
        lines.is_placement,
        'end' as edge,
        cast({{ dbt.dateadd('day', 1, 'lines.active_to') }} as date) as effective_date,
        -lines.weekly_cost as weekly_change
    from lines
    cross join dates
    where lines.active_to < dates.data_date

),

-- A person's package changes on a day when one of their lines ends (the day before) and
-- another starts.
changes as (

    select
        person_id,
        effective_date
    from edges
    where person_id is not null
    group by person_id, effective_date
    having
        sum(case when edge = 'start' then 1 else 0 end) > 0
        and sum(case when edge = 'end' then 1 else 0 end) > 0

),

changes_at_review as (

    select distinct
        changes.person_id,
        changes.effective_date
    from changes
    inner join reviews
        on
            changes.person_id = reviews.person_id
            and changes.effective_date > reviews.event_end_date
            and cast({{ dbt.dateadd('day', -1, 'changes.effective_date') }} as date)
            <= cast({{ dbt.dateadd('day', var('review_impact_days_after'), 'reviews.event_end_date') }} as date)

)

select
    edges.event_id as service_event_id,
    edges.team_code,
    edges.service_type,
    edges.is_placement,
    edges.edge,
    edges.effective_date,
    {{ month_start('edges.effective_date') }} as month,
    case
        when changes_at_review.person_id is not null then 'Change at review'
        when changes.person_id is not null then 'Other change'
        when edges.edge = 'start' then 'New service'
        else 'Ended service'
    end as movement_type,
    -- Cast again: a negated or unioned decimal loses its scale on PostgreSQL.
    cast(edges.weekly_change as decimal(18, 2)) as weekly_change
from edges
left join changes
    on
        edges.person_id = changes.person_id
        and edges.effective_date = changes.effective_date
left join changes_at_review
    on
        edges.person_id = changes_at_review.person_id
        and edges.effective_date = changes_at_review.effective_date
