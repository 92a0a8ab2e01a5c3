{#- SALT LTS001a/b/c (statutory-method.md §4.3, NHSE method on the DHSC joined table): one row
    per person per table and covered year, in their top support setting (the 9 ranks of 3D,
    but a direct payment only by delivery mechanism, as NHSE does for LTS001).
    * LTS001a: long-term support at any time in the year;
    * LTS001b: long-term support on 31 March (a service ending that day counts);
    * LTS001c: on 31 March, in a chain of long-term support (any setting) that started before
      31 March a year earlier. NHS England's chain (the default): a service joins when the
      previous one (in start, end order) ended at most a day before it started, and the chain
      must start strictly before the date a year earlier. Vars: salt_lts001c_chain:
      running_max joins on the latest end of all earlier services (an overlapping longer
      service bridges a gap); salt_lts001c_boundary: on_or_before (NHS England's PDF).
    Age at 31 March; people without a birth year and month are left out (NHSE). Person
    attributes (PSR, carer, gender, ethnicity) are the person-level latest values. -#}
{%- if var('salt_lts001c_chain') not in ('previous_row', 'running_max') -%}
    {{ exceptions.raise_compiler_error("var salt_lts001c_chain must be previous_row or running_max") }}
{%- endif -%}
{%- if var('salt_lts001c_boundary') not in ('before', 'on_or_before') -%}
    {{ exceptions.raise_compiler_error("var salt_lts001c_boundary must be before or on_or_before") }}
{%- endif %}
with

years as (

    select * from {{ ref('int_statutory_years') }}

),

persons as (

    select * from {{ ref('int_statutory_persons') }}

),

lts as (

    select
        *,
        coalesce(derived_end_date, {{ open_end_date() }}) as end_sort,
        {{ lts_setting_rank('service_type', 'delivery_mechanism') }} as setting_rank
    from {{ ref('int_statutory_events') }}
    where {{ is_long_term_support() }}

),

chained as (

    {{ numbered_clusters('lts', 1, 'chain_number', previous=var('salt_lts001c_chain')) }}

),

with_chain_start as (

    select
        *,
        min(event_start_date) over (partition by la_code, person_id, chain_number)
            as chain_start
    from chained

),

{#- The three tables differ only in which services count: active in the year (a), open on
    31 March (b), and open on 31 March in a chain that started a year or more before (c). -#}
{%- set salt_tables = {
    'LTS001a': 'lts.end_sort >= years.period_start',
    'LTS001b': 'lts.end_sort >= years.period_end',
    'LTS001c': 'lts.end_sort >= years.period_end and lts.chain_start '
        ~ ('<=' if var('salt_lts001c_boundary') == 'on_or_before' else '<') ~ ' cast('
        ~ dbt.dateadd('year', -1, 'years.period_end') ~ ' as date)',
} %}

table_rows as (

    {%- for salt_table, condition in salt_tables.items() %}
        select
            '{{ salt_table }}' as salt_table,
            years.la_code,
            years.fin_year,
            years.period_start,
            years.period_end,
            lts.person_id,
            lts.setting_rank
        from with_chain_start as lts
        inner join years
            on
                lts.la_code = years.la_code
                and lts.event_start_date <= years.period_end
                and {{ condition }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

people as (

    select
        salt_table,
        la_code,
        fin_year,
        period_start,
        period_end,
        person_id,
        min(setting_rank) as setting_rank
    from table_rows
    group by salt_table, la_code, fin_year, period_start, period_end, person_id

)

select
    people.salt_table,
    people.la_code,
    people.fin_year,
    people.period_end as age_date,
    people.person_id,
    {{ person_age('people.period_end') }} as age,
    {{ working_age_band(person_age('people.period_end')) }} as age_band,
    people.setting_rank,
    case people.setting_rank
        when 1 then 'Nursing care'
        when 2 then 'Residential care'
        when 3 then 'Community: Direct payment'
        when 4 then 'Community: CASSR managed personal budget'
        when 5 then 'Community: CASSR commissioned support'
        when 6 then 'Community: Delivery mechanism unknown'
        when 7 then 'Prison: CASSR managed personal budget'
        when 8 then 'Prison: CASSR commissioned support'
        else 'Prison: Delivery mechanism unknown'
    end as support_setting,
    coalesce(persons.primary_support_reason, 'Unknown') as primary_support_reason,
    coalesce(persons.has_unpaid_carer, 'Unknown') as has_unpaid_carer,
    coalesce(persons.gender, 'Unknown') as gender,
    coalesce(persons.ethnicity, 'No data: Undeclared or not known') as ethnicity
from people
inner join persons on {{ same_keys('people', 'persons') }}
where
    {{ has_proxy_dob() }}
    and {{ alive_on("case when people.salt_table = 'LTS001a' then people.period_start else people.period_end end") }}
