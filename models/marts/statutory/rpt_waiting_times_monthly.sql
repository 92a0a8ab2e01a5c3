{#- Waiting times by month and team (DHSC method, int_waiting_times): median days (interpolated)
    and number of waits for
    * request_to_first_assessment: request to first response (DHSC part 1; usually the first
      assessment, 0 for a progressing initial conversation, or a service that came first);
    * assessment_to_first_service: first assessment to first service, when the first response
      was an assessment that progressed to services;
    * request_to_first_service: request to first service (DHSC part 2).
    A wait belongs to the month its ending event started in, and to the team of the first
    response (the team that assessed), for all three measures. -#}
{%- set metrics = [
    ('request_to_first_assessment', 'response_date', 'days_to_first_response'),
    ('assessment_to_first_service', 'first_service_date', 'days_assessment_to_service'),
    ('request_to_first_service', 'first_service_date', 'days_to_first_service'),
] %}
with

waits as (

    {% for metric, ending_date, days in metrics %}
        select
            la_code,
            response_team_code as team_code,
            {{ month_start(ending_date) }} as month,
            '{{ metric }}' as metric,
            {{ days }} as days
        from {{ ref('int_waiting_times') }}
        where {{ days }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

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
