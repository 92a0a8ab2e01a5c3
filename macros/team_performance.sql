{#- Generic tests for the team-performance marts. -#}

{#- Shares (`column_name`) add up to 1 within each group of `group_by` columns. -#}
{% test shares_sum_to_one(model, column_name, group_by) %}
select {{ group_by | join(', ') }}, sum({{ column_name }}) as total_share
from {{ model }}
group by {{ group_by | join(', ') }}
having abs(sum({{ column_name }}) - 1) > 0.000001
{% endtest %}

{#- Every row satisfies `condition` (a SQL boolean expression on the model's columns); a row
    where it is false or unknown fails. -#}
{% test every_row_satisfies(model, condition) %}
select *
from {{ model }}
where not coalesce({{ condition }}, false)
{% endtest %}

{#- Assessments and reviews as one list of work items (measures.md: work items are Assessment
    and Review events) with their `event_type`; `assessments` and `reviews` are the facts' CTE
    names, `columns` those to carry (by default, those the workload marts read). -#}
{% macro work_items(assessments='assessments', reviews='reviews', columns=none) %}
    {%- set columns = columns or ['team_code', 'worker_id', 'event_status', 'event_start_date',
        'event_end_date', 'allocated_date', 'due_date'] -%}
    {{ events_of_type('Assessment', assessments, columns) }}
    union all
    {{ events_of_type('Review', reviews, columns) }}
{% endmacro %}

{#- The rows of `relation` (the facts of one event type) as `event_type` and `columns`. -#}
{% macro events_of_type(event_type, relation, columns) %}
    select
        cast('{{ event_type }}' as {{ dbt.type_string() }}) as event_type,
        {{ columns | join(',\n        ') }}
    from {{ relation }}
{% endmacro %}

{#- The first day on which a work item is no longer open (measures.md, Team workload): its end
    date; the day after the data date when it has no end (open to the data date); none for a
    Cancelled item with no end date, which is never open. -#}
{% macro work_item_closed_from(item, data_date) -%}
    case
        when {{ item }}.event_end_date is not null
            then {{ item }}.event_end_date
        when {{ item }}.event_status <> 'Cancelled'
            then cast({{ dbt.dateadd('day', 1, data_date) }} as date)
    end
{%- endmacro %}

{#- The body of a CTE: the months whose month end is on or before the data date (month, month
    end, financial year), from the CTEs `months` (int_months) and `dates` (int_data_dates). At
    these month ends work is counted open, allocated or overdue: no measure looks past the
    data date. -#}
{% macro month_ends_to_data_date(months='months', dates='dates') %}
    select
        {{ months }}.month,
        {{ months }}.month_end,
        {{ months }}.fin_year
    from {{ months }}
    cross join {{ dates }}
    where {{ months }}.month_end <= {{ dates }}.data_date
{% endmacro %}

{#- Completed work (measures.md, Completed work): `item` (an event's alias) is Completed and
    ended on or before the data date; it counts in the month of its end date. -#}
{% macro is_completed_by(item, data_date) -%}
    ({{ item }}.event_status = 'Completed' and {{ item }}.event_end_date <= {{ data_date }})
{%- endmacro %}
