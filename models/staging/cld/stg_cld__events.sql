{#- Incremental by file: a run stages only the rows of files not staged yet. Its rows depend on
    its SQL and the code mappings in force too (macro cld_staged_version): when either changes,
    as when a council adds a local mapping, every file is staged again (macros/staged_version.sql).
    Writing the rows is most of what this model costs (about 40 of its 46 CPU seconds at ten
    times Ealing's size). On Spark, whose builds start from an empty folder, a table. -#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    staged_version='cld_staged_version',
) }}

{#- One row per loaded extract row: renamed, typed, coded values mapped to Release 2, and the
    person pseudonymised (NHS number when valid, else LA code + LA person id: cld.md §1.4).
    Raw holds no personal identifier to pass on (pipeline/core/contract.py, `kept`): pseudonyms,
    and the date of birth to its month. -#}
{%- set fields = cld_coded_fields() -%}
{%- set grouped = ['event_outcome', 'service_type', 'ethnicity', 'primary_support_reason',
                   'accommodation_status'] -%}

with

events as (

    select * from {{ source('cld', 'cld_events') }}

),

code_values as (

    select * from {{ ref('stg_cld__code_values') }}

),

version_now as (

    {{ cld_staged_version() }}

),

-- The rows to stage: every row, or in an incremental run those of files not staged yet.
to_stage as (

    select * from events
    {% if is_incremental() %}
        where _file_id not in (select distinct staged.file_id from {{ this }} as staged)
    {% endif %}

),

mapped as (

    select
        events._file_id as file_id,
        events._file_name as file_name,
        events._row_number as row_number,
        events._loaded_at as loaded_at,
        events.la_code,
        events.reporting_period_start_date,
        events.reporting_period_end_date,
        coalesce(
            events._nhs_number_pseudonym, events._la_person_pseudonym
        ) as person_id,
        events._nhs_number_pseudonym is not null as has_valid_nhs_number,
        -- The LA identifier's pseudonym, whatever person_id is: a carer's Adult n Linked Person
        -- ID (pseudonymised the same way) names the cared-for person by it.
        events._la_person_pseudonym as la_person_pseudonym,
        cast(extract(year from events.date_of_birth) as integer) as birth_year,
        cast(extract(month from events.date_of_birth) as integer) as birth_month,
        events.date_of_death,
        events.event_reference,
        events.event_start_date,
        events.event_end_date,
        events.event_description,
        events.unit_cost,
        events.planned_units_per_week,
        events.no_of_adults_being_cared_for,
        events._adult_1_linked_person_pseudonym as adult_1_linked_person_id,
        events._adult_2_linked_person_pseudonym as adult_2_linked_person_id,
        events._adult_3_linked_person_pseudonym as adult_3_linked_person_id,
        events.provider_cqc_location_id,
        coalesce(nullif(trim(events.team_code), ''), 'Unknown') as team_code,
        nullif(trim(events.worker_id), '') as worker_id,
        events.allocated_date,
        events.due_date,
        {% for field in fields if field != 'event_status' %}
            cv_{{ field }}.r2_value as {{ field }},
        {% endfor %}
        -- extract-contract.md §1: without Event Status, an event with an end date is
        -- Completed, any other is Open.
        -- An invalid status is treated as absent.
        coalesce(
            case
                when cv_event_status.r2_value <> 'Invalid and not mapped'
                    then cv_event_status.r2_value
            end,
            case when events.event_end_date is not null then 'Completed' else 'Open' end
        ) as event_status,
        {% for field in grouped %}
            cv_{{ field }}.r2_group as {{ field }}_group,
        {% endfor %}
        cv_event_outcome.sort_order as event_outcome_rank,
        version_now.staged_version
    from to_stage as events
    cross join version_now
    {% for field in fields %}
        left join code_values as cv_{{ field }}
            on
                cv_{{ field }}.field = '{{ field }}'
                and events.{{ field }} = cv_{{ field }}.raw_value
    {% endfor %}

)

select * from mapped
