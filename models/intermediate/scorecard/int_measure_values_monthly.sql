{#- Every catalogue measure's monthly value, per team and for the whole service (`ALL`), in
    one long table; and per worker (worker_id filled) for each measure whose columns the
    by-whom mart rpt_worker_workload_monthly also carries, read from it (worker targets). The
    SQL is generated from seeds/measure_catalogue.csv when the model runs, so a new measure on
    an existing mart is a seed row. Each source mart must be listed below so that dbt builds
    it first. -#}
-- depends_on: {{ ref('measure_catalogue') }}
-- depends_on: {{ ref('rpt_front_door_monthly') }}
-- depends_on: {{ ref('rpt_team_completed_monthly') }}
-- depends_on: {{ ref('rpt_team_workload_monthly') }}
-- depends_on: {{ ref('rpt_reviewed_12m_monthly') }}
-- depends_on: {{ ref('rpt_placement_spend_monthly') }}
-- depends_on: {{ ref('rpt_worker_workload_monthly') }}

{%- set measures = [] -%}
{%- set by_worker = ref('rpt_worker_workload_monthly') -%}
{%- if execute -%}
    {%- set worker_columns = adapter.get_columns_in_relation(by_worker) | map(attribute='name') | list -%}
    {%- set catalogue = run_query(
        "select measure_code, source_mart, month_column, value_column, numerator_column, "
        ~ "denominator_column from " ~ ref('measure_catalogue') ~ " order by measure_code"
    ) -%}
    {%- for row in catalogue.rows -%}
        {%- set relation = ref(row[1]) -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- set needed = [row[2], row[3], row[4], row[5]] | select | list -%}
        {%- do measures.append({
            'code': row[0], 'relation': relation, 'month': row[2], 'value': row[3],
            'numerator': row[4], 'denominator': row[5], 'has_team': 'team_code' in columns,
            'has_worker': needed | reject('in', worker_columns) | list | length == 0
        }) -%}
    {%- endfor -%}
{%- endif -%}



{% if measures | length == 0 %}
    select
        cast(null as {{ dbt.type_string() }}) as measure_code,
        cast(null as {{ dbt.type_string() }}) as team_code,
        cast(null as {{ dbt.type_string() }}) as worker_id,
        cast(null as date) as month,
        cast(null as {{ type_double() }}) as value,
        cast(null as {{ type_double() }}) as numerator,
        cast(null as {{ type_double() }}) as denominator
    where false
{% else %}
    {% for m in measures %}
        {% for level in (['team', 'ALL'] if m.has_team else ['ALL']) + (['worker'] if m.has_worker else []) %}
            select
                '{{ m.code }}' as measure_code,
                {{ "'ALL'" if level == 'ALL' else 'team_code' }} as team_code,
                {{ 'worker_id' if level == 'worker' else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as worker_id,
                {{ month_start(m.month) }} as month,
                {{ sum_as_double(m.value) }} as value,
                {{ sum_as_double(m.numerator) }} as numerator,
                {{ sum_as_double(m.denominator) }} as denominator
            from {{ by_worker if level == 'worker' else m.relation }}
            {% if level == 'worker' %}where worker_id is not null{% endif %}
            group by 1, 2, 3, 4
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endif %}
