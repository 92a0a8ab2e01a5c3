{#- One row per event across overlapping extracts (measures.md, Common rules), from the rows
    of files that count (int_cld_current_rows: a corrected re-export has already superseded
    the file it corrects). An event is (LA, event type, Event Reference) when the reference is
    filled; otherwise the DHSC unique-event key (statutory-method.md §1.6), built on Release 2
    values so that an R1 and an R2 spelling of one event merge. The row from the latest
    reporting period wins, a tie going to the file loaded last; inside one file, DHSC's
    tie-breaks settle duplicates (open first, then latest end; event-outcome hierarchy), then
    the last row. -#}
{#- The wide rows are read twice, to rank the key and to fetch each winner: `not materialized`
    keeps them streamed from the table rather than copied into memory first. -#}
with

events as {{ not_materialized() }} (

    select * from {{ ref('int_cld_current_rows') }}
    -- Rows with no valid event type (a carer known by association, or an invalid code)
    -- describe no event.
    where
        event_type in ('Request', 'Assessment', 'Service', 'Review')
        and event_start_date is not null

),

derived as {{ not_materialized() }} (

    select
        *,
        -- Derived end date (statutory-method.md §1.3): a death inside the event, or after the
        -- start of an event with no end, ends it.
        {{ dhsc_derived_end_date() }} as derived_end_date
    from events

),

-- The ranking reads only the key and the sort columns: a window over the whole wide row would
-- sort every column of every row (9 million rows at ten times Ealing's size).
keyed as (

    select
        file_id,
        row_number,
        reporting_period_end_date,
        derived_end_date,
        event_outcome_rank,
        case
            when event_reference is not null
                then la_code || '|' || event_type || '|ref|' || event_reference
            else 'key|' || {{ dhsc_event_key() }}
        end as event_key
    from derived

),

-- Per event, how many rows describe it and which one wins: the row from the latest reporting
-- period, then the file loaded last, then DHSC's order (open first, then latest end; the
-- event-outcome hierarchy), then the last row. Every term is non-null; the largest wins.
ranked as (

    {{ first_row_per_key(
        'keyed', 'event_key', ['file_id', 'row_number'],
        [
            (day_number("coalesce(reporting_period_end_date, cast('0001-01-01' as date))"), 7),
            ('file_id', 8),
            ('case when derived_end_date is null then 1 else 0 end', 1),
            (day_number("coalesce(derived_end_date, cast('0001-01-01' as date))"), 7),
            ('999 - coalesce(event_outcome_rank, 999)', 3),
            ('row_number', 10),
        ],
    ) }}

),

kept as (

    select
        derived.*,
        ranked.event_key,
        ranked.source_rows
    from ranked
    inner join derived
        on
            ranked.file_id = derived.file_id
            and ranked.row_number = derived.row_number

)

select
    md5(event_key) as event_id,
    event_reference,
    la_code,
    person_id,
    event_type,
    event_status,
    event_start_date,
    event_end_date,
    derived_end_date,
    event_outcome,
    event_outcome_group,
    team_code,
    worker_id,
    allocated_date,
    due_date,
    client_type,
    primary_support_reason,
    primary_support_reason_group,
    request_route_of_access,
    assessment_type,
    service_type,
    service_type_group,
    service_component,
    delivery_mechanism,
    unit_cost,
    cost_frequency,
    planned_units_per_week,
    review_reason,
    review_outcomes_achieved,
    birth_year,
    birth_month,
    gender,
    ethnicity,
    date_of_death,
    reporting_period_end_date as latest_reporting_period_end_date,
    source_rows,
    file_id,
    row_number
from kept
