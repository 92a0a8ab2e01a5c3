{#- Staging by file (stg_cld__events): an incremental model with the config `staged_version`
    (the name of a macro giving the SQL of one value: what its rows depend on besides their raw
    row) keeps that value in its column `staged_version`. A run stages only new files; when the
    value has changed, or the table has no such column, the model is rebuilt whole, as with
    --full-refresh. Rebuilding is one write of every row; restaging them all in place would
    cost a delete and two writes. -#}
{% macro should_full_refresh() %}
    {%- set full = dbt.should_full_refresh() -%}
    {%- set version_macro = config.get('staged_version') -%}
    {%- if full or not execute or not version_macro -%}
        {{ return(full) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if existing is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
    {%- if 'staged_version' not in columns -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set stale = run_query(
        "select count(*) from (select distinct staged_version from " ~ existing ~ ") as staged "
        ~ "where staged_version <> (" ~ context[version_macro]() ~ ")"
    ) -%}
    {{ return(stale.columns[0].values()[0] > 0) }}
{% endmacro %}

{#- What stg_cld__events' rows depend on besides their raw row: its own SQL, the coded fields,
    and the code mappings in force (the shipped seed and the council's own file). -#}
{% macro cld_staged_version() -%}
    select
        md5(
            '{{ local_md5(model.raw_code ~ cld_coded_fields() | join(",")) }}|'
            || coalesce({{ dbt.listagg(
                "field || '|' || coalesce(match_key, '') || '|' || coalesce(r2_value, '') || '|'"
                ~ " || coalesce(r2_group, '') || '|' || coalesce(release, '') || '|'"
                ~ " || coalesce(cast(sort_order as " ~ dbt.type_string() ~ "), '')",
                "'/'",
                "order by field, match_key, r2_value, r2_group, release, sort_order",
            ) }}, '')
        ) as staged_version
    from {{ ref('stg_reference__code_mappings') }}
{%- endmacro %}
