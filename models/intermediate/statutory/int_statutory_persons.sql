{#- DHSC person-details table (statutory-method.md §1.7): one row per person, each attribute
    the person's latest *known* value across the whole joined table (every event type, every
    date, including data after a measure's year: DHSC's rule, followed here). Rows tied at the
    top that disagree give 'Unknown'. Accommodation 'Unknown' is inferred from the person's
    latest services; the settled group comes from the code_mappings seed. Has Unpaid Carer is
    'Yes' when an unpaid carer's row in the latest covered year names the person as Adult 1/2/3
    Linked Person ID (DHSC, Create_personal_details_table.sql). -#}
{%- set attributes = {
    'gender': "gender not in ('Unknown', 'Invalid and not mapped')",
    'primary_support_reason': "primary_support_reason not in ('Unknown', 'Invalid and not mapped', 'Social support: Support to unpaid carer')",
    'accommodation_status': "accommodation_status not in ('Unknown', 'Invalid and not mapped')",
    'has_unpaid_carer': "has_unpaid_carer not in ('Unknown', 'Invalid and not mapped')",
    'ethnicity': "ethnicity not in ('Unknown', 'Invalid and not mapped', 'No data: Refused', 'No data: Undeclared or not known')",
} -%}
{%- set unknown_value = {'ethnicity': 'No data: Undeclared or not known'} -%}

with

events as (

    select * from {{ ref('int_statutory_events') }}

),

people as (

    select
        la_code,
        person_id
    from events
    group by la_code, person_id

),

{% for attr, known in attributes.items() %}
    {{ attr }}_ranked as (

        select
            la_code,
            person_id,
            {{ attr }} as value,
            rank() over (
                partition by la_code, person_id
                order by
                    {% if attr == 'ethnicity' -%}
                        case
                            when {{ known }} then 2
                            when ethnicity = 'No data: Refused' then 1
                            else 0
                        end desc,
                    {%- else -%}
                        case when {{ known }} then 1 else 0 end desc,
                    {%- endif %}
                    reference_period_end desc,
                    coalesce(derived_end_date, {{ open_end_date() }}) desc,
                    event_start_date desc
            ) as attribute_rank,
            case when {{ known }} then 1 else 0 end as is_known
        from events

    ),

    {{ attr }}_latest as (

        -- A missing or invalid value counts as the unknown value; rows tied at the top that
        -- disagree give it too. A value that is not "known" but is the only one at the top
        -- stays (DHSC keeps a PSR of 'Support to unpaid carer' when it is all there is).
        select
            la_code,
            person_id,
            case
                when count(distinct value) = 1 then max(value)
                else '{{ unknown_value.get(attr, "Unknown") }}'
            end as value
        from (
            select
                la_code,
                person_id,
                case
                    when value is null or value = 'Invalid and not mapped'
                        then '{{ unknown_value.get(attr, "Unknown") }}'
                    else value
                end as value
            from {{ attr }}_ranked
            where attribute_rank = 1
        ) as top_rows
        group by la_code, person_id

    ),

{% endfor %}

birth as (

    select
        la_code,
        person_id,
        birth_year,
        birth_month,
        row_number() over (
            partition by la_code, person_id
            order by
                case when birth_year is not null and birth_month is not null then 0 else 1 end,
                reference_period_end desc,
                birth_year asc,
                birth_month asc
        ) as birth_rank
    from events

),

death as (

    select
        la_code,
        person_id,
        date_of_death,
        row_number() over (
            partition by la_code, person_id
            order by
                case when date_of_death is not null then 0 else 1 end,
                reference_period_end desc,
                date_of_death desc
        ) as death_rank
    from events

),

-- Accommodation inference from the latest services (any type, any date).
services_ranked as (

    select
        la_code,
        person_id,
        service_type,
        service_component,
        {{ service_type_rank('service_type') }} as type_rank,
        case
            when service_component in (
                    'Shared Lives', 'Community supported living', 'Extra care housing',
                    'Home support or domiciliary care'
                ) then service_component
        end as mappable_component,
        rank() over (
            partition by la_code, person_id
            order by
                coalesce(derived_end_date, {{ open_end_date() }}) desc,
                {{ service_type_rank('service_type') }} asc,
                case
                    when service_component in (
                            'Shared Lives', 'Community supported living', 'Extra care housing',
                            'Home support or domiciliary care'
                        ) then 0
                    else 1
                end asc,
                event_start_date desc
        ) as service_rank
    from events
    where event_type = 'Service'

),

latest_service as (

    select
        la_code,
        person_id,
        case
            when count(distinct case when type_rank < 99 then service_type end) = 1
                then max(case when type_rank < 99 then service_type end)
        end as service_type,
        case
            when count(distinct mappable_component) = 1 then max(mappable_component)
        end as service_component
    from services_ranked
    where service_rank = 1
    group by la_code, person_id

),

latest_year as (

    select
        la_code,
        max(period_start) as period_start,
        max(period_end) as period_end
    from {{ ref('int_statutory_years') }}
    group by la_code

),

-- Carers' rows naming the cared-for person (Adult 1/2/3 Linked Person ID) with an event in the
-- latest covered year: DHSC builds its person table for the latest year and looks for this
-- evidence "within the reporting year only".
carer_links as (

    {% for n in [1, 2, 3] %}
        select
            events.la_code,
            events.adult_{{ n }}_linked_person_id as linked_person
        from events
        inner join latest_year on events.la_code = latest_year.la_code
        where
            events.client_type in ('Unpaid carer', 'Unpaid carer known by association')
            and events.adult_{{ n }}_linked_person_id is not null
            and coalesce(events.derived_end_date, {{ open_end_date() }}) >= latest_year.period_start
            and events.event_start_date <= latest_year.period_end
        {% if not loop.last %}union{% endif %}
    {% endfor %}

),

people_with_linked_carer as (

    select distinct
        events.la_code,
        events.person_id
    from events
    inner join carer_links
        on
            events.la_code = carer_links.la_code
            and events.la_person_pseudonym = carer_links.linked_person

),

settled as (

    select r2_value as accommodation_status
    from {{ ref('stg_reference__code_mappings') }}
    where field = 'accommodation_status' and release = 'R2' and r2_group = 'Settled'
    group by r2_value

),

combined as (

    select
        people.la_code,
        people.person_id,
        birth.birth_year,
        birth.birth_month,
        death.date_of_death,
        gender_latest.value as gender,
        ethnicity_latest.value as ethnicity,
        primary_support_reason_latest.value as primary_support_reason,
        case
            when people_with_linked_carer.person_id is not null then 'Yes'
            else has_unpaid_carer_latest.value
        end as has_unpaid_carer,
        accommodation_status_latest.value as reported_accommodation_status,
        case
            when accommodation_status_latest.value <> 'Unknown'
                then accommodation_status_latest.value
            when latest_service.service_type = 'Long term support: Nursing care'
                then 'Registered nursing home'
            when latest_service.service_type = 'Long term support: Residential care'
                then 'Registered care home'
            when latest_service.service_component = 'Shared Lives' then 'Shared Lives scheme'
            when latest_service.service_component = 'Extra care housing'
                then 'Sheltered housing, extra care housing or other sheltered housing'
            when latest_service.service_component = 'Community supported living'
                then 'Supported accommodation, supported lodgings or supported group home'
            when
                latest_service.service_type = 'Long term support: Community'
                and latest_service.service_component = 'Home support or domiciliary care'
                then 'Unknown: presumed at home'
            when latest_service.service_type = 'Long term support: Community'
                then 'Unknown: presumed in community'
            when latest_service.service_type = 'Long term support: Prison'
                then 'Prison, young offenders institution or detention centre'
            else 'Unknown'
        end as accommodation_status
    from people
    left join birth
        on
            people.la_code = birth.la_code
            and people.person_id = birth.person_id
            and birth.birth_rank = 1
    left join death
        on
            people.la_code = death.la_code
            and people.person_id = death.person_id
            and death.death_rank = 1
    {% for attr in attributes %}
        left join {{ attr }}_latest
            on
                people.la_code = {{ attr }}_latest.la_code
                and people.person_id = {{ attr }}_latest.person_id
    {% endfor %}
    left join latest_service
        on
            people.la_code = latest_service.la_code
            and people.person_id = latest_service.person_id
    left join people_with_linked_carer
        on
            people.la_code = people_with_linked_carer.la_code
            and people.person_id = people_with_linked_carer.person_id

)

select
    combined.*,
    settled.accommodation_status is not null as is_settled_accommodation
from combined
left join settled on combined.accommodation_status = settled.accommodation_status
