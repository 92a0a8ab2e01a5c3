{#- Each whole-service row (team_code `ALL`) holds the sums of the teams' rows of its
    `group_by` group, for each of `columns` (within a millionth, for amounts), and every group
    with team rows has one. Rows returned are the groups where they differ. -#}
{% test whole_service_is_sum_of_teams(model, group_by, columns) %}
    {%- set keys = group_by | join(', ') -%}
    {%- set sums = [] -%}
    {%- set joined = [] -%}
    {%- set differs = [] -%}
    {%- for column in columns -%}
        {%- do sums.append('sum(' ~ column ~ ') as ' ~ column) -%}
        {%- do differs.append(
            'abs(coalesce(teams.' ~ column ~ ', 0) - coalesce(service.' ~ column ~ ', 0))'
            ~ ' > 0.000001 * (1 + abs(coalesce(teams.' ~ column ~ ', 0)))'
        ) -%}
    {%- endfor -%}
    {%- for key in group_by -%}
        {%- do joined.append('teams.' ~ key ~ ' = service.' ~ key) -%}
    {%- endfor %}
    with

    teams as (

        select
            {{ keys }},
            {{ sums | join(', ') }}
        from {{ model }}
        where team_code <> 'ALL'
        group by {{ keys }}

    ),

    service as (

        select
            {{ keys }},
            {{ columns | join(', ') }}
        from {{ model }}
        where team_code = 'ALL'

    )

    select teams.*
    from teams
    left join service on {{ joined | join(' and ') }}
    where
        service.{{ group_by[0] }} is null
        or {{ differs | join(' or ') }}
{% endtest %}
