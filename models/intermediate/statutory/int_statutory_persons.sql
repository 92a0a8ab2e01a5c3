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

{#- Each attribute's rows tied at the top, found without a window per attribute: each order
    below is one number (packed_order), so a person's top rows are those whose number equals
    the person's largest. -#}
{%- set recency = [
    (day_number('reference_period_end'), 7),
    (day_number('coalesce(derived_end_date, ' ~ open_end_date() ~ ')'), 7),
    (day_number('event_start_date'), 7),
] -%}
{%- set mappable = "service_component in ('Shared Lives', 'Community supported living', 'Extra care housing', 'Home support or domiciliary care')" -%}

with

events as (

    select * from {{ ref('int_statutory_events') }}

),

ordered as (

    select
        la_code,
        person_id,
        {% for attr, known in attributes.items() %}
            case
                when {{ attr }} is null or {{ attr }} = 'Invalid and not mapped'
                    then '{{ unknown_value.get(attr, "Unknown") }}'
                else {{ attr }}
            end as {{ attr }},
            {{ packed_order([(
                "case when " ~ known ~ " then 2 when ethnicity = 'No data: Refused' then 1 else 0 end"
                if attr == 'ethnicity' else "case when " ~ known ~ " then 1 else 0 end", 1
            )] + recency) }} as {{ attr }}_order,
        {% endfor %}
        birth_year,
        birth_month,
        birth_year is not null and birth_month is not null as has_birth,
        date_of_death,
        reference_period_end,
        -- Accommodation inference from the latest services (any type, any date): latest end,
        -- then the service type's rank, then a mappable component, then the latest start.
        case when event_type = 'Service' then service_type end as service_type,
        {{ dhsc_service_type_rank('service_type') }} as type_rank,
        case when {{ mappable }} then service_component end as mappable_component,
        case
            when event_type = 'Service'
                then {{ packed_order([
                    (day_number('coalesce(derived_end_date, ' ~ open_end_date() ~ ')'), 7),
                    ('199 - ' ~ dhsc_service_type_rank('service_type'), 3),
                    ("case when " ~ mappable ~ " then 1 else 0 end", 1),
                    (day_number('event_start_date'), 7),
                ]) }}
        end as service_order
    from events

),

people as (

    select
        la_code,
        person_id,
        {% for attr in attributes %}
            max({{ attr }}_order) as {{ attr }}_top,
        {% endfor %}
        max(case when has_birth then reference_period_end end) as birth_period,
        max(case when date_of_death is not null then reference_period_end end) as death_period,
        max(service_order) as service_top
    from ordered
    group by la_code, person_id

),

-- Each row's values where it is among the person's top rows for them.
top_values as (

    select
        ordered.la_code,
        ordered.person_id,
        {% for attr in attributes %}
            case
                when ordered.{{ attr }}_order = people.{{ attr }}_top then ordered.{{ attr }}
            end as {{ attr }},
        {% endfor %}
        -- Birth: the latest reference period's rows with both known, the earliest birth first.
        case
            when ordered.has_birth and ordered.reference_period_end = people.birth_period
                then ordered.birth_year
        end as birth_year,
        case
            when ordered.has_birth and ordered.reference_period_end = people.birth_period
                then ordered.birth_year * 100 + ordered.birth_month
        end as birth_year_month,
        -- Death: the latest reference period's rows with a date, the latest date.
        case
            when ordered.reference_period_end = people.death_period then ordered.date_of_death
        end as date_of_death,
        case
            when ordered.service_order = people.service_top and ordered.type_rank < 99
                then ordered.service_type
        end as service_type,
        case
            when ordered.service_order = people.service_top then ordered.mappable_component
        end as service_component
    from ordered
    inner join people on {{ same_keys('ordered', 'people') }}

),

-- Rows tied at the top that disagree give the unknown value (the service type and component:
-- none); a value that is not "known" but is the only one at the top stays (DHSC keeps a PSR
-- of 'Support to unpaid carer' when it is all there is).
latest as (

    select
        la_code,
        person_id,
        {% for attr in attributes %}
            case
                when min({{ attr }}) = max({{ attr }}) then max({{ attr }})
                else '{{ unknown_value.get(attr, "Unknown") }}'
            end as {{ attr }},
        {% endfor %}
        min(birth_year) as birth_year,
        cast(min(birth_year_month) - 100 * min(birth_year) as integer) as birth_month,
        max(date_of_death) as date_of_death,
        case when min(service_type) = max(service_type) then max(service_type) end as service_type,
        case
            when min(service_component) = max(service_component) then max(service_component)
        end as service_component
    from top_values
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
        latest.la_code,
        latest.person_id,
        latest.birth_year,
        latest.birth_month,
        latest.date_of_death,
        latest.gender,
        latest.ethnicity,
        latest.primary_support_reason,
        case
            when people_with_linked_carer.person_id is not null then 'Yes'
            else latest.has_unpaid_carer
        end as has_unpaid_carer,
        latest.accommodation_status as reported_accommodation_status,
        case
            when latest.accommodation_status <> 'Unknown'
                then latest.accommodation_status
            when latest.service_type = 'Long term support: Nursing care'
                then 'Registered nursing home'
            when latest.service_type = 'Long term support: Residential care'
                then 'Registered care home'
            when latest.service_component = 'Shared Lives' then 'Shared Lives scheme'
            when latest.service_component = 'Extra care housing'
                then 'Sheltered housing, extra care housing or other sheltered housing'
            when latest.service_component = 'Community supported living'
                then 'Supported accommodation, supported lodgings or supported group home'
            when
                latest.service_type = 'Long term support: Community'
                and latest.service_component = 'Home support or domiciliary care'
                then 'Unknown: presumed at home'
            when latest.service_type = 'Long term support: Community'
                then 'Unknown: presumed in community'
            when latest.service_type = 'Long term support: Prison'
                then 'Prison, young offenders institution or detention centre'
            else 'Unknown'
        end as accommodation_status
    from latest
    left join people_with_linked_carer on {{ same_keys('latest', 'people_with_linked_carer') }}

)

select
    combined.*,
    settled.accommodation_status is not null as is_settled_accommodation
from combined
left join settled on combined.accommodation_status = settled.accommodation_status
