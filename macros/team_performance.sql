{#- Generic tests for the team-performance marts. -#}

{#- Shares (`column_name`) add up to 1 within each group of `group_by` columns. -#}
{% test shares_sum_to_one(model, column_name, group_by) %}
select {{ group_by | join(', ') }}, sum({{ column_name }}) as total_share
from {{ model }}
group by {{ group_by | join(', ') }}
having abs(sum({{ column_name }}) - 1) > 0.000001
{% endtest %}

{#- Every row satisfies `condition` (a SQL boolean expression on the model's columns); a row
    where it is false or unknown fails. -#}
{% test every_row_satisfies(model, condition) %}
select *
from {{ model }}
where not coalesce({{ condition }}, false)
{% endtest %}
