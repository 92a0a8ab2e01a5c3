{#- Standard report 2 as reports_sql/work_completed.sql shows it (measures.md, Completed work):
    work completed by each team every month, assessments, reviews and front-door requests
    together and apart, on time and late, the on-time share and completed per FTE; and the
    whole service (`ALL`: the teams' counts and FTE summed, its ratios taken of the sums).
    Every count is rpt_team_completed_monthly's, summed. -#}
{%- set counts = ['completed_count', 'assessments_completed_count', 'reviews_completed_count',
    'requests_completed_count', 'completed_on_time_count', 'completed_late_count',
    'completed_with_due_date_count'] -%}
{%- set columns = ['team_code', 'team_name', 'team_type', 'month', 'month_end', 'fin_year']
    + counts + ['team_fte', 'data_date'] %}
with

completed as (

    select * from {{ ref('rpt_team_completed_monthly') }}

),

by_team as (

    select
        team_code,
        month,
        month_end,
        fin_year,
        max(team_name) as team_name,
        max(team_type) as team_type,
        cast(sum(completed_count) as {{ dbt.type_bigint() }}) as completed_count,
        cast(sum(case when event_type = 'Assessment' then completed_count else 0 end) as {{ dbt.type_bigint() }})
            as assessments_completed_count,
        cast(sum(case when event_type = 'Review' then completed_count else 0 end) as {{ dbt.type_bigint() }})
            as reviews_completed_count,
        cast(sum(case when event_type = 'Request' then completed_count else 0 end) as {{ dbt.type_bigint() }})
            as requests_completed_count,
        cast(sum(completed_on_time_count) as {{ dbt.type_bigint() }}) as completed_on_time_count,
        cast(sum(completed_late_count) as {{ dbt.type_bigint() }}) as completed_late_count,
        cast(sum(completed_with_due_date_count) as {{ dbt.type_bigint() }}) as completed_with_due_date_count,
        -- The team's FTE, the same on each event type's row.
        max(team_fte) as team_fte,
        max(data_date) as data_date
    from completed
    group by team_code, month, month_end, fin_year

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
