{#- SALT STS001 (statutory-method.md §4.1, NHSE replication method on the DHSC joined table):
    one row per new-client request cluster ending in a covered year, with its sequel.
    * requests of a person are clustered when a request starts no more than 4 days after the
      previous one ended;
    * new client: no long-term service open on the cluster start;
    * the sequel chain starts with an event beginning within 28 days of the cluster end and
      continues while each event starts within 3 days of the previous one's end; a later
      request cuts it;
    * record types: 1 no later event, 2 a service in the chain, 3 an NFA outcome in the chain,
      4 the request's own outcome, 5 no chain (first event too late, or only a request).
    The outcome hierarchy is DHSC's R2 one, labels are normalised (plain hyphens): see
    docs/statutory-measures.md. -#}
{%- set episode = ['la_code', 'person_id', 'cluster_number', 'fin_year'] %}

with

years as (

    select * from {{ ref('int_statutory_years') }}

),

persons as (

    select * from {{ ref('int_statutory_persons') }}

),

events as (

    {{ service_user_events() }}

),

requests as (

    select * from events
    where event_type = 'Request'

),

request_clusters as (

    {{ numbered_clusters('requests', 4, 'cluster_number') }}

),

in_year as (

    select
        request_clusters.*,
        years.fin_year,
        years.period_start,
        years.period_end,
        min(request_clusters.event_start_date) over (
            partition by
                request_clusters.la_code, request_clusters.person_id,
                request_clusters.cluster_number
        ) as cluster_start
    from request_clusters
    inner join years
        on {{ in_statutory_year('request_clusters', 'end_sort') }}

),

clusters as (

    select
        la_code,
        person_id,
        cluster_number,
        fin_year,
        period_start,
        period_end,
        cluster_start,
        end_sort as cluster_end,
        request_route_of_access,
        event_outcome
    from (
        select
            *,
            row_number() over (
                partition by la_code, person_id, cluster_number, fin_year
                order by {{ closing_row_first() }}
            ) as latest_rank
        from in_year
    ) as ranked
    where latest_rank = 1

),

new_clients as (

    select
        clusters.*,
        clusters.cluster_start as episode_start,
        clusters.cluster_end as episode_end,
        {{ person_age('clusters.period_end') }} as age
    from clusters
    inner join persons on {{ same_keys('clusters', 'persons') }}
    where
        {{ has_proxy_dob() }}
        and {{ alive_on('clusters.period_start') }}
        -- New client: no long-term service open on the cluster's start.
        and not {{ has_long_term_service(
            'clusters',
            'lts.event_start_date <= clusters.cluster_start and lts.end_sort >= clusters.cluster_start'
        ) }}

),

sequel_candidates as (

    {{ sequel_chain(
        episodes='new_clients',
        events='events',
        keys=['cluster_number', 'fin_year'],
        candidate='event.event_start_date >= episode.episode_end',
        own_row="event.event_type = 'Request' and (event.event_start_date = episode.episode_start or event.end_sort = episode.episode_end)",
        first_within_days=28,
        gap_days=3,
        cut_at="event.event_type = 'Request'",
    ) }}

),

chain as (

    select * from sequel_candidates
    where is_in_sequel

),

chain_services as (

    {{ best_support_service('chain', episode, sts001_service_rank('service_type')) }}

),

chain_outcomes as (

    -- The events of the chain ending on the latest end of one with an NFA outcome, any
    -- outcome: its sequel, or 'other reason' when several events end on that day.
    select
        la_code,
        person_id,
        cluster_number,
        fin_year,
        count(*) as rows_at_latest_end,
        max({{ sts001_sequel('event_outcome') }}) as nfa_sequel
    from (
        select
            *,
            max(case when {{ sts001_sequel('event_outcome') }} is not null then end_sort end)
                over (partition by {{ episode | join(', ') }})
                as nfa_end
        from chain
    ) as at_latest_nfa
    where end_sort = nfa_end
    group by {{ episode | join(', ') }}

),

sequel_summary as (

    -- The candidates and the chain's events (record types 1 and 5).
    select
        la_code,
        person_id,
        cluster_number,
        fin_year,
        count(*) as candidate_events,
        count(case when is_in_sequel then 1 end) as chain_events
    from sequel_candidates
    group by {{ episode | join(', ') }}

),

classified as (

    select
        new_clients.*,
        chain_services.service_type as sequel_service_type,
        chain_services.event_start_date as sequel_service_start,
        {{ sequel_record_type(
            'sequel_summary.candidate_events', 'sequel_summary.chain_events',
            'chain_services.service_type', 'chain_outcomes.rows_at_latest_end'
        ) }} as record_type,
        case
            when chain_outcomes.rows_at_latest_end > 1 then 'No services provided - other reason'
            else chain_outcomes.nfa_sequel
        end as chain_sequel
    from new_clients
    left join sequel_summary on {{ same_keys('new_clients', 'sequel_summary', episode) }}
    left join chain_services
        on
            {{ same_keys('new_clients', 'chain_services', episode) }}
            and chain_services.service_choice = 1
    left join chain_outcomes on {{ same_keys('new_clients', 'chain_outcomes', episode) }}

)

select
    la_code,
    fin_year,
    person_id,
    cluster_number,
    cluster_start,
    cluster_end,
    coalesce(request_route_of_access, 'Unknown') as route_of_access,
    age,
    {{ working_age_band('age') }} as age_band,
    record_type,
    case
        when record_type = 2
            then case sequel_service_type
                    when 'Short term support: ST-Max' then 'ST-Max'
                    when 'Long term support: Nursing care' then 'Long term support: Nursing care'
                    when 'Long term support: Residential care' then 'Long term support: Residential care'
                    when 'Long term support: Community' then 'Long term support: Community'
                    when 'Long term support: Prison' then 'Long term support: Prison'
                    when 'Short term support: Ongoing low level' then 'Ongoing low level support'
                    else 'Short term support (other)'
                end
        when record_type = 3 then chain_sequel
        when record_type = 4
            then coalesce({{ sts001_sequel('event_outcome') }}, 'No service found')
        else coalesce({{ sts001_sequel('event_outcome') }}, 'Unable to classify')
    end as sequel,
    case
        when record_type = 2 and sequel_service_type = 'Short term support: ST-Max'
            then sequel_service_start
    end as st_max_start_date
from classified
