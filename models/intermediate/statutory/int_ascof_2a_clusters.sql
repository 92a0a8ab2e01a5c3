{#- ASCOF 2A (statutory-method.md §3.1, DHSC 2024/25-onwards method): one row per ST-Max
    cluster (episode) ending in a covered financial year, with its sequel (final outcome) and
    whether it counts in the denominator and the numerator. Clusters are built on all history;
    a cluster belongs to the year its end date falls in. -#}
{#- The episode's own ST-Max rows: DHSC blanks every ST-Max service starting inside the
    cluster before it looks at what followed (#ST_Max_Joined, Same_ST_Max). -#}
{%- set own_st_max = "event.event_type = 'Service' and event.service_type = 'Short term support: ST-Max' and event.event_start_date >= episode.episode_start and event.event_start_date <= episode.episode_end" -%}
{%- set episode = ['la_code', 'person_id', 'cluster_number'] -%}
{#- The service that follows (step 7.3): DHSC's hierarchy, then within a type a short-term
    residential or nursing component first. -#}
{%- set service_order -%}
    {{ dhsc_service_type_rank('service_type') }},
    case
        when service_component in ('Short term residential care', 'Short term nursing care') then 0
        else 1
    end
{%- endset -%}
{#- Not a new client (step 6): a long-term service that started before the episode and ended
    less than 91 days before it (or after it, or is still open). -#}
{%- set recent_long_term_service -%}
    lts.event_start_date < clusters.cluster_start
    and {{ dbt.datediff('lts.end_sort', 'clusters.cluster_start', 'day') }} < 91
{%- endset -%}
{%- set usable_nfa = "('NFA: Information and advice or signposting', 'NFA: Support ended as planned', 'NFA: Responsibility moved to another local authority', 'NFA: Other', 'NFA: No services offered for other reason', 'NFA: Support ended for other reason', 'NFA: Referral to other service within the local authority')" -%}

with

events as (

    select
        *,
        case
            when event_outcome is null or event_outcome = 'Invalid and not mapped' then 999
            when event_outcome in {{ not_final_outcomes() }} then event_outcome_rank + 100
            else event_outcome_rank
        end as effective_rank
    from ({{ service_user_events(dated_only=true) }}) as service_user_events

),

persons as (

    select * from {{ ref('int_statutory_persons') }}

),

years as (

    select * from {{ ref('int_statutory_years') }}

),

st_max as (

    select
        *,
        max(end_sort) over (
            partition by la_code, person_id
            order by event_start_date asc, end_sort asc, effective_rank asc, file_id desc, row_number desc
            rows between unbounded preceding and 1 preceding
        ) as previous_max_end
    from events
    where event_type = 'Service' and service_type = 'Short term support: ST-Max'

),

st_max_numbered as (

    select
        *,
        sum(
            case
                when
                    previous_max_end is null
                    or {{ dbt.datediff('previous_max_end', 'event_start_date', 'day') }} > 7
                    then 1
                else 0
            end
        ) over (
            partition by la_code, person_id
            order by event_start_date asc, end_sort asc, effective_rank asc, file_id desc, row_number desc
            rows between unbounded preceding and current row
        ) as cluster_number
    from st_max

),

st_max_rows as (

    select
        *,
        min(event_start_date) over (
            partition by la_code, person_id, cluster_number
        ) as cluster_start,
        max(end_sort) over (partition by la_code, person_id, cluster_number) as cluster_end,
        row_number() over (
            partition by la_code, person_id, cluster_number
            order by end_sort desc, effective_rank asc, file_id desc, row_number desc
        ) as outcome_rank_in_cluster
    from st_max_numbered

),

clusters as (

    select
        st_max_rows.la_code,
        st_max_rows.person_id,
        st_max_rows.cluster_number,
        st_max_rows.cluster_start,
        st_max_rows.cluster_end,
        coalesce(st_max_rows.event_outcome, 'Invalid and not mapped') as cluster_outcome,
        st_max_rows.effective_rank as cluster_outcome_rank,
        years.fin_year,
        persons.birth_year,
        persons.birth_month,
        persons.date_of_death,
        {{ person_age('st_max_rows.cluster_end') }} as age
    from st_max_rows
    inner join years
        on {{ in_statutory_year('st_max_rows', 'cluster_end') }}
    left join persons on {{ same_keys('st_max_rows', 'persons') }}
    where st_max_rows.outcome_rank_in_cluster = 1

),

eligible as (

    select
        clusters.*,
        clusters.cluster_start as episode_start,
        clusters.cluster_end as episode_end
    from clusters
    where
        (clusters.age is null or clusters.age >= 18)
        and {{ alive_on('clusters.cluster_start', 'clusters') }}
        -- New client: no long-term service that started before the episode and ended less
        -- than 91 days before it (or after it, or is still open).
        and not {{ has_long_term_service('clusters', recent_long_term_service) }}

),

sequel_candidates as (

    {{ sequel_chain(
        episodes='eligible',
        events='events',
        keys=['cluster_number'],
        candidate='event.event_start_date >= episode.episode_start and event.end_sort > episode.episode_end',
        own_row=own_st_max,
        first_within_days=7,
        cut_at="event.service_type = 'Short term support: ST-Max'",
        event_columns=['effective_rank'],
    ) }}

),

future as (

    select * from sequel_candidates
    where is_in_sequel

),

future_service as (

    {{ best_support_service('future', episode, service_order) }}

),

future_summary as (

    select
        la_code,
        person_id,
        cluster_number,
        count(*) as future_events,
        -- DHSC lets the episode's own outcome take part whenever a later non-service event
        -- (other than one ending 'as planned') exists, usable outcome or not
        -- (#Has_Usable_Future_NonServices_Only).
        count(
            case
                when
                    event_type <> 'Service'
                    and coalesce(event_outcome, 'Invalid and not mapped') <> 'NFA: Support ended as planned'
                    then 1
            end
        ) as future_non_service_events,
        min(
            case
                when
                    event_type <> 'Service'
                    and effective_rank < 100
                    and event_outcome <> 'NFA: Support ended as planned'
                    then effective_rank
            end
        ) as future_outcome_rank
    from future
    group by la_code, person_id, cluster_number

),

nested as (

    -- Events inside the episode (statutory-method.md §3.1 steps 4c and 5), not the episode's
    -- own ST-Max rows: DHSC blanks those first, so an Equipment component on the episode
    -- itself is not "equipment provided during the reablement".
    select
        episode.la_code,
        episode.person_id,
        episode.cluster_number,
        event.event_type,
        event.service_component,
        event.event_outcome,
        event.effective_rank,
        {{ dbt.datediff('event.derived_end_date', 'episode.cluster_end', 'day') }}
            as days_before_end,
        row_number() over (
            partition by
                episode.la_code, episode.person_id, episode.cluster_number,
                case
                    when
                        event.event_type in ('Assessment', 'Review')
                        and event.effective_rank < 100
                        and {{ dbt.datediff('event.derived_end_date', 'episode.cluster_end', 'day') }} < 14
                        then 1
                    else 0
                end
            order by
                event.end_sort desc, event.effective_rank asc, event.file_id desc,
                event.row_number desc
        ) as nested_choice
    from eligible as episode
    inner join events as event
        on
            {{ same_keys('episode', 'event') }}
            and episode.cluster_start <= event.event_start_date
            and episode.cluster_start < event.derived_end_date
            and episode.cluster_end >= event.derived_end_date
    where not ({{ own_st_max }})

),

nested_summary as (

    select
        la_code,
        person_id,
        cluster_number,
        min(
            case
                when
                    event_type in ('Assessment', 'Review')
                    and effective_rank < 100
                    and days_before_end < 14
                    and nested_choice = 1
                    then effective_rank
            end
        ) as nested_outcome_rank,
        max(
            case
                when event_type = 'Service' and service_component = 'Equipment' then 1 else 0
            end
        ) as has_nested_equipment
    from nested
    group by la_code, person_id, cluster_number

),

outcome_names as (

    select
        event_outcome_rank,
        min(event_outcome) as event_outcome
    from events
    where event_outcome is not null and event_outcome <> 'Invalid and not mapped'
    group by event_outcome_rank

),

candidates as (

    select
        eligible.*,
        future_service.service_type as sequel_service_type,
        future_service.service_component as sequel_service_component,
        coalesce(future_summary.future_events, 0) as future_events,
        case
            when
                eligible.cluster_outcome_rank < 100
                and (
                    coalesce(future_summary.future_events, 0) = 0
                    or future_summary.future_non_service_events > 0
                )
                then eligible.cluster_outcome_rank
        end as own_outcome_rank,
        future_summary.future_outcome_rank,
        nested_summary.nested_outcome_rank,
        coalesce(nested_summary.has_nested_equipment, 0) as has_nested_equipment
    from eligible
    left join future_service
        on
            {{ same_keys('eligible', 'future_service', episode) }}
            and future_service.service_choice = 1
    left join future_summary on {{ same_keys('eligible', 'future_summary', episode) }}
    left join nested_summary on {{ same_keys('eligible', 'nested_summary', episode) }}

),

sequels as (

    select
        candidates.*,
        case
            when
                candidates.date_of_death
                <= cast({{ dbt.dateadd('day', 7, 'candidates.cluster_end') }} as date)
                then 'death'
            when candidates.cluster_outcome = 'Admitted to hospital' then 'hospital'
            when candidates.sequel_service_type is not null then 'service'
            when
                coalesce(
                    candidates.own_outcome_rank,
                    candidates.future_outcome_rank,
                    candidates.nested_outcome_rank
                ) is not null
                then 'outcome'
            when candidates.has_nested_equipment = 1 then 'equipment'
            else 'unclassified'
        end as sequel_step,
        least(
            coalesce(candidates.own_outcome_rank, 9999),
            coalesce(candidates.future_outcome_rank, 9999),
            coalesce(candidates.nested_outcome_rank, 9999)
        ) as best_outcome_rank
    from candidates

),

final as (

    select
        sequels.la_code,
        sequels.fin_year,
        sequels.person_id,
        sequels.cluster_number,
        sequels.cluster_start,
        sequels.cluster_end,
        sequels.cluster_outcome,
        sequels.age,
        {{ working_age_band('sequels.age') }} as age_group,
        sequels.sequel_step,
        case sequels.sequel_step
            when 'death' then 'NFA: Deceased'
            when 'hospital' then 'Admitted to hospital'
            when 'service'
                then case
                        when
                            sequels.sequel_service_type = 'Short term support: Other short term'
                            and sequels.sequel_service_component
                            in ('Short term residential care', 'Short term nursing care')
                            then 'Short term support: Residential or Nursing care'
                        else sequels.sequel_service_type
                    end
            when 'outcome' then outcome_names.event_outcome
            when 'equipment' then 'Short term support: Ongoing low level'
            else sequels.cluster_outcome
        end as final_outcome
    from sequels
    left join outcome_names on sequels.best_outcome_rank = outcome_names.event_outcome_rank

)

select
    la_code,
    fin_year,
    person_id,
    cluster_number,
    cluster_start,
    cluster_end,
    cluster_outcome,
    age,
    age_group,
    sequel_step,
    final_outcome,
    final_outcome in {{ lts_service_types() }}
    or final_outcome in (
        'Short term support: Residential or Nursing care',
        'Short term support: Ongoing low level', 'Short term support: Other short term'
    )
    or final_outcome in {{ usable_nfa }} as is_in_denominator,
    final_outcome in (
        'Short term support: Ongoing low level', 'Short term support: Other short term'
    )
    or final_outcome in {{ usable_nfa }} as is_in_numerator
from final
