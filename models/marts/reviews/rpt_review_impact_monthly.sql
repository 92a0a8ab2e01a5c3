{#- Reviews completed and their net cost impact (measures.md, Reviews), by team and month of
    the review's end. For each completed review: the total weekly cost of the person's
    service lines (one-off costs aside) active on its start date, against those active on its
    end date + `review_impact_days_after` days, capped at the data date. Impact = after -
    before (negative = saving); annualised = x 52. -#}
with

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

reviews as (

    select fct_reviews.*
    from {{ ref('fct_reviews') }} as fct_reviews
    cross join dates
    where {{ is_completed_by('fct_reviews', 'dates.data_date') }}

),

lines as (

    select
        person_id,
        cost_per_week,
        active_from,
        active_to
    from {{ ref('int_service_costs') }}
    where not is_one_off

),

months as (

    select * from {{ ref('int_months') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

review_dates as (

    select
        reviews.event_id,
        reviews.person_id,
        reviews.team_code,
        {{ month_start('reviews.event_end_date') }} as month,
        reviews.event_start_date as before_date,
        least(
            cast({{ dbt.dateadd('day', var('review_impact_days_after'), 'reviews.event_end_date') }} as date),
            dates.data_date
        ) as after_date
    from reviews
    cross join dates

),

-- The weekly cost of the person's lines active on the review's start date (before) and on
-- its end date + review_impact_days_after (after): one join, each line counted on either day.
review_costs as (

    select
        review_dates.event_id,
        sum(
            case
                when {{ is_active_on('lines.active_from', 'lines.active_to', 'review_dates.before_date') }}
                    then coalesce(lines.cost_per_week, 0)
            end
        ) as cost_before_weekly,
        sum(
            case
                when {{ is_active_on('lines.active_from', 'lines.active_to', 'review_dates.after_date') }}
                    then coalesce(lines.cost_per_week, 0)
            end
        ) as cost_after_weekly
    from review_dates
    inner join lines
        on
            review_dates.person_id = lines.person_id
            and (
                {{ is_active_on('lines.active_from', 'lines.active_to', 'review_dates.before_date') }}
                or {{ is_active_on('lines.active_from', 'lines.active_to', 'review_dates.after_date') }}
            )
    group by review_dates.event_id

),

by_team_month as (

    select
        review_dates.team_code,
        review_dates.month,
        count(*) as reviews_completed,
        sum(coalesce(review_costs.cost_before_weekly, 0)) as cost_before_weekly,
        sum(coalesce(review_costs.cost_after_weekly, 0)) as cost_after_weekly
    from review_dates
    left join review_costs on review_dates.event_id = review_costs.event_id
    group by review_dates.team_code, review_dates.month

),

-- Every month from the team's first completed review to the data date's month.
team_months as (

    {{ months_from_first('by_team_month', ['team_code']) }}

)

select
    team_months.team_code,
    coalesce(teams.team_name, team_months.team_code) as team_name,
    team_months.month,
    team_months.month_end,
    team_months.fin_year,
    {{ counts_or_zero('by_team_month', ['reviews_completed']) }},
    cast(coalesce(by_team_month.cost_before_weekly, 0) as {{ type_double() }})
        as cost_before_weekly,
    cast(coalesce(by_team_month.cost_after_weekly, 0) as {{ type_double() }})
        as cost_after_weekly,
    cast(
        coalesce(by_team_month.cost_after_weekly, 0) - coalesce(by_team_month.cost_before_weekly, 0)
        as {{ type_double() }}
    ) as net_weekly_change,
    cast(
        coalesce(by_team_month.cost_after_weekly, 0) - coalesce(by_team_month.cost_before_weekly, 0)
        as {{ type_double() }}
    ) * 52 as net_annualised_change,
    dates.data_date
from team_months
cross join dates
left join teams on team_months.team_code = teams.team_code
left join by_team_month on {{ same_keys('team_months', 'by_team_month', ['team_code', 'month']) }}
