{#- SALT LTS001a: people accessing long-term support during the year, by financial year, age band, primary support reason and support
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
where salt_table = 'LTS001a' and age_band in ('18 to 64', '65 and above')
group by
    la_code, fin_year, age_date, age_band, primary_support_reason, support_setting
