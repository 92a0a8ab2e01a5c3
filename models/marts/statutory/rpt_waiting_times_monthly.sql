{#- Waiting times by month and team (DHSC method, int_waiting_times): median days (interpolated)
    and number of waits for
    * request_to_first_assessment: request to first response (DHSC part 1; usually the first
      assessment, 0 for a progressing initial conversation, or a service that came first);
    * assessment_to_first_service: first assessment to first service, when the first response
      was an assessment that progressed to services;
    * request_to_first_service: request to first service (DHSC part 2).
    A wait belongs to the month its ending event started in, and to the team of the first
    response (the team that assessed), for all three measures. -#}
with

waits as (

    select
        la_code,
        response_team_code as team_code,
        {{ month_start('response_date') }} as month,
        'request_to_first_assessment' as metric,
        days_to_first_response as days
    from {{ ref('int_waiting_times') }}
    union all
    select
        la_code,
        response_team_code as team_code,
        {{ month_start('first_service_date') }} as month,
        'assessment_to_first_service' as metric,
        days_assessment_to_service as days
    from {{ ref('int_waiting_times') }}
    where days_assessment_to_service is not null
    union all
    select
        la_code,
        response_team_code as team_code,
        {{ month_start('first_service_date') }} as month,
        'request_to_first_service' as metric,
        days_to_first_service as days
    from {{ ref('int_waiting_times') }}
    where days_to_first_service is not null

)

select
    waits.la_code,
    waits.team_code,
    coalesce(teams.team_name, waits.team_code) as team_name,
    waits.month,
    {{ fin_year('waits.month') }} as fin_year,
    waits.metric,
    count(*) as waits,
    cast({{ median_of('waits.days') }} as {{ type_double() }}) as median_days
from waits
left join {{ ref('dim_team') }} as teams on waits.team_code = teams.team_code
group by waits.la_code, waits.team_code, teams.team_name, waits.month, waits.metric
