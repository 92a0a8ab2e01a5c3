{{ config(materialized="table") }}

{#- Every distinct coded value in the loaded extracts, mapped raw -> Release 2 -> group through
    the mappings in force (stg_reference__code_mappings: the council's own
    reference/code_mappings.csv over the shipped seed; case and punctuation ignored). A value
    neither knows fails the run (test `all_codes_mapped`), naming the field and value and the
    file to add it to, before any figure changes. -#}
{%- set fields = cld_coded_fields() -%}

with

mappings as (

    select
        field,
        r2_value,
        r2_group,
        release,
        sort_order,
        {{ normalise_code('raw_value') }} as match_key,
        mapping_source,
        local_file_name,
        local_row_number
    from {{ ref('stg_reference__code_mappings') }}

),

-- Each field's values counted per file, reading the loaded rows themselves: an import CTE read
-- by every field would be copied whole into memory first. The example's text is built once
-- per value and file, not once per row.
values_by_file as (

    {% for field in fields %}
        select
            '{{ field }}' as field,
            {{ field }} as raw_value,
            _file_name as file_name,
            count(*) as row_count,
            min(_row_number) as first_row
        from {{ source('cld', 'cld_events') }}
        where {{ field }} is not null
        group by {{ field }}, _file_name
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

raw_values as (

    select
        field,
        raw_value,
        cast(sum(row_count) as {{ dbt.type_bigint() }}) as row_count,
        min(
            file_name || ' row ' || cast(first_row as {{ dbt.type_string() }})
        ) as example
    from values_by_file
    group by field, raw_value

)

select
    raw_values.field,
    raw_values.raw_value,
    mappings.r2_value,
    mappings.r2_group,
    mappings.release,
    mappings.sort_order,
    mappings.r2_value is not null as is_mapped,
    mappings.mapping_source,
    mappings.local_file_name,
    mappings.local_row_number,
    raw_values.row_count,
    raw_values.example
from raw_values
left join mappings
    on
        raw_values.field = mappings.field
        and {{ normalise_code('raw_values.raw_value') }} = mappings.match_key
