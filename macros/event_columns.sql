{#- Columns every event fact carries: who, which team and worker, status and dates. -#}
{% macro event_fact_columns(alias) -%}
    {{ alias }}.event_id,
    {{ alias }}.la_code,
    {{ alias }}.person_id,
    {{ alias }}.event_reference,
    {{ alias }}.team_code,
    {{ alias }}.worker_id,
    {{ alias }}.event_status,
    {{ alias }}.event_start_date,
    {{ alias }}.event_end_date,
    {{ alias }}.derived_end_date,
    {{ month_start(alias ~ '.event_start_date') }} as start_month,
    {{ month_start(alias ~ '.event_end_date') }} as end_month,
    {{ alias }}.event_outcome,
    {{ alias }}.event_outcome_group,
    {{ alias }}.client_type,
    {{ alias }}.primary_support_reason,
    {{ alias }}.latest_reporting_period_end_date,
    {{ alias }}.source_rows
{%- endmacro %}

{#- Allocation and due-date columns of work items (assessments and reviews). -#}
{% macro work_item_columns(alias) -%}
    {{ alias }}.allocated_date,
    {{ alias }}.due_date,
    case
        when {{ alias }}.event_status = 'Completed' and {{ alias }}.due_date is not null
            then {{ alias }}.event_end_date <= {{ alias }}.due_date
    end as is_completed_on_time
{%- endmacro %}
