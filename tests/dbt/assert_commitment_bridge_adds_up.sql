-- Where the money moved (docs/spend-movement.md): the commitment bridge adds up exactly, for
-- every team and the whole service. Each month, the weekly cost at the start + new services +
-- ended services + changes at review + other changes = the weekly cost at the end (decimals
-- to the penny: no tolerance); each month starts where the month before ended (a team's first
-- month from nothing); and the movements are fct_commitment_movements' lines, summed.
-- Rows returned are the team months where one of these fails.
with

bridge as (

    select
        team_code,
        month,
        opening_weekly_cost,
        new_services_weekly,
        ended_services_weekly,
        review_changes_weekly,
        other_changes_weekly,
        closing_weekly_cost,
        lag(closing_weekly_cost) over (partition by team_code order by month) as previous_closing,
        lag(month) over (partition by team_code order by month) as previous_month
    from {{ ref('report_spend_movement') }}

),

movements as (

    select
        team_code,
        month,
        sum(weekly_change) as weekly_change
    from {{ ref('fct_commitment_movements') }}
    group by team_code, month

),

service_movements as (

    select
        'ALL' as team_code,
        month,
        sum(weekly_change) as weekly_change
    from movements
    group by month

),

all_movements as (

    select * from movements
    union all
    select * from service_movements

)

select
    bridge.team_code,
    bridge.month,
    case
        when
            bridge.opening_weekly_cost + bridge.new_services_weekly + bridge.ended_services_weekly
            + bridge.review_changes_weekly + bridge.other_changes_weekly
            <> bridge.closing_weekly_cost
            then 'start + movements <> end'
        when bridge.opening_weekly_cost <> coalesce(bridge.previous_closing, 0)
            then 'start <> last month''s end'
        when
            bridge.previous_month is not null
            and bridge.previous_month <> cast({{ dbt.dateadd('month', -1, 'bridge.month') }} as date)
            then 'a month is missing'
        else 'movements <> the lines moved'
    end as failure
from bridge
left join all_movements
    on
        bridge.team_code = all_movements.team_code
        and bridge.month = all_movements.month
where
    bridge.opening_weekly_cost + bridge.new_services_weekly + bridge.ended_services_weekly
    + bridge.review_changes_weekly + bridge.other_changes_weekly
    <> bridge.closing_weekly_cost
    or bridge.opening_weekly_cost <> coalesce(bridge.previous_closing, 0)
    or (
        bridge.previous_month is not null
        and bridge.previous_month <> cast({{ dbt.dateadd('month', -1, 'bridge.month') }} as date)
    )
    or bridge.new_services_weekly + bridge.ended_services_weekly + bridge.review_changes_weekly
    + bridge.other_changes_weekly <> coalesce(all_movements.weekly_change, 0)
