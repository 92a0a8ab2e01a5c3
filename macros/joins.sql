{#- A join condition: the rows of `left` and `right` (aliases) that agree on every one of `keys`:
    by default a person (la_code and person_id); an episode adds its number (and year), a
    team mart's figures meet their team (or worker) and month. -#}
{% macro same_keys(left, right, keys=['la_code', 'person_id']) -%}
    ({%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%})
{%- endmacro %}
