{#- SALT STS001: requests for support from new clients (adults), by financial year, route of
    access, age band and sequel (int_salt_sts001_requests; cld.md §1.6). -#}
{{ salt_sts_table(ref('int_salt_sts001_requests'), ['route_of_access', 'age_band', 'sequel'], 'requests') }}
