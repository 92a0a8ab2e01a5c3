{#- SALT LTS001c: people in long-term support on 31 March who have been for more than 12 months (continuous chain starting on or before 31 March a year earlier), by financial year, age band, primary support reason and support
    setting / delivery mechanism (int_salt_lts001_people; cld.md §1.6). -#}
{{ salt_lts001_table('LTS001c') }}
