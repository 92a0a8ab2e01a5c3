{#- Continuous spells of long-term support per person (measures.md, Reviews): the person's
    Long term support service lines merged into islands by a gaps-and-islands pass. Lines that
    overlap, or where one starts the day after another ends (a replacement line), join one
    island; a gap of a day or more starts a new one. Lines run to the data date when open. -#}
with

lines as (

    select
        person_id,
        active_from,
        active_to
    from {{ ref('int_service_costs') }}
    where
        service_type_group = 'Long term support'
        and person_id is not null
        -- A line ending before it starts covers no day.
        and active_from <= active_to

),

-- The last day covered by any earlier line of the person (in start order).
ordered as (

    select
        person_id,
        active_from,
        active_to,
        max(active_to) over (
            partition by person_id
            order by active_from, active_to
            rows between unbounded preceding and 1 preceding
        ) as covered_to
    from lines

),

flagged as (

    select
        person_id,
        active_from,
        active_to,
        case
            when covered_to is null then 1
            when active_from > cast({{ dbt.dateadd('day', 1, 'covered_to') }} as date) then 1
            else 0
        end as starts_island
    from ordered

),

numbered as (

    select
        person_id,
        active_from,
        active_to,
        sum(starts_island) over (
            partition by person_id
            order by active_from, active_to
            rows between unbounded preceding and current row
        ) as island_number
    from flagged

)

select
    person_id,
    cast(island_number as bigint) as island_number,
    min(active_from) as island_start,
    max(active_to) as island_end,
    count(*) as service_lines
from numbered
group by person_id, island_number
