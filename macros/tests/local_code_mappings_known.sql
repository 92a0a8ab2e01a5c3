{#- The council's own code mappings (reference/code_mappings.csv) must map each raw value to a
    Release 2 value of its field, or to `Invalid and not mapped`: anything else would reach the
    facts and the statutory returns as an unknown code. Fails naming each file, row and value.
    `model` is the merged mappings (stg_reference__code_mappings). -#}
{% test local_code_mappings_known(model, shipped=ref('code_mappings')) %}

{%- set wrong_sql -%}
    select
        local_mappings.local_file_name,
        local_mappings.local_row_number,
        local_mappings.field,
        local_mappings.r2_value
    from {{ model }} as local_mappings
    where
        local_mappings.mapping_source = 'local'
        and local_mappings.r2_value <> 'Invalid and not mapped'
        and not exists (
            select 1
            from {{ shipped }} as shipped
            where
                shipped.release = 'R2'
                and shipped.field = local_mappings.field
                and shipped.r2_value = local_mappings.r2_value
        )
{%- endset -%}

{%- if execute and flags.WHICH in ('test', 'build') -%}
    {%- set rows = run_query(wrong_sql ~ " order by 1, 2") -%}
    {%- if rows | length > 0 -%}
        {%- set items = [] -%}
        {%- for row in rows -%}
            {%- do items.append(row[0] ~ " row " ~ row[1] ~ ": " ~ row[2] ~ " '" ~ row[3] ~ "'") -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "Not a Release 2 value of its field in the council's own code mappings: "
            ~ (items | join('; '))
            ~ ". Use one of the field's Release 2 values (the r2_value of its R2 rows in"
            ~ " seeds/code_mappings.csv), or Invalid and not mapped, and run again."
        ) }}
    {%- endif -%}
{%- endif -%}

{{ wrong_sql }}

{% endtest %}
