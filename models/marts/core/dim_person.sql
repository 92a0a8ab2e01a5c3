{#- People, pseudonymously: birth year and month, age band at the data date, and the latest
    known gender, ethnicity, primary support reason and client type. No personal data. -#}
with

persons as (

    select * from {{ ref('int_persons') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

aged as (

    select
        persons.*,
        {{ age_at('persons.birth_year', 'persons.birth_month', 'dates.data_date') }}
            as age_at_data_date
    from persons
    cross join dates

)

select
    person_id,
    la_code,
    birth_year,
    birth_month,
    age_at_data_date,
    {{ age_band('age_at_data_date') }} as age_band,
    {{ working_age_band('age_at_data_date') }} as working_age_band,
    gender,
    ethnicity,
    ethnicity_group,
    primary_support_reason,
    primary_support_reason_group,
    client_type,
    {{ month_start('date_of_death') }} as death_month
from aged
