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

-- Each row's identity, key and sort columns in the reference period of each submission of its
-- file. The wide rows stay in their table: the winners' are fetched at the end.
loaded as {{ not_materialized() }} (

    select
        events.file_id,
        events.row_number,
        events.la_code,
        events.person_id,
        events.event_type,
        events.event_start_date,
        events.date_of_death,
        events.client_type,
        events.request_route_of_access,
        events.assessment_type,
        events.service_type,
        events.service_component,
        events.event_outcome_rank,
        events.event_description,
        submissions.reference_period_start,
        submissions.reference_period_end,
        submissions.is_latest_reference_period,
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

-- Read twice (the next period's keys, the cropping): computed once, the event key with it.
in_period as {{ materialized() }} (

    select
        file_id,
        row_number,
        event_type,
        event_outcome_rank,
        reference_period_start,
        reference_period_end,
        is_latest_reference_period,
        derived_end_date,
        {{ dhsc_event_key() }} as event_key,
        -- Local rule for DHSC's unpublished conversation flag: a request recorded as an
        -- initial conversation (three-conversations model).
        case
            when event_type = 'Request' and lower(event_description) like '%conversation%'
                then 1
            else 0
        end as is_conversation
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

cropped as (

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

-- Per event, how many rows describe it and which one is kept: the latest reference period,
-- then open, then the latest end, then DHSC's outcome hierarchy, then a conversation, then
-- the file loaded last and its last row (every term non-null, the largest wins). The ranking
-- reads only the key, the row's identity and what the submission made of it (its period, its
-- ends, its flag): a window over the whole wide row sorts every column of every row.
ranked as (

    {{ first_row_per_key(
        'cropped', 'event_key',
        ['file_id', 'row_number', 'reference_period_end', 'derived_end_date', 'statutory_end_date',
         'is_conversation'],
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
        events.*,
        ranked.event_key,
        ranked.source_rows,
        ranked.reference_period_end,
        ranked.derived_end_date,
        ranked.statutory_end_date,
        ranked.is_conversation
    from ranked
    inner join {{ ref('int_cld_current_rows') }} as events
        on
            ranked.file_id = events.file_id
            and ranked.row_number = events.row_number

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
