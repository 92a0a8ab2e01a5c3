{#- Spark reads the raw layer from Parquet (ingestion writes it: pipeline/ingest/raw_parquet.py): each
    raw source `raw.<table>` becomes a view over the folder `<root>/<table less any leading _>`
    (Spark skips paths that start with one), whose `_file_id=N`
    subfolders (one loaded file each) Spark reads back as the `_file_id` column. Run before
    every dbt command on Spark (on-run-start); `root` is PRIMED_RAW_PARQUET, and nothing is done
    when it is unset (raw tables kept in the metastore some other way) or on another engine.
    This is the one place that maps sources to Parquet. -#}
{% macro register_raw_parquet(root=env_var('PRIMED_RAW_PARQUET', '')) -%}
    {{ return(adapter.dispatch('register_raw_parquet', 'primed')(root)) }}
{%- endmacro %}

{% macro default__register_raw_parquet(root) -%}
{%- endmacro %}

{% macro spark__register_raw_parquet(root) -%}
    {%- if execute and root -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' -%}
            {%- set location = root.rstrip('/') ~ '/' ~ source.identifier.lstrip('_') -%}
            {%- do run_query(
                'create or replace view raw.' ~ source.identifier
                ~ ' as select * from parquet.`' ~ location ~ '`'
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
