{#- Front door (measures.md): contacts by start month; completed requests, referrals to
    specialist services and resolutions at the front door by completion month. Referral and
    resolution are defined once, on fct_requests (is_referred, is_resolved). -#}
with

requests as (

    select * from {{ ref('fct_requests') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

months as (

    select * from {{ ref('int_months') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

contacts as (

    select
        requests.team_code,
        {{ month_start('requests.event_start_date') }} as month,
        count(*) as contacts_count
    from requests
    cross join dates
    where
        requests.event_status in ('Open', 'Completed')
        and requests.event_start_date <= dates.data_date
    group by 1, 2

),

completed as (

    select
        requests.team_code,
        {{ month_start('requests.event_end_date') }} as month,
        count(*) as completed_count,
        count(case when requests.is_referred then 1 end) as referred_count,
        count(case when requests.is_resolved then 1 end) as resolved_count
    from requests
    cross join dates
    where {{ is_completed_by('requests', 'dates.data_date') }}
    group by 1, 2

),

activity as (

    select
        team_code,
        month
    from contacts
    union all
    select
        team_code,
        month
    from completed

),

-- Every month from the team's first contact or completion to the data date's month.
team_months as (

    {{ months_from_first('activity', ['team_code']) }}

)

select
    team_months.team_code,
    coalesce(teams.team_name, team_months.team_code) as team_name,
    team_months.month,
    team_months.month_end,
    team_months.fin_year,
    {{ counts_or_zero('contacts', ['contacts_count']) }},
    {{ counts_or_zero('completed', ['completed_count', 'referred_count', 'resolved_count']) }},
    {{ conversion_rate('completed.referred_count', 'completed.completed_count') }} as conversion_rate,
    dates.data_date
from team_months
cross join dates
left join teams on team_months.team_code = teams.team_code
left join contacts on {{ same_keys('team_months', 'contacts', ['team_code', 'month']) }}
left join completed on {{ same_keys('team_months', 'completed', ['team_code', 'month']) }}
