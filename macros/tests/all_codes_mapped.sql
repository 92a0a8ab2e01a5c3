{#- Fails the run naming every coded value that the mapping seed does not know (the DHSC
    practice: stop, name the value, add it to the mapping, run again). The failing rows are
    the test's result; the message lists them so that nobody has to go looking. -#}
{% test all_codes_mapped(model, seed_name='seeds/code_mappings.csv') %}

{%- set unmapped_sql -%}
    select field, raw_value, row_count, example
    from {{ model }}
    where not is_mapped
    order by field, raw_value
{%- endset -%}

{%- if execute and flags.WHICH in ('test', 'build') -%}
    {%- set rows = run_query(unmapped_sql) -%}
    {%- if rows | length > 0 -%}
        {%- set items = [] -%}
        {%- for row in rows -%}
            {%- do items.append(row[0] ~ " '" ~ row[1] ~ "' (" ~ row[2] ~ " rows, e.g. " ~ row[3] ~ ")") -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "New unmapped value(s): " ~ (items | join('; '))
            ~ ". Add each to " ~ seed_name ~ " (raw_value -> r2_value -> r2_group) and run again."
        ) }}
    {%- endif -%}
{%- endif -%}

{{ unmapped_sql }}

{% endtest %}
