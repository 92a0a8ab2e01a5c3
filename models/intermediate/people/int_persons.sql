{#- One row per person (pseudonymous id), with the latest known value of each attribute
    across every loaded row (statutory-method.md §1.7: unknown and invalid values never
    overwrite a known one). Latest: the latest reporting period, then event start, then the
    file loaded last and its last row (ids zero-padded, so that file 10 sorts after file 9). -#}
{%- set unknown = "('Unknown', 'Invalid and not mapped')" -%}
{%- set string = dbt.type_string() -%}

with

events as (

    select
        *,
        cast(reporting_period_end_date as {{ string }}) || '|'
        || coalesce(cast(event_start_date as {{ string }}), '') || '|'
        || lpad(cast(file_id as {{ string }}), 10, '0') || '|'
        || lpad(cast(row_number as {{ string }}), 12, '0') as recency
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
