{#- SALT STS002a: what followed ST-Max for new clients (adults), by financial year, age band
    and sequel (int_salt_sts002a_episodes; cld.md §1.6). -#}
select
    la_code,
    fin_year,
    age_band,
    sequel,
    count(*) as episodes
from {{ ref('int_salt_sts002a_episodes') }}
where age_band in ('18 to 64', '65 and above')
group by la_code, fin_year, age_band, sequel
