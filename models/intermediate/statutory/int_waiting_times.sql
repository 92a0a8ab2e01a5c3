{#- Waiting times (statutory-method.md §5, DHSC method v1.1, provisional): one row per kept
    request of a person aged 25 or over who was not an existing client, with its first
    response and first service and the waits to them (days).
    * existing client: a long-term service started before the request and ended within 12
      months of it (or after it, or open), or ST-Max / other short-term support within 3 months;
    * requests with an NFA, hospital or missing outcome are dropped (an invalid one stays, as
      in DHSC's code);
    * responses: short- or long-term assessments, and long- or short-term services, of people
      aged 25 or over at their start;
    * the first response is the first assessment after the request in the person's
      chronology, or the request itself (wait 0) for a progressing initial conversation
      before 2025-07-01, or the first service when it comes first;
    * no first-service wait when the first response is an assessment block that does not
      progress to services; requests whose follow-ups overlap an earlier request's are dropped.
    Age bands (DHSC's working-age band at the event's end, 18 to 64 relabelled 25 to 64):
    age_band is the first response's (part 1), service_age_band the first service's (part 2).
    Team attribution (our decision): the team of the first response event. -#}
{%- set progress = "('Progress to reablement/ST-Max', 'Progress to support planning or services', 'Continuation of support or services')" -%}

with

events as (

    select
        events.*,
        {{ person_age('events.event_start_date') }} as age_at_start,
        {{ person_age('coalesce(events.derived_end_date, events.reference_period_end)') }}
            as age_at_end,
        coalesce(events.derived_end_date, {{ open_end_date() }}) as end_sort
    from {{ ref('int_statutory_events') }} as events
    inner join {{ ref('int_statutory_persons') }} as persons
        on {{ same_keys('events', 'persons') }}

),

requests as (

    select requests.*
    from events as requests
    where
        requests.event_type = 'Request'
        and requests.client_type = 'Service user'
        and requests.event_start_date >= cast('2023-04-01' as date)
        and requests.age_at_start >= 25
        -- DHSC: Event_Outcome_Grouped NOT IN ('NFA', 'Admitted to hospital'), which a missing
        -- outcome fails too; an invalid outcome stays.
        and requests.event_outcome_group is not null
        and requests.event_outcome_group not in ('NFA', 'Admitted to hospital')
        and not exists (
            select 1
            from events as services
            where
                {{ same_keys('services', 'requests') }}
                and services.event_type = 'Service'
                and services.event_start_date < requests.event_start_date
                and (
                    (
                        services.service_type in {{ lts_service_types() }}
                        and services.end_sort
                        >= cast({{ dbt.dateadd('month', -12, 'requests.event_start_date') }} as date)
                    )
                    or (
                        services.service_type in (
                            'Short term support: ST-Max', 'Short term support: Other short term'
                        )
                        and services.end_sort
                        >= cast({{ dbt.dateadd('month', -3, 'requests.event_start_date') }} as date)
                    )
                )
        )

),

responses as (

    select *
    from events
    where
        age_at_start >= 25
        and (
            (
                event_type = 'Assessment'
                and assessment_type in ('Short term assessment', 'Long term assessment')
            )
            or {{ is_support_service() }}
        )
        and exists (
            select 1
            from requests
            where {{ same_keys('requests', 'events') }}
        )

),

chronology as (

    select
        *,
        row_number() over (
            partition by la_code, person_id
            order by
                event_start_date asc,
                case event_type when 'Request' then 1 when 'Assessment' then 2 else 3 end,
                reference_period_end desc,
                file_id desc,
                row_number desc
        ) as position
    from (
        select * from requests
        union all
        select * from responses
    ) as combined

),

blocks as (

    select
        *,
        sum(case when event_type = 'Assessment' then 0 else 1 end) over (
            partition by la_code, person_id
            order by position
            rows between unbounded preceding and current row
        ) as block_number
    from chronology

),

assessments as (

    select
        *,
        max(case when event_outcome in {{ progress }} then 1 else 0 end) over (
            partition by la_code, person_id, block_number
        ) as block_progresses
    from blocks
    where event_type = 'Assessment'

),

firsts as (

    select
        requests.*,
        (
            select min(assessments.position)
            from assessments
            where
                {{ same_keys('assessments', 'requests') }}
                and assessments.position > requests.position
        ) as first_assessment_position,
        (
            select min(services.position)
            from chronology as services
            where
                {{ same_keys('services', 'requests') }}
                and services.event_type = 'Service'
                and services.position > requests.position
        ) as first_service_position
    from chronology as requests
    where requests.event_type = 'Request'

),

responded as (

    select
        firsts.*,
        case
            when
                firsts.is_conversation = 1
                and (
                    firsts.event_outcome in {{ progress }}
                    or firsts.event_outcome in (
                        'Progress to assessment, review or reassessment',
                        'Release 1 specification only: Not mapped'
                    )
                )
                and firsts.event_start_date < cast('2025-07-01' as date)
                and (
                    firsts.first_assessment_position is null
                    or firsts.event_start_date < first_assessment.event_start_date
                )
                then firsts.position
            when
                firsts.first_service_position
                < coalesce(firsts.first_assessment_position, firsts.first_service_position + 1)
                then firsts.first_service_position
            else firsts.first_assessment_position
        end as response_position
    from firsts
    left join chronology as first_assessment
        on
            {{ same_keys('firsts', 'first_assessment') }}
            and firsts.first_assessment_position = first_assessment.position

),

with_service as (

    select
        responded.*,
        case
            when assessments.position is not null and assessments.block_progresses = 0 then null
            else responded.first_service_position
        end as service_position
    from responded
    left join assessments
        on
            {{ same_keys('responded', 'assessments') }}
            and responded.response_position = assessments.position

),

overlap_checks as (

    select
        *,
        lag(greatest(coalesce(response_position, 0), coalesce(service_position, 0))) over (
            partition by la_code, person_id order by position
        ) as previous_follow_up,
        max(response_position) over (
            partition by la_code, person_id
            order by position
            rows between unbounded preceding and 1 preceding
        ) as earlier_response,
        max(service_position) over (
            partition by la_code, person_id
            order by position
            rows between unbounded preceding and 1 preceding
        ) as earlier_service
    from with_service

),

kept as (

    select *
    from overlap_checks
    where
        not coalesce(previous_follow_up > position, false)
        and not coalesce(response_position <= earlier_response, false)
        and not coalesce(service_position <= earlier_service, false)

)

select
    kept.la_code,
    kept.person_id,
    kept.statutory_event_id as request_event_id,
    kept.event_start_date as request_date,
    kept.team_code as request_team_code,
    response.event_type as response_type,
    response.event_start_date as response_date,
    response.team_code as response_team_code,
    {{ dbt.datediff('kept.event_start_date', 'response.event_start_date', 'day') }}
        as days_to_first_response,
    case when response.age_at_end <= 64 then '25 to 64' else '65 and above' end as age_band,
    service.event_start_date as first_service_date,
    case
        when service.age_at_end <= 64 then '25 to 64'
        when service.age_at_end > 64 then '65 and above'
    end as service_age_band,
    service.team_code as service_team_code,
    {{ dbt.datediff('kept.event_start_date', 'service.event_start_date', 'day') }}
        as days_to_first_service,
    case
        when response.event_type = 'Assessment'
            then {{ dbt.datediff('response.event_start_date', 'service.event_start_date', 'day') }}
    end as days_assessment_to_service
from kept
inner join chronology as response
    on {{ same_keys('kept', 'response') }} and kept.response_position = response.position
left join chronology as service
    on {{ same_keys('kept', 'service') }} and kept.service_position = service.position
