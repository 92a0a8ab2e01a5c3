{#- Where the money moved, by team and month (docs/spend-movement.md). The commitment bridge:
    the weekly cost of the team's costed weekly service lines active on the day before the
    month starts (opening) and on its last day, or the data date (closing), and between them
    the movements of fct_commitment_movements by type. Beside it, the team's placement spend
    and placement-days in the month (measures.md, Spend; from int_spend_service_months), from
    which report_spend_movement splits the change in average daily spend into volume and
    price. One row per team and month from the team's first service line to the data date. -#}
{#- A line active on the bridge's opening date, or on its closing date. -#}
{%- set on_opening = is_active_on('lines.active_from', 'lines.active_to', 'team_months.opening_date') -%}
{%- set on_closing = is_active_on('lines.active_from', 'lines.active_to', 'team_months.closing_date') -%}
with

service_costs as (

    select * from {{ ref('int_service_costs') }}

),

lines as (

    {{ committed_weekly_lines('service_costs') }}

),

movements as (

    select * from {{ ref('fct_commitment_movements') }}

),

placement_months as (

    select * from {{ ref('int_spend_service_months') }}
    where {{ is_placement_spend() }}

),

months as (

    select * from {{ ref('int_months') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

-- Every month from the team's first line to the data date, with the bridge's two dates.
team_months as (

    select
        first_lines.team_code,
        months.month,
        months.month_end,
        months.fin_year,
        cast({{ dbt.dateadd('day', -1, 'months.month') }} as date) as opening_date,
        least(months.month_end, dates.data_date) as closing_date
    from (
        select
            team_code,
            {{ month_start('min(active_from)') }} as first_month
        from lines
        group by team_code
    ) as first_lines
    cross join dates
    inner join months
        on
            first_lines.first_month <= months.month
            and dates.data_date >= months.month

),

-- The lines active on either date: one join, each line counted on the days it is active.
commitment as (

    select
        team_months.team_code,
        team_months.month,
        sum(case when {{ on_opening }} then lines.weekly_cost else 0 end) as opening_weekly_cost,
        sum(case when {{ on_opening }} then 1 else 0 end) as opening_lines_count,
        sum(case when {{ on_closing }} then lines.weekly_cost else 0 end) as closing_weekly_cost,
        sum(case when {{ on_closing }} then 1 else 0 end) as closing_lines_count
    from team_months
    inner join lines
        on
            team_months.team_code = lines.team_code
            and {{ ranges_overlap(
                'lines.active_from', 'lines.active_to',
                'team_months.opening_date', 'team_months.closing_date') }}
    group by team_months.team_code, team_months.month

),

moved as (

    select
        team_code,
        month,
        sum(case when movement_type = 'New service' then weekly_change else 0 end) as new_services_weekly,
        sum(case when movement_type = 'New service' then 1 else 0 end) as new_services_lines_count,
        sum(case when movement_type = 'Ended service' then weekly_change else 0 end) as ended_services_weekly,
        sum(case when movement_type = 'Ended service' then 1 else 0 end) as ended_services_lines_count,
        sum(case when movement_type = 'Change at review' then weekly_change else 0 end) as review_changes_weekly,
        sum(case when movement_type = 'Change at review' then 1 else 0 end) as review_changes_lines_count,
        sum(case when movement_type = 'Other change' then weekly_change else 0 end) as other_changes_weekly,
        sum(case when movement_type = 'Other change' then 1 else 0 end) as other_changes_lines_count
    from movements
    group by team_code, month

),

-- A line has one row a month in int_spend_service_months (unique on line and month, tested
-- before this model is built) and month is in every group: its rows count its lines.
placements as (

    select
        team_code,
        month,
        sum(committed_spend) as placement_spend,
        sum(active_days) as placement_days,
        count(case when active_days > 0 then service_line_key end) as placement_lines_count
    from placement_months
    group by team_code, month

)

select
    team_months.team_code,
    team_months.month,
    team_months.month_end,
    team_months.fin_year,
    team_months.opening_date,
    team_months.closing_date,
    cast(coalesce(commitment.opening_weekly_cost, 0) as decimal(18, 2)) as opening_weekly_cost,
    cast(coalesce(moved.new_services_weekly, 0) as decimal(18, 2)) as new_services_weekly,
    cast(coalesce(moved.ended_services_weekly, 0) as decimal(18, 2)) as ended_services_weekly,
    cast(coalesce(moved.review_changes_weekly, 0) as decimal(18, 2)) as review_changes_weekly,
    cast(coalesce(moved.other_changes_weekly, 0) as decimal(18, 2)) as other_changes_weekly,
    cast(coalesce(commitment.closing_weekly_cost, 0) as decimal(18, 2)) as closing_weekly_cost,
    cast(coalesce(commitment.opening_lines_count, 0) as bigint) as opening_lines_count,
    cast(coalesce(moved.new_services_lines_count, 0) as bigint) as new_lines_count,
    cast(coalesce(moved.ended_services_lines_count, 0) as bigint) as ended_lines_count,
    cast(coalesce(moved.review_changes_lines_count, 0) as bigint) as review_change_lines_count,
    cast(coalesce(moved.other_changes_lines_count, 0) as bigint) as other_change_lines_count,
    cast(coalesce(commitment.closing_lines_count, 0) as bigint) as closing_lines_count,
    cast({{ days_inclusive('team_months.month', 'team_months.closing_date') }} as bigint)
        as days_in_month,
    cast(coalesce(placements.placement_spend, 0) as {{ type_double() }}) as placement_spend,
    cast(coalesce(placements.placement_days, 0) as bigint) as placement_days,
    cast(coalesce(placements.placement_lines_count, 0) as bigint) as placement_lines_count,
    dates.data_date
from team_months
cross join dates
left join commitment
    on
        team_months.team_code = commitment.team_code
        and team_months.month = commitment.month
left join moved
    on
        team_months.team_code = moved.team_code
        and team_months.month = moved.month
left join placements
    on
        team_months.team_code = placements.team_code
        and team_months.month = placements.month
