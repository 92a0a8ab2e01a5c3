{#- The front-door report as reports_sql/front_door.sql shows it (measures.md, Front door):
    contacts, completed requests, referrals on to specialist services, resolutions at the front
    door, other outcomes and the conversion rate by team and month; and the whole service
    (`ALL`: the teams' counts summed, its rate taken of the sums). Every count is
    rpt_front_door_monthly's. -#}
{%- set counts = ['contacts_count', 'completed_count', 'referred_count', 'resolved_count'] -%}
{%- set columns = ['team_code', 'team_name', 'month', 'month_end', 'fin_year'] + counts
    + ['data_date'] %}
with

front_door as (

    select * from {{ ref('rpt_front_door_monthly') }}

),

with_service as (

    {{ with_whole_service('front_door', columns, group_by=['month', 'month_end', 'fin_year'],
        counts=counts) }}

)

-- Columns in the order the contract (_front_door__models.yml) declares.
select
    *,
    -- Completed requests neither referred on nor resolved at the front door.
    completed_count - referred_count - resolved_count as other_outcome_count,
    {{ conversion_rate('referred_count', 'completed_count') }} as conversion_rate
from with_service
