{#- ASCOF 2B (18-64) and 2C (65+) (statutory-method.md §3.2, DHSC method): one row per person
    newly admitted to long-term residential or nursing care in a covered financial year, with
    the age band of their first new admission (18 to 64 wins when both). New = no residential
    or nursing placement that started earlier and was open, or ended under 365 days before.
    A residential/nursing row with no Service Component is dropped, as DHSC's code does (its
    comment says it meant to keep it); var ascof_2b2c_keep_null_component: true keeps it, as an
    admission and in the 365-day look-back (docs/statutory-measures.md). -#}
with

placements as (

    select *
    from {{ ref('int_statutory_events') }}
    where
        event_type = 'Service'
        and client_type = 'Service user'
        and service_type in ('Long term support: Residential care', 'Long term support: Nursing care')
        and (
            {% if var('ascof_2b2c_keep_null_component') -%}
                service_component is null or
            {%- endif %}
            (
                (
                    lower(service_component) like '%residential%'
                    or lower(service_component) like '%nursing%'
                )
                and lower(service_component) not like '%short%'
            )
        )

),

persons as (

    select * from {{ ref('int_statutory_persons') }}

),

years as (

    select * from {{ ref('int_statutory_years') }}

),

admissions as (

    select distinct
        placements.la_code,
        years.fin_year,
        years.period_start,
        placements.person_id,
        placements.event_start_date as admission_date
    from placements
    inner join years
        on {{ in_statutory_year('placements', 'event_start_date') }}
    where
        placements.event_outcome is null
        or placements.event_outcome <> 'NFA: Self-funded client or under 12wk disregard'

),

new_admissions as (

    select
        admissions.*,
        {{ person_age('admissions.admission_date') }} as age
    from admissions
    inner join persons on {{ same_keys('admissions', 'persons') }}
    where
        {{ has_proxy_dob() }}
        and {{ alive_on('admissions.period_start') }}
        and not exists (
            select 1
            from placements as earlier
            where
                {{ same_keys('earlier', 'admissions') }}
                and earlier.event_start_date < admissions.admission_date
                and (
                    earlier.derived_end_date is null
                    or {{ dbt.datediff('earlier.derived_end_date', 'admissions.admission_date', 'day') }} < 365
                )
        )

)

select
    la_code,
    fin_year,
    person_id,
    min(admission_date) as first_admission_date,
    min({{ working_age_band('age') }}) as age_group
from new_admissions
where age >= 18
group by la_code, fin_year, person_id
