{#- Reviewed in the last 12 months (measures.md, Reviews), at each month end M up to the data
    date: of the people whose long-term support covers every day of the 365 days ending on M
    (one continuous island from M - 364 days to M), the share with a completed review ending
    in (M - 365 days, M]. Month ends start once 365 days of data exist. -#}
with

islands as (

    select * from {{ ref('int_lts_coverage_islands') }}

),

reviews as (

    select
        person_id,
        event_end_date
    from {{ ref('fct_reviews') }}
    where event_status = 'Completed' and event_end_date is not null

),

months as (

    select * from {{ ref('int_months') }}

),

dates as (

    select
        data_date,
        first_event_date
    from {{ ref('int_data_dates') }}

),

-- The month ends with 365 days of data: the window of people covered, and of reviews. (Not
-- month_ends_to_data_date: a second cross join with `dates` trips Spark's join reordering.)
month_ends as (

    select
        months.month,
        months.month_end,
        months.fin_year,
        cast({{ dbt.dateadd('day', -364, 'months.month_end') }} as date) as cover_from,
        cast({{ dbt.dateadd('day', -365, 'months.month_end') }} as date) as reviewed_after
    from months
    cross join dates
    where
        months.month_end <= dates.data_date
        and cast({{ dbt.dateadd('day', -364, 'months.month_end') }} as date)
        >= dates.first_event_date

),

-- Islands are disjoint and never adjacent, so at most one covers a person's window.
eligible as (

    select
        month_ends.month_end,
        month_ends.reviewed_after,
        islands.person_id
    from month_ends
    inner join islands
        on
            month_ends.cover_from >= islands.island_start
            and month_ends.month_end <= islands.island_end

),

flagged as (

    select
        eligible.month_end,
        eligible.person_id,
        max(case when reviews.person_id is not null then 1 else 0 end) as is_reviewed
    from eligible
    left join reviews
        on
            eligible.person_id = reviews.person_id
            and eligible.reviewed_after < reviews.event_end_date
            and eligible.month_end >= reviews.event_end_date
    group by eligible.month_end, eligible.person_id

),

counted as (

    select
        month_end,
        count(*) as eligible_people,
        sum(is_reviewed) as reviewed_people
    from flagged
    group by month_end

)

select
    month_ends.month_end,
    month_ends.month,
    month_ends.fin_year,
    cast(coalesce(counted.eligible_people, 0) as bigint) as eligible_people,
    cast(coalesce(counted.reviewed_people, 0) as bigint) as reviewed_people,
    {{ ratio('counted.reviewed_people', 'counted.eligible_people') }} as reviewed_share,
    dates.data_date
from month_ends
cross join dates
left join counted on month_ends.month_end = counted.month_end
