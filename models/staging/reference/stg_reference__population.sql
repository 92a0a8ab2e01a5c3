with

population as (

    {{ latest_file_rows(source('reference', 'ref_population')) }}

)

select
    la_code,
    cast(year as integer) as population_year,
    trim(age_band) as age_band,
    population
from population
