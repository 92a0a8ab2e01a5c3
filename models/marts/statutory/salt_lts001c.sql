{#- SALT LTS001c: people in long-term support on 31 March who have been for more than 12 months (continuous chain starting on or before 31 March a year earlier), by financial year, age band, primary support reason and support
    setting / delivery mechanism (int_salt_lts001_people; cld.md §1.6). -#}
select
    la_code,
    fin_year,
    age_date as snapshot_date,
    age_band,
    primary_support_reason,
    support_setting,
    count(*) as people
from {{ ref('int_salt_lts001_people') }}
where salt_table = 'LTS001c' and age_band in ('18 to 64', '65 and above')
group by
    la_code, fin_year, age_date, age_band, primary_support_reason, support_setting
