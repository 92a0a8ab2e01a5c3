-- Front door: contacts, completed requests, referrals on to specialist services and
-- resolutions at the front door, by team and month, and for the whole service ('ALL').
-- Reads marts.report_front_door only.
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
    other_outcome_count,
    conversion_rate,
    data_date
from marts.report_front_door
order by team_code, month
