{#- Standard report 1 as reports_sql/team_workload.sql shows it (measures.md, Team workload):
    allocated, due and overdue work at each month end per team, assessments and reviews added
    together and overdue also split by type, and the whole service (`ALL`, the sum of the
    teams). Every figure is rpt_team_workload_monthly's, summed. -#}
{%- set counts = ['open_count', 'allocated_count', 'awaiting_allocation_count',
    'due_in_month_count', 'overdue_count', 'overdue_assessments_count', 'overdue_reviews_count'] -%}
{%- set columns = ['team_code', 'team_name', 'team_type', 'month', 'month_end', 'fin_year']
    + counts + ['data_date'] %}
with

workload as (

    select * from {{ ref('rpt_team_workload_monthly') }}

),

by_team as (

    select
        team_code,
        month,
        month_end,
        fin_year,
        max(team_name) as team_name,
        max(team_type) as team_type,
        cast(sum(open_count) as {{ dbt.type_bigint() }}) as open_count,
        cast(sum(allocated_count) as {{ dbt.type_bigint() }}) as allocated_count,
        cast(sum(awaiting_allocation_count) as {{ dbt.type_bigint() }}) as awaiting_allocation_count,
        cast(sum(due_in_month_count) as {{ dbt.type_bigint() }}) as due_in_month_count,
        cast(sum(overdue_count) as {{ dbt.type_bigint() }}) as overdue_count,
        cast(sum(case when event_type = 'Assessment' then overdue_count else 0 end) as {{ dbt.type_bigint() }})
            as overdue_assessments_count,
        cast(sum(case when event_type = 'Review' then overdue_count else 0 end) as {{ dbt.type_bigint() }})
            as overdue_reviews_count,
        max(data_date) as data_date
    from workload
    group by team_code, month, month_end, fin_year

)

{{ with_whole_service('by_team', columns, group_by=['month', 'month_end', 'fin_year'],
    counts=counts) }}
