{#- Teams from teams.csv, plus any team code the extracts use that teams.csv lacks, plus
    `Unknown` (events with no Team Code), with their workers' FTE. -#}
with

teams as (

    select * from {{ ref('stg_reference__teams') }}

),

workers as (

    select
        team_code,
        count(*) as worker_count,
        sum(fte) as team_fte
    from {{ ref('stg_reference__workers') }}
    group by team_code

),

event_teams as (

    select distinct team_code from {{ ref('int_events_deduplicated') }}

),

all_teams as (

    select
        team_code,
        team_name,
        team_type,
        service_area,
        true as is_listed
    from teams
    union all
    select
        event_teams.team_code,
        event_teams.team_code as team_name,
        'Other' as team_type,
        'Unknown' as service_area,
        false as is_listed
    from event_teams
    where event_teams.team_code not in (select teams.team_code from teams)
    union all
    -- Always present, so that events and payments with no team have one to roll up to.
    select
        'Unknown' as team_code,
        'Unknown team' as team_name,
        'Other' as team_type,
        'Unknown' as service_area,
        false as is_listed
    where
        'Unknown' not in (select teams.team_code from teams)
        and 'Unknown' not in (select event_teams.team_code from event_teams)

)

select
    all_teams.team_code,
    all_teams.team_name,
    all_teams.team_type,
    all_teams.service_area,
    all_teams.is_listed,
    coalesce(workers.worker_count, 0) as worker_count,
    cast(coalesce(workers.team_fte, 0) as {{ type_double() }}) as team_fte
from all_teams
left join workers on all_teams.team_code = workers.team_code
