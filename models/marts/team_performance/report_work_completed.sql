{#- Standard report 2 as reports_sql/work_completed.sql shows it (measures.md, Completed work):
    work completed by each team every month, assessments, reviews and front-door requests
    together and apart, on time and late, the on-time share and completed per FTE; and the
    whole service (`ALL`: the teams' counts and FTE summed, its ratios taken of the sums).
    Every count is rpt_team_completed_monthly's, summed. -#}
{%- set summed = ['completed_count', 'completed_on_time_count', 'completed_late_count',
    'completed_with_due_date_count'] -%}
{%- set by_type = {'completed_count': {'Assessment': 'assessments_completed_count',
    'Review': 'reviews_completed_count', 'Request': 'requests_completed_count'}} -%}
{%- set counts = ['completed_count', 'assessments_completed_count', 'reviews_completed_count',
    'requests_completed_count', 'completed_on_time_count', 'completed_late_count',
    'completed_with_due_date_count'] -%}
{%- set columns = ['team_code', 'team_name', 'team_type', 'month', 'month_end', 'fin_year']
    + counts + ['team_fte', 'data_date'] %}
with

completed as (

    select * from {{ ref('rpt_team_completed_monthly') }}

),

-- The team's FTE is the same on each event type's row.
by_team as (

    {{ team_month_totals('completed', summed, by_type=by_type,
        team_columns=['team_name', 'team_type', 'team_fte']) }}

),

with_service as (

    {{ with_whole_service('by_team', columns, group_by=['month', 'month_end', 'fin_year'],
        counts=counts, amounts=['team_fte']) }}

)

-- Columns in the order the contract (_team_performance__models.yml) declares.
select
    *,
    {{ on_time_share('completed_on_time_count', 'completed_with_due_date_count') }}
        as completed_on_time_share,
    {{ per_fte('completed_count', 'team_fte') }} as completed_per_fte
from with_service
