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
    where
        requests.event_status = 'Completed'
        and requests.event_end_date <= dates.data_date
    group by 1, 2

),

team_first_month as (

    select
        team_code,
        min(month) as first_month
    from (
        select
            team_code,
            month
        from contacts
        union all
        select
            team_code,
            month
        from completed
    ) as activity
    group by 1

),

team_months as (

    select
        team_first_month.team_code,
        months.month,
        months.month_end,
        months.fin_year
    from team_first_month
    inner join months on team_first_month.first_month <= months.month

)

select
    team_months.team_code,
    coalesce(teams.team_name, team_months.team_code) as team_name,
    team_months.month,
    team_months.month_end,
    team_months.fin_year,
    coalesce(contacts.contacts_count, 0) as contacts_count,
    coalesce(completed.completed_count, 0) as completed_count,
    coalesce(completed.referred_count, 0) as referred_count,
    coalesce(completed.resolved_count, 0) as resolved_count,
    {{ conversion_rate('completed.referred_count', 'completed.completed_count') }} as conversion_rate,
    dates.data_date
from team_months
cross join dates
left join teams on team_months.team_code = teams.team_code
left join contacts
    on
        team_months.team_code = contacts.team_code
        and team_months.month = contacts.month
left join completed
    on
        team_months.team_code = completed.team_code
        and team_months.month = completed.month
