{#- ASCOF 3D(1a) and 3D(2a) (statutory-method.md §3.4, DHSC method): one row per person in
    long-term support on 31 March of a covered financial year (a service ending that day counts),
    with their top setting: Nursing 1, Residential 2, Community by delivery mechanism 3-6
    (direct payment, managed personal budget, commissioned, unknown), Prison 7-9. A direct
    payment is found by delivery mechanism or by service component. -#}
with

years as (

    select * from {{ ref('int_statutory_years') }}

),

persons as (

    select * from {{ ref('int_statutory_persons') }}

),

snapshot as (

    select
        events.la_code,
        years.fin_year,
        years.period_end,
        events.person_id,
        events.service_type,
        case
            when events.service_component = 'Direct payment' then 'Direct payment'
            else events.delivery_mechanism
        end as mechanism
    from {{ ref('int_statutory_events') }} as events
    inner join years
        on
            events.la_code = years.la_code
            and events.event_start_date <= years.period_end
            and (events.derived_end_date >= years.period_end or events.derived_end_date is null)
    where {{ is_long_term_support('events') }}

),

ranked as (

    select
        la_code,
        fin_year,
        period_end,
        person_id,
        {{ lts_setting_rank('service_type', 'mechanism') }} as setting_rank
    from snapshot

),

people as (

    select
        la_code,
        fin_year,
        period_end,
        person_id,
        min(setting_rank) as setting_rank
    from ranked
    group by la_code, fin_year, period_end, person_id

),

aged as (

    select
        people.*,
        {{ person_age('people.period_end') }} as age
    from people
    inner join persons on {{ same_keys('people', 'persons') }}
    where {{ alive_on('people.period_end') }}

)

select
    la_code,
    fin_year,
    person_id,
    age,
    {{ working_age_band('age') }} as age_group,
    setting_rank,
    case
        when setting_rank = 1 then 'Nursing care'
        when setting_rank = 2 then 'Residential care'
        when setting_rank between 3 and 6 then 'Community'
        else 'Prison'
    end as setting,
    setting_rank between 3 and 6 as is_in_denominator,
    setting_rank in (3, 4) as is_self_directed,
    setting_rank = 3 as has_direct_payment
from aged
where age is null or age >= 18
