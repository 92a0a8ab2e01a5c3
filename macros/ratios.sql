{#- Ratios of the marts, each written once (measures.md). -#}

{#- numerator / denominator as a 64-bit float; empty when the denominator is zero or empty. -#}
{% macro ratio(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif({{ denominator }}, 0))
{%- endmacro %}

{#- Front door (measures.md): conversion rate = referred / completed requests. -#}
{% macro conversion_rate(referred, completed) -%}
    {{ ratio(referred, completed) }}
{%- endmacro %}

{#- Completed work (measures.md): completed per FTE = completed / FTE (team or worker). -#}
{% macro per_fte(completed, fte) -%}
    {{ ratio(completed, fte) }}
{%- endmacro %}

{#- Completed work (measures.md): on time / completed with a due date (an item with no due date
    is neither on time nor late). -#}
{% macro on_time_share(on_time, with_due_date) -%}
    {{ ratio(on_time, with_due_date) }}
{%- endmacro %}
