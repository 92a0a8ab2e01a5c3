{#- Reference files are snapshots: the most recently loaded version is the current one. -#}
{% macro latest_file_rows(relation) -%}
    select * from {{ relation }}
    where _file_id = (select max(_file_id) from {{ relation }})
{%- endmacro %}
