{#- What followed an episode (a request cluster, an ST-Max cluster): the one sequel search of
    SALT STS001, STS002a and ASCOF 2A (statutory-method.md §3.1 step 7, §4.1 steps 7-9, §4.2
    steps 3-4).

    A select over `episodes` (alias `episode`: la_code, person_id, the `keys` columns,
    episode_start, episode_end) joined to the person's `events` (alias `event`: the
    int_statutory_events columns plus end_sort, the end with open events at 9999-01-01). It
    returns one row per candidate event, `is_in_sequel` saying whether it is part of the sequel:

    * candidates: `candidate` (a condition on `episode` and `event`), minus the episode's own
      rows (`own_row`);
    * chain mode (`gap_days` given, NHS England's SALT code): the events on the first
      candidate's start date count when they start within `first_within_days` of the episode
      end, or are open; each later event must start within `gap_days` of the previous one's
      end (previous in start, end order). The first date that breaks ends the chain: nothing on
      or after it counts (SQL Server's RANGE frame: events on one date stand or fall together);
    * window mode (`gap_days` none, DHSC's 2A): every candidate starting within
      `first_within_days` of the episode end counts;
    * `cut_at` (a condition on `event`): nothing from the start date of the first such
      candidate on counts (a later request or ST-Max starts a new story).

    Peers: NHSDigital/ASC-Client-Level-Data-SALT-ASCOF-transformations, "SALT STS001/STS001
    replication code.txt" and "SALT STS002a/STS002a replication code.txt" (#CLUSTER,
    #REQUESTS_WITH_BREAKS / #ST_MAX_WITH_BREAKS); DataS-DHSC/ASC-CLD-LA-Dashboard,
    ASCOF_measures/Create_ASCOF_2A_2425_Onwards.sql (#RankedEvents, #FirstSTMaxEvent). -#}
{% macro sequel_chain(episodes, events, keys, candidate, own_row, first_within_days, gap_days=none, cut_at='false', event_columns=[]) -%}
    {%- set episode_keys = ['la_code', 'person_id'] + keys -%}
    {%- set event_keys = ['event_type', 'event_start_date', 'derived_end_date', 'end_sort',
        'service_type', 'service_component', 'event_outcome', 'file_id', 'row_number']
        + event_columns -%}
    {%- set partition = episode_keys | join(', ') -%}
    {%- set episode_partition -%}
        {%- for column in episode_keys %}episode.{{ column }}{% if not loop.last %}, {% endif %}{% endfor -%}
    {%- endset -%}
    {%- set selected -%}
        {%- for column in episode_keys %}episode.{{ column }}, {% endfor -%}
        {%- for column in event_keys %}event.{{ column }}, {% endfor -%}
    {%- endset -%}
    {%- set days_after_end = dbt.datediff('episode_end', 'event_start_date', 'day') -%}
    {%- if gap_days is none -%}
        {%- set breaks = days_after_end ~ ' > ' ~ first_within_days -%}
    {%- else -%}
        {%- set breaks -%}
            case
                when event_start_date = first_start_date
                    then not (derived_end_date is null or {{ days_after_end }} <= {{ first_within_days }})
                else {{ dbt.datediff('previous_end', 'event_start_date', 'day') }} > {{ gap_days }}
            end
        {%- endset -%}
    {%- endif -%}
    select
        *,
        coalesce(event_start_date < first_break_date, true)
        and coalesce(event_start_date < first_cut_date, true) as is_in_sequel
    from (
        select
            *,
            min(case when breaks_chain then event_start_date end) over (partition by {{ partition }})
                as first_break_date,
            min(case when is_cut then event_start_date end) over (partition by {{ partition }})
                as first_cut_date
        from (
            select
                *,
                {{ breaks }} as breaks_chain
            from (
                select
                    {{ selected }}
                    episode.episode_start,
                    episode.episode_end,
                    {{ cut_at }} as is_cut,
                    min(event.event_start_date) over (partition by {{ episode_partition }})
                        as first_start_date,
                    lag(event.end_sort) over (
                        partition by {{ episode_partition }}
                        order by event.event_start_date, event.end_sort, event.file_id, event.row_number
                    ) as previous_end
                from {{ episodes }} as episode
                inner join {{ events }} as event
                    on
                        episode.la_code = event.la_code
                        and episode.person_id = event.person_id
                        and {{ candidate }}
                where not coalesce({{ own_row }}, false)
            ) as candidates
        ) as flagged
    ) as cut
{%- endmacro %}
