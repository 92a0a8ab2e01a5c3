{#- ASCOF 2E(1), 2E(2a), 2E(2b) (statutory-method.md §3.3, DHSC method): one row per person in
    long-term support (any setting, Prison included) at any time in a covered financial year,
    with the person-level latest accommodation (inferred when unknown), PSR and the age at their
    latest long-term support in the year (capped at 31 March). Unknown ages stay here and are
    left out of every published figure. -#}
with

lts as (

    select *
    from {{ ref('int_statutory_events') }}
    where {{ is_long_term_support() }}

),

years as (

    select * from {{ ref('int_statutory_years') }}

),

persons as (

    select * from {{ ref('int_statutory_persons') }}

),

cohort as (

    select
        lts.la_code,
        years.fin_year,
        lts.person_id,
        max(
            case
                when lts.derived_end_date is null or lts.derived_end_date > years.period_end
                    then years.period_end
                else lts.derived_end_date
            end
        ) as age_date
    from lts
    inner join years
        on
            lts.la_code = years.la_code
            and lts.event_start_date <= years.period_end
            and (lts.derived_end_date >= years.period_start or lts.derived_end_date is null)
    group by lts.la_code, years.fin_year, lts.person_id

),

aged as (

    select
        cohort.*,
        persons.primary_support_reason,
        persons.accommodation_status,
        persons.is_settled_accommodation,
        persons.date_of_death,
        {{ person_age('cohort.age_date') }} as age
    from cohort
    inner join persons on {{ same_keys('cohort', 'persons') }}

)

select
    la_code,
    fin_year,
    person_id,
    age_date,
    age,
    {{ working_age_band('age') }} as age_group,
    primary_support_reason,
    accommodation_status,
    is_settled_accommodation
from aged
where
    (age is null or age >= 18)
    and {{ alive_on(fin_year_start('fin_year'), none) }}
