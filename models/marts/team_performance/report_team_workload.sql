{#- Standard report 1 as reports_sql/team_workload.sql shows it (measures.md, Team workload):
    allocated, due and overdue work at each month end per team, assessments and reviews added
    together and overdue also split by type, and the whole service (`ALL`, the sum of the
    teams). Every figure is rpt_team_workload_monthly's, summed. -#}
{%- set summed = ['open_count', 'allocated_count', 'awaiting_allocation_count',
    'due_in_month_count', 'overdue_count'] -%}
{%- set by_type = {'overdue_count': {'Assessment': 'overdue_assessments_count',
    'Review': 'overdue_reviews_count'}} -%}
{%- set counts = summed + ['overdue_assessments_count', 'overdue_reviews_count'] -%}
{%- set columns = ['team_code', 'team_name', 'team_type', 'month', 'month_end', 'fin_year']
    + counts + ['data_date'] %}
with

workload as (

    select * from {{ ref('rpt_team_workload_monthly') }}

),

by_team as (

    {{ team_month_totals('workload', summed, by_type=by_type, team_columns=['team_name', 'team_type']) }}

)

{{ with_whole_service('by_team', columns, group_by=['month', 'month_end', 'fin_year'],
    counts=counts) }}
