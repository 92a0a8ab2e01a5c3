{#- After a table is built: the planner's statistics of it. PostgreSQL plans a model's joins
    from the statistics of the tables it reads; a table just created has none until autovacuum
    comes by, and a join planned blind can turn into a nested loop over every row (one
    intermediate model took 84 s at the demo's size instead of under a second). DuckDB and
    Spark need nothing. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'primed')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}analyze {{ this }}{%- endif -%}
{%- endmacro %}
