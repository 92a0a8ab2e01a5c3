{#- One row per person (pseudonymous id), with the latest known value of each attribute
    across every loaded row (statutory-method.md §1.7: unknown and invalid values never
    overwrite a known one). Latest: the latest reporting period, then event start (none is
    earliest), then the file loaded last and its last row. -#}
{%- set unknown = "('Unknown', 'Invalid and not mapped')" -%}

with

events as (

    select
        *,
        {{ packed_order([
            (day_number('reporting_period_end_date'), 7),
            ('coalesce(' ~ day_number('event_start_date') ~ ' + 1, 0)', 7),
            ('file_id', 8),
            ('row_number', 10),
        ]) }} as recency
    from {{ ref('int_cld_current_rows') }}
    where person_id is not null

)

select
    person_id,
    {{ latest_value('la_code', 'recency') }} as la_code,
    {{ latest_value('birth_year', 'recency', 'birth_year is not null') }} as birth_year,
    {{ latest_value('birth_month', 'recency', 'birth_year is not null') }} as birth_month,
    {% for attr in ['gender', 'ethnicity', 'client_type', 'primary_support_reason'] %}
        coalesce(
            {{ latest_value(attr, 'recency', attr ~ ' not in ' ~ unknown) }}, 'Unknown'
        ) as {{ attr }},
    {% endfor %}
    coalesce(
        {{ latest_value('ethnicity_group', 'recency', 'ethnicity not in ' ~ unknown) }},
        'Unknown'
    ) as ethnicity_group,
    coalesce(
        {{ latest_value(
            'primary_support_reason_group', 'recency',
            'primary_support_reason not in ' ~ unknown) }},
        'Unknown'
    ) as primary_support_reason_group,
    max(date_of_death) as date_of_death,
    count(*) as source_rows
from events
group by person_id
