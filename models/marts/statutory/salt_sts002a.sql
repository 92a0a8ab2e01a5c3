{#- SALT STS002a: what followed ST-Max for new clients (adults), by financial year, age band
    and sequel (int_salt_sts002a_episodes; cld.md §1.6). -#}
{{ salt_sts_table(ref('int_salt_sts002a_episodes'), ['age_band', 'sequel'], 'episodes') }}
