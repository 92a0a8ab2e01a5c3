{#- SALT tables count adults only (NHS England's SALT returns; cld.md §1.6): the age bands of
    working_age_band they keep. -#}
{% macro salt_adult_age_bands() -%}
    ('18 to 64', '65 and above')
{%- endmacro %}

{#- A SALT short-term support table (STS001, STS002a) from its intermediate model: the adults of
    `relation` counted, as `count_as`, by LA, financial year and `columns`. -#}
{% macro salt_sts_table(relation, columns, count_as) -%}
select
    la_code,
    fin_year,
    {{ columns | join(',\n    ') }},
    count(*) as {{ count_as }}
from {{ relation }}
where age_band in {{ salt_adult_age_bands() }}
group by la_code, fin_year, {{ columns | join(', ') }}
{%- endmacro %}

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
where salt_table = '{{ salt_table }}' and age_band in {{ salt_adult_age_bands() }}
group by
    la_code, fin_year, age_date, {{ columns | join(', ') }}
{%- endmacro %}
