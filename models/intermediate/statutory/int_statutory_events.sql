{#- The DHSC joined table (statutory-method.md §1.3, §1.6): one row per unique event, as the
    national method builds it, for every statutory measure. It differs from the management
    dedup (int_events_deduplicated) on purpose:
    * each file contributes only rows in its reference period (int_statutory_submissions):
      requests, assessments and reviews ending in it, services active in it; no open
      request/assessment/review, no event starting after the person's death;
    * the key is DHSC's (Event Reference is not used), built on Release 2 values so that R1 and
      R2 spellings of one event merge (a documented deviation from DHSC's raw-value key);
    * an open service that is missing from the next reference period is cropped to the end of
      its period;
    * cancelled events (local Event Status) are never statutory events. -#}
with

submissions as (

    select * from {{ ref('int_statutory_submissions') }}

),

loaded as (

    select
        events.*,
        submissions.reference_period_start,
        submissions.reference_period_end,
        submissions.is_latest_reference_period,
        submissions.la_code as submission_la_code,
        {{ dhsc_derived_end_date('events.event_start_date', 'events.event_end_date', 'events.date_of_death') }}
            as derived_end_date
    from {{ ref('int_cld_current_rows') }} as events
    inner join submissions on events.file_id = submissions.file_id
    where
        events.event_type in ('Request', 'Assessment', 'Service', 'Review')
        and events.event_start_date is not null
        and events.person_id is not null
        and events.event_status <> 'Cancelled'

),

in_period as (

    select
        *,
        {{ dhsc_event_key() }} as event_key
    from loaded
    where
        (
            (
                event_type <> 'Service'
                and derived_end_date >= reference_period_start
                and derived_end_date <= reference_period_end
                and event_start_date <= reference_period_end
            )
            or (
                event_type = 'Service'
                and event_start_date <= reference_period_end
                and (derived_end_date >= reference_period_start or derived_end_date is null)
            )
        )
        and (
            date_of_death is null
            or (date_of_death >= reference_period_start and date_of_death >= event_start_date)
        )

),

next_period_keys as (

    select distinct
        event_key,
        reference_period_start
    from in_period
    where event_type = 'Service'

),

cropped as {{ not_materialized() }} (

    select
        in_period.*,
        case
            when
                in_period.event_type = 'Service'
                and not in_period.is_latest_reference_period
                and (
                    in_period.derived_end_date is null
                    or in_period.derived_end_date > in_period.reference_period_end
                )
                and next_period_keys.event_key is null
                then in_period.reference_period_end
            else in_period.derived_end_date
        end as statutory_end_date
    from in_period
    left join next_period_keys
        on
            in_period.event_key = next_period_keys.event_key
            and next_period_keys.reference_period_start
            = cast({{ dbt.dateadd('day', 1, 'in_period.reference_period_end') }} as date)

),

flagged as {{ not_materialized() }} (

    select
        *,
        -- Local rule for DHSC's unpublished conversation flag: a request recorded as an
        -- initial conversation (three-conversations model).
        case
            when event_type = 'Request' and lower(event_description) like '%conversation%'
                then 1
            else 0
        end as is_conversation
    from cropped

),

-- Per event, how many rows describe it and which one is kept: the latest reference period,
-- then open, then the latest end, then DHSC's outcome hierarchy, then a conversation, then
-- the file loaded last and its last row (every term non-null, the largest wins). The ranking
-- reads only the key, the row's identity (a row and the submission it came in) and the sort
-- columns: a window over the whole wide row sorts every column of every row.
keyed as (

    select
        event_key,
        file_id,
        row_number,
        submission_la_code,
        reference_period_start,
        reference_period_end,
        statutory_end_date,
        event_outcome_rank,
        is_conversation
    from flagged

),

ranked as (

    {{ first_row_per_key(
        'keyed', 'event_key',
        ['file_id', 'row_number', 'submission_la_code', 'reference_period_start'],
        [
            (day_number('reference_period_end'), 7),
            ('case when statutory_end_date is null then 1 else 0 end', 1),
            (day_number("coalesce(statutory_end_date, cast('0001-01-01' as date))"), 7),
            ('999 - coalesce(event_outcome_rank, 999)', 3),
            ('is_conversation', 1),
            ('file_id', 8),
            ('row_number', 10),
        ],
    ) }}

),

kept as (

    select
        flagged.*,
        ranked.source_rows
    from ranked
    inner join flagged
        on
            ranked.file_id = flagged.file_id
            and ranked.row_number = flagged.row_number
            and ranked.submission_la_code = flagged.submission_la_code
            and ranked.reference_period_start = flagged.reference_period_start

)

select
    md5(event_key) as statutory_event_id,
    la_code,
    person_id,
    event_type,
    event_start_date,
    event_end_date,
    statutory_end_date as derived_end_date,
    coalesce(
        statutory_end_date is not null
        and (derived_end_date is null or statutory_end_date < derived_end_date),
        false
    ) as is_cropped,
    event_outcome,
    event_outcome_group,
    coalesce(event_outcome_rank, 999) as event_outcome_rank,
    client_type,
    request_route_of_access,
    assessment_type,
    service_type,
    service_component,
    delivery_mechanism,
    review_reason,
    primary_support_reason,
    accommodation_status,
    gender,
    ethnicity,
    has_unpaid_carer,
    la_person_pseudonym,
    adult_1_linked_person_id,
    adult_2_linked_person_id,
    adult_3_linked_person_id,
    birth_year,
    birth_month,
    date_of_death,
    team_code,
    is_conversation,
    reference_period_end,
    source_rows,
    file_id,
    row_number
from kept
