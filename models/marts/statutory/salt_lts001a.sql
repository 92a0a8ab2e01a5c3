{#- SALT LTS001a: people accessing long-term support during the year, by financial year, age band, primary support reason and support
    setting / delivery mechanism (int_salt_lts001_people; cld.md §1.6). -#}
{{ salt_lts001_table('LTS001a') }}
