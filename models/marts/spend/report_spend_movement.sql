{#- The spend movement report as reports_sql/spend_movement.sql shows it
    (docs/spend-movement.md): rpt_spend_movement_monthly's commitment bridge and placement
    spend by team and month, the whole service (`ALL`: the teams summed), and for every row
    the change in average daily spend on placements since the month before, split into a
    volume effect (change in average active placements x last month's daily cost per
    placement) and a price effect (change in daily cost per placement x this month's average
    active placements), which add up to the change. The whole service's split is taken of
    its own totals, not summed from the teams'. -#}
{%- set amounts = ['opening_weekly_cost', 'new_services_weekly', 'ended_services_weekly',
    'review_changes_weekly', 'other_changes_weekly', 'closing_weekly_cost', 'placement_spend'] -%}
{%- set counts = ['opening_lines_count', 'new_lines_count', 'ended_lines_count',
    'review_change_lines_count', 'other_change_lines_count', 'closing_lines_count',
    'placement_days', 'placement_lines_count'] -%}
{%- set group_by = ['month', 'month_end', 'fin_year', 'opening_date', 'closing_date',
    'days_in_month'] -%}
with

movement as (

    select * from {{ ref('rpt_spend_movement_monthly') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

with_service as (

    {{ with_whole_service('movement', ['team_code'] + group_by + amounts + counts + ['data_date'],
        group_by=group_by, counts=counts, amounts=amounts) }}

),

averages as (

    select
        with_service.*,
        {{ placement_averages('placement_spend', 'placement_days', 'days_in_month') }}
    from with_service

),

with_previous as (

    select
        averages.*,
        lag(averages.avg_daily_spend) over (partition by averages.team_code order by averages.month)
            as previous_avg_daily_spend,
        lag(averages.avg_active_placements)
            over (partition by averages.team_code order by averages.month)
            as previous_avg_active_placements,
        lag(averages.avg_daily_cost_per_placement)
            over (partition by averages.team_code order by averages.month)
            as previous_avg_daily_cost_per_placement,
        lag(averages.placement_lines_count)
            over (partition by averages.team_code order by averages.month)
            as previous_placement_lines_count
    from averages

)

select
    with_previous.team_code,
    {{ team_or_service_name('teams.team_name', 'with_previous.team_code') }} as team_name,
    with_previous.month,
    with_previous.month_end,
    with_previous.fin_year,
    with_previous.opening_date,
    with_previous.closing_date,
    cast(with_previous.opening_weekly_cost as decimal(18, 2)) as opening_weekly_cost,
    cast(with_previous.new_services_weekly as decimal(18, 2)) as new_services_weekly,
    cast(with_previous.ended_services_weekly as decimal(18, 2)) as ended_services_weekly,
    cast(with_previous.review_changes_weekly as decimal(18, 2)) as review_changes_weekly,
    cast(with_previous.other_changes_weekly as decimal(18, 2)) as other_changes_weekly,
    cast(with_previous.closing_weekly_cost as decimal(18, 2)) as closing_weekly_cost,
    cast(with_previous.closing_weekly_cost - with_previous.opening_weekly_cost as decimal(18, 2))
        as net_commitment_change,
    with_previous.opening_lines_count,
    with_previous.new_lines_count,
    with_previous.ended_lines_count,
    with_previous.review_change_lines_count,
    with_previous.other_change_lines_count,
    with_previous.closing_lines_count,
    with_previous.days_in_month,
    cast(with_previous.placement_spend as {{ type_double() }}) as placement_spend,
    with_previous.placement_days,
    with_previous.placement_lines_count,
    with_previous.previous_placement_lines_count,
    with_previous.avg_daily_spend,
    with_previous.avg_active_placements,
    with_previous.avg_daily_cost_per_placement,
    with_previous.previous_avg_daily_spend,
    with_previous.avg_daily_spend - with_previous.previous_avg_daily_spend as avg_daily_spend_change,
    case
        when with_previous.previous_avg_daily_spend is null then null
        -- No placement last month: the whole change is volume.
        when with_previous.previous_avg_active_placements = 0
            then with_previous.avg_daily_spend - with_previous.previous_avg_daily_spend
        else
            (with_previous.avg_active_placements - with_previous.previous_avg_active_placements)
            * with_previous.previous_avg_daily_cost_per_placement
    end as volume_effect,
    case
        when with_previous.previous_avg_daily_spend is null then null
        when with_previous.previous_avg_active_placements = 0 or with_previous.avg_active_placements = 0
            then cast(0 as {{ type_double() }})
        else
            (with_previous.avg_daily_cost_per_placement - with_previous.previous_avg_daily_cost_per_placement)
            * with_previous.avg_active_placements
    end as price_effect,
    with_previous.data_date
from with_previous
left join teams on with_previous.team_code = teams.team_code
