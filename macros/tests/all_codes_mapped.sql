{#- Fails the run naming every coded value that the mappings in force do not know (the DHSC
    practice: stop, name the value, add it to the mapping, run again). The failing rows are
    the test's result; the message lists them, names the council's own mappings file to add
    them to (reference/code_mappings.csv in the landing folder, PRIMED_LANDING) and prints a
    ready line per value, mapping it to `Invalid and not mapped` until its Release 2 value is
    put in, with the field's Release 2 values to choose from. -#}
{% test all_codes_mapped(model, mappings=ref('stg_reference__code_mappings')) %}

{%- set unmapped_sql -%}
    select field, raw_value, row_count, example
    from {{ model }}
    where not is_mapped
    order by field, raw_value
{%- endset -%}

{%- if execute and flags.WHICH in ('test', 'build') -%}
    {%- set rows = run_query(unmapped_sql) -%}
    {%- if rows | length > 0 -%}
        {%- set fields = rows.columns[0].values() | unique | list -%}
        {%- set r2 = run_query(
            "select field, r2_value from " ~ mappings ~ " where release = 'R2' and field in ('"
            ~ (fields | join("', '")) ~ "') group by field, r2_value, sort_order"
            ~ " order by field, min(sort_order), r2_value"
        ) -%}
        {%- set landing = env_var('PRIMED_LANDING', '') -%}
        {%- set path = (landing.rstrip('/') ~ '/reference/code_mappings.csv') if landing
            else 'reference/code_mappings.csv in the landing folder' -%}
        {%- set items = [] -%}
        {%- set lines = [] -%}
        {%- for row in rows -%}
            {%- do items.append(row[0] ~ " '" ~ row[1] ~ "' (" ~ row[2] ~ " rows, e.g. " ~ row[3] ~ ")") -%}
            {%- set raw = row[1] -%}
            {%- if ',' in raw or '"' in raw or raw != raw.strip() -%}
                {%- set raw = '"' ~ raw.replace('"', '""') ~ '"' -%}
            {%- endif -%}
            {%- do lines.append(row[0] ~ ',' ~ raw ~ ',Invalid and not mapped,,,') -%}
        {%- endfor -%}
        {%- set choices = [] -%}
        {%- for field in fields -%}
            {%- set values = [] -%}
            {%- for r in r2.rows if r[0] == field -%}
                {#- As it goes in the third column: quoted when it holds a comma. -#}
                {%- do values.append(('"' ~ r[1] ~ '"') if ',' in r[1] else r[1]) -%}
            {%- endfor -%}
            {%- do choices.append(field ~ ": " ~ (values | join(' | '))) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "New unmapped value(s): " ~ (items | join('; ')) ~ ".\n"
            ~ "Add a line for each to " ~ path ~ " (the council's own code mappings: a row there"
            ~ " wins over seeds/code_mappings.csv; a new file starts with the line"
            ~ " field,raw_value,r2_value,r2_group,release,sort_order) and run again."
            ~ " Lines to paste (each counts the value as Invalid and not mapped until you put its"
            ~ " Release 2 value in the third column):\n"
            ~ (lines | join('\n')) ~ "\n"
            ~ "Release 2 values: " ~ (choices | join('; '))
        ) }}
    {%- endif -%}
{%- endif -%}

{{ unmapped_sql }}

{% endtest %}
