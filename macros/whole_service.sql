{#- The whole service in the standard reports (reports_sql/README.md): team_code `ALL`, named
    `Whole service`, team type `Service`; its counts and amounts are the sums of the teams'. -#}

{#- The name a report shows for a team code: the team's own (`team_name`, from dim_team),
    `Whole service` for `ALL`, else the code itself. -#}
{% macro team_or_service_name(team_name, team_code) -%}
    coalesce({{ team_name }}, case when {{ team_code }} = 'ALL' then 'Whole service' end, {{ team_code }})
{%- endmacro %}

{#- The rows of `relation` (its `columns`, in that order) and after them the whole service's:
    one row per value of `group_by` (the columns besides the team, e.g. the month) with
    team_code `ALL`, team_name `Whole service`, team_type `Service`, each of `counts` summed
    as a bigint and each of `amounts` summed, and the latest data_date. Each column is one of
    these. -#}
{% macro with_whole_service(relation, columns, group_by, counts=[], amounts=[]) %}
    {%- set service = [] -%}
    {%- for column in columns -%}
        {%- if column == 'team_code' -%}
            {%- do service.append("'ALL' as team_code") -%}
        {%- elif column == 'team_name' -%}
            {%- do service.append("'Whole service' as team_name") -%}
        {%- elif column == 'team_type' -%}
            {%- do service.append("'Service' as team_type") -%}
        {%- elif column == 'data_date' -%}
            {%- do service.append('max(data_date) as data_date') -%}
        {%- elif column in group_by -%}
            {%- do service.append(column) -%}
        {%- elif column in counts -%}
            {%- do service.append('cast(sum(' ~ column ~ ') as ' ~ dbt.type_bigint() ~ ') as ' ~ column) -%}
        {%- elif column in amounts -%}
            {%- do service.append('sum(' ~ column ~ ') as ' ~ column) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("with_whole_service: how to add up " ~ column ~ "?") }}
        {%- endif -%}
    {%- endfor %}
    select
        {{ columns | join(',\n        ') }}
    from {{ relation }}
    union all
    select
        {{ service | join(',\n        ') }}
    from {{ relation }}
    group by {{ group_by | join(', ') }}
{% endmacro %}
