{#- SALT STS002a (statutory-method.md §4.2, NHSE replication method on the DHSC joined table):
    one row per ST-Max episode of a new client (reached as the STS001 sequel of a request)
    ending in a covered year, with what followed it. ST-Max rows a day or less apart form one
    episode; the sequel chain starts within 3 days of its end, continues while events start
    within 3 days of the previous one's end, and stops at the next ST-Max. Record types as in
    STS001 (1 no later event, 2 service, 3 NFA in the chain, 4 own outcome, 5 no chain); an
    NFA outcome is one that was NFA in Release 1 (NHS England's code is written on R1 labels),
    so 'NFA: Support ended as planned' is not one. -#}
{%- set episode = ['la_code', 'person_id', 'episode_number'] %}

with

events as (

    {{ service_user_events() }}

),

cohort as (

    select distinct
        la_code,
        person_id,
        st_max_start_date
    from {{ ref('int_salt_sts001_requests') }}
    where st_max_start_date is not null

),

years as (

    select * from {{ ref('int_statutory_years') }}

),

persons as (

    select * from {{ ref('int_statutory_persons') }}

),

st_max as (

    select events.*
    from events
    where
        events.event_type = 'Service'
        and events.service_type = 'Short term support: ST-Max'
        and exists (
            select 1
            from cohort
            where
                {{ same_keys('cohort', 'events') }}
                and cohort.st_max_start_date = events.event_start_date
        )

),

numbered as (

    {{ numbered_clusters('st_max', 1, 'episode_number') }}

),

episodes as (

    select
        numbered.la_code,
        numbered.person_id,
        numbered.episode_number,
        numbered.episode_start,
        numbered.end_sort as episode_end,
        numbered.event_outcome,
        years.fin_year,
        years.period_start,
        years.period_end
    from (
        select
            *,
            min(event_start_date) over (partition by la_code, person_id, episode_number)
                as episode_start,
            row_number() over (
                partition by la_code, person_id, episode_number
                order by {{ closing_row_first() }}
            ) as latest_rank
        from numbered
    ) as numbered
    inner join years
        on {{ in_statutory_year('numbered', 'end_sort') }}
    where numbered.latest_rank = 1

),

sequel_candidates as (

    {{ sequel_chain(
        episodes='episodes',
        events='events',
        keys=['episode_number'],
        candidate='event.event_start_date >= episode.episode_end',
        own_row="event.service_type = 'Short term support: ST-Max' and (event.event_start_date = episode.episode_start or event.end_sort = episode.episode_end)",
        first_within_days=3,
        gap_days=3,
        cut_at="event.service_type = 'Short term support: ST-Max'",
    ) }}

),

chain as (

    select * from sequel_candidates
    where is_in_sequel

),

sequel_summary as (

    -- The candidates and the chain's events (record types 1 and 5), and the chain's best
    -- service by STS002a's hierarchy (§4.2 step 5): long-term support in any setting, ongoing
    -- low level, other short term (the chain stops at ST-Max).
    select
        la_code,
        person_id,
        episode_number,
        count(*) as candidate_events,
        count(case when is_in_sequel then 1 end) as chain_events,
        min(
            case
                when not is_in_sequel then null
                when service_type in {{ lts_service_types() }} then 1
                when service_type = 'Short term support: Ongoing low level' then 2
                when service_type = 'Short term support: Other short term' then 3
            end
        ) as best_service
    from sequel_candidates
    group by {{ episode | join(', ') }}

),

chain_outcomes as (

    -- NHS England counts only the NFA rows at the latest NFA end date (#FIND_NEXT_OTHER_NFA),
    -- distinct as its SELECT DISTINCT makes them.
    select
        la_code,
        person_id,
        episode_number,
        count(
            distinct
            event_type || '|' || cast(event_start_date as {{ dbt.type_string() }})
            || '|' || event_outcome
        ) as nfa_rows_at_latest_end,
        max({{ sts002a_sequel('event_outcome') }}) as nfa_sequel
    from (
        select
            *,
            max(case when {{ is_release_1_nfa('event_outcome') }} then end_sort end)
                over (partition by {{ episode | join(', ') }})
                as nfa_end
        from chain
    ) as at_latest_nfa
    where end_sort = nfa_end and {{ is_release_1_nfa('event_outcome') }}
    group by {{ episode | join(', ') }}

),

classified as (

    select
        episodes.*,
        sequel_summary.best_service,
        chain_outcomes.nfa_rows_at_latest_end,
        chain_outcomes.nfa_sequel,
        {{ person_age('episodes.period_end') }} as age,
        {{ sequel_record_type(
            'sequel_summary.candidate_events', 'sequel_summary.chain_events',
            'sequel_summary.best_service', 'chain_outcomes.nfa_rows_at_latest_end'
        ) }} as record_type
    from episodes
    left join persons on {{ same_keys('episodes', 'persons') }}
    left join sequel_summary on {{ same_keys('episodes', 'sequel_summary', episode) }}
    left join chain_outcomes on {{ same_keys('episodes', 'chain_outcomes', episode) }}

)

select
    la_code,
    fin_year,
    person_id,
    episode_number,
    episode_start,
    episode_end,
    age,
    {{ working_age_band('age') }} as age_band,
    record_type,
    case
        when record_type = 2
            then case best_service
                    when 1 then 'Long term support (any setting)'
                    when 2 then 'Ongoing low level support'
                    else 'Short term support (other)'
                end
        when record_type = 3
            then case
                    when nfa_rows_at_latest_end > 1 then 'No services provided - other'
                    else nfa_sequel
                end
        -- Type 4 (#FIND_NEXT_OTHER_No_Outcome): an NFA outcome is mapped, 'as planned' is
        -- other, anything else found no service.
        when record_type = 4
            then case
                    when {{ is_release_1_nfa('event_outcome') }} then {{ sts002a_sequel('event_outcome') }}
                    when event_outcome = 'NFA: Support ended as planned' then 'No services provided - other'
                    else 'No service found'
                end
        -- Types 1 and 5 (no chronology): the episode outcome through NHS England's mapping
        -- table, else unable to classify.
        else coalesce({{ sts002a_sequel('event_outcome') }}, 'Unable to classify')
    end as sequel
from classified
