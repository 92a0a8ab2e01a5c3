with

teams as (

    {{ latest_file_rows(source('reference', 'ref_teams')) }}

),

team_types as (

    select
        r2_value,
        {{ normalise_code('raw_value') }} as match_key
    from {{ ref('stg_reference__code_mappings') }}
    where field = 'team_type'

)

select
    trim(teams.team_code) as team_code,
    teams.team_name,
    coalesce(team_types.r2_value, 'Other') as team_type,
    teams.service_area
from teams
left join team_types
    on {{ normalise_code('teams.team_type') }} = team_types.match_key
