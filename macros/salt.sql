{#- A SALT LTS001 table from int_salt_lts001_people: people counted by financial year, age band
    (18 to 64, 65 and above), primary support reason and support setting, plus `extra`
    columns (LTS001b's carer, gender and ethnicity splits). -#}
{% macro salt_lts001_table(salt_table, extra=[]) -%}
    {%- set columns = ['age_band', 'primary_support_reason', 'support_setting'] + extra -%}
select
    la_code,
    fin_year,
    age_date as snapshot_date,
    {{ columns | join(',\n    ') }},
    count(*) as people
from {{ ref('int_salt_lts001_people') }}
where salt_table = '{{ salt_table }}' and age_band in ('18 to 64', '65 and above')
group by
    la_code, fin_year, age_date, {{ columns | join(', ') }}
{%- endmacro %}
