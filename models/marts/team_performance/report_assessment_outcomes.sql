{#- Standard report 3 as reports_sql/assessment_outcomes.sql shows it (measures.md, Assessment
    outcomes): completed assessments by team, month and outcome group (`NFA`, or the outcome
    itself), with the month's total and each group's share of it; and the whole service
    (`ALL`, the teams summed). Every count is rpt_assessment_outcomes_monthly's, summed. -#}
{%- set columns = ['team_code', 'team_name', 'month', 'month_end', 'fin_year', 'outcome_group',
    'completed_count', 'data_date'] %}
with

outcomes as (

    select * from {{ ref('rpt_assessment_outcomes_monthly') }}

),

by_group as (

    {{ team_month_totals('outcomes', ['completed_count'], by=['outcome_group']) }}

),

with_service as (

    {{ with_whole_service('by_group', columns,
        group_by=['month', 'month_end', 'fin_year', 'outcome_group'], counts=['completed_count']) }}

),

with_month as (

    select
        *,
        cast(sum(completed_count) over (partition by team_code, month) as {{ dbt.type_bigint() }})
            as month_completed_count
    from with_service

)

-- Columns in the order the contract (_team_performance__models.yml) declares.
select
    *,
    {{ ratio('completed_count', 'month_completed_count') }} as share_of_month
from with_month
