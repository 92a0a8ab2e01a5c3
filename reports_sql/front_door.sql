-- Front door: contacts, completed requests, referrals on to specialist services and
-- resolutions at the front door, by team and month, and for the whole service ('ALL').
-- Reads marts.rpt_front_door_monthly only.
with

front_door as (

    select * from marts.rpt_front_door_monthly

),

with_service as (

    select
        team_code,
        team_name,
        month,
        month_end,
        fin_year,
        contacts_count,
        completed_count,
        referred_count,
        resolved_count,
        data_date
    from front_door

    union all

    select
        'ALL' as team_code,
        'Whole service' as team_name,
        month,
        month_end,
        fin_year,
        cast(sum(contacts_count) as bigint) as contacts_count,
        cast(sum(completed_count) as bigint) as completed_count,
        cast(sum(referred_count) as bigint) as referred_count,
        cast(sum(resolved_count) as bigint) as resolved_count,
        max(data_date) as data_date
    from front_door
    group by month, month_end, fin_year

)

select
    team_code,
    team_name,
    month,
    month_end,
    fin_year,
    contacts_count,
    completed_count,
    referred_count,
    resolved_count,
    completed_count - referred_count - resolved_count as other_outcome_count,
    referred_count / nullif(completed_count, 0) as conversion_rate,
    data_date
from with_service
order by team_code, month
