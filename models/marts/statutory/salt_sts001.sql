{#- SALT STS001: requests for support from new clients (adults), by financial year, route of
    access, age band and sequel (int_salt_sts001_requests; cld.md §1.6). -#}
select
    la_code,
    fin_year,
    route_of_access,
    age_band,
    sequel,
    count(*) as requests
from {{ ref('int_salt_sts001_requests') }}
where age_band in ('18 to 64', '65 and above')
group by la_code, fin_year, route_of_access, age_band, sequel
