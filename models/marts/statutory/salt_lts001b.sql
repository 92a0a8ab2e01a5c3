{#- SALT LTS001b: people in long-term support on 31 March, by financial year, age band,
    primary support reason and support setting / delivery mechanism, with the carer, gender
    and ethnicity splits of SALT tables 2 and 3 (sum over the other columns to get each table)
    (int_salt_lts001_people; cld.md §1.6). -#}
{{ salt_lts001_table('LTS001b', ['has_unpaid_carer', 'gender', 'ethnicity']) }}
