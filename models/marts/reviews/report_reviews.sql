{#- The reviews report as reports_sql/reviews.sql shows it (measures.md, Reviews): reviews
    completed and their net cost impact by team and month of the review's end; and the whole
    service (`ALL`: the teams summed), which alone carries the share of people in long-term
    support reviewed in the last 12 months (a month with either has a row; the other's figures
    are zero or empty). Figures are rpt_review_impact_monthly's and rpt_reviewed_12m_monthly's. -#}
{%- set amounts = ['cost_before_weekly', 'cost_after_weekly', 'net_weekly_change',
    'net_annualised_change'] -%}
{%- set columns = ['team_code', 'team_name', 'month', 'month_end', 'fin_year', 'reviews_completed']
    + amounts + ['data_date'] %}
with

impact as (

    select * from {{ ref('rpt_review_impact_monthly') }}

),

reviewed_12m as (

    select * from {{ ref('rpt_reviewed_12m_monthly') }}

),

with_service as (

    {{ with_whole_service('impact', columns, group_by=['month', 'month_end', 'fin_year'],
        counts=['reviews_completed'], amounts=amounts) }}

),

-- The share reviewed in the last 12 months is the whole service's only.
service_reviewed_12m as (

    select
        'ALL' as team_code,
        month,
        month_end,
        fin_year,
        eligible_people,
        reviewed_people,
        reviewed_share,
        data_date
    from reviewed_12m

)

select
    coalesce(with_service.team_code, service_reviewed_12m.team_code) as team_code,
    {{ team_or_service_name(
        'with_service.team_name', 'coalesce(with_service.team_code, service_reviewed_12m.team_code)'
    ) }} as team_name,
    coalesce(with_service.month, service_reviewed_12m.month) as month,
    coalesce(with_service.month_end, service_reviewed_12m.month_end) as month_end,
    coalesce(with_service.fin_year, service_reviewed_12m.fin_year) as fin_year,
    coalesce(with_service.reviews_completed, 0) as reviews_completed,
    coalesce(with_service.cost_before_weekly, 0) as cost_before_weekly,
    coalesce(with_service.cost_after_weekly, 0) as cost_after_weekly,
    coalesce(with_service.net_weekly_change, 0) as net_weekly_change,
    coalesce(with_service.net_annualised_change, 0) as net_annualised_change,
    service_reviewed_12m.eligible_people,
    service_reviewed_12m.reviewed_people,
    service_reviewed_12m.reviewed_share,
    coalesce(with_service.data_date, service_reviewed_12m.data_date) as data_date
from with_service
full outer join service_reviewed_12m
    on
        with_service.team_code = service_reviewed_12m.team_code
        and with_service.month = service_reviewed_12m.month
