{#- SALT LTS001b: people in long-term support on 31 March, by financial year, age band,
    primary support reason and support setting / delivery mechanism, with the carer, gender
    and ethnicity splits of SALT tables 2 and 3 (sum over the other columns to get each table)
    (int_salt_lts001_people; cld.md §1.6). -#}
select
    la_code,
    fin_year,
    age_date as snapshot_date,
    age_band,
    primary_support_reason,
    support_setting,
    has_unpaid_carer,
    gender,
    ethnicity,
    count(*) as people
from {{ ref('int_salt_lts001_people') }}
where salt_table = 'LTS001b' and age_band in ('18 to 64', '65 and above')
group by
    la_code, fin_year, age_date, age_band, primary_support_reason, support_setting,
    has_unpaid_carer, gender, ethnicity
