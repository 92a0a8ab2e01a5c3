-- One version of the truth: the whole service's average daily spend on placements in the spend
-- movement report is the placement spend report's (`All placements`), month by month.
-- Rows returned are the months where they differ (by more than a millionth).
select
    movement.month,
    movement.avg_daily_spend as movement_avg_daily_spend,
    placement.avg_daily_spend as placement_avg_daily_spend
from {{ ref('report_spend_movement') }} as movement
inner join {{ ref('report_placement_spend') }} as placement
    on
        movement.month = placement.month
        and placement.service_type = 'All placements'
where
    movement.team_code = 'ALL'
    and abs(movement.avg_daily_spend - placement.avg_daily_spend)
    > 0.000001 * (1 + abs(placement.avg_daily_spend))
