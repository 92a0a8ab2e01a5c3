{#- Arrays: DuckDB and PostgreSQL count from 1 and unnest; Spark counts from 0 and explodes. -#}

{#- The first element of an array (NULL when it is empty). -#}
{% macro array_first(array) -%}
    {{ return(adapter.dispatch('array_first', 'primed')(array)) }}
{%- endmacro %}

{% macro default__array_first(array) -%}
    {{ array }}[1]
{%- endmacro %}

{% macro spark__array_first(array) -%}
    element_at({{ array }}, 1)
{%- endmacro %}

{#- One row per element, in a select list (no row for an empty or NULL array). -#}
{% macro unnest_array(array) -%}
    {{ return(adapter.dispatch('unnest_array', 'primed')(array)) }}
{%- endmacro %}

{% macro default__unnest_array(array) -%}
    unnest({{ array }})
{%- endmacro %}

{% macro spark__unnest_array(array) -%}
    explode({{ array }})
{%- endmacro %}
