{#- ASCOF measures derived from CLD (cld.md §1.7; statutory-method.md §3), one row per LA,
    covered financial year and measure, with the publication rules of cld.md §1.4: a numerator
    or denominator under 5 suppresses both (and the value); the value is computed on the
    unrounded counts and rounded once, to 1 dp half away from zero. 2B/2C are per 100,000 of
    the ONS mid-year population of the year the financial year starts in (mid-2024 for
    2024-25); the others are percentages. -#}
with

years as (

    select * from {{ ref('int_statutory_years') }}

),

measures as (

    {% set measure_list = [
        ('2A', 'Reablement for new clients with no further request for ongoing support', 'percent', 1),
        ('2B', 'New admissions to residential and nursing care, aged 18 to 64, per 100,000', 'per 100,000', 2),
        ('2C', 'New admissions to residential and nursing care, aged 65 and over, per 100,000', 'per 100,000', 3),
        ('2E(1)', 'Adults with a learning disability in long-term support living at home or with family', 'percent', 4),
        ('2E(2a)', 'People aged 18 to 64 in long-term support living at home or with family', 'percent', 5),
        ('2E(2b)', 'People aged 65 and over in long-term support living at home or with family', 'percent', 6),
        ('3D(1a)', 'People in community long-term support receiving self-directed support', 'percent', 7),
        ('3D(2a)', 'People in community long-term support receiving direct payments', 'percent', 8),
    ] %}
    {% for code, name, unit, sort in measure_list %}
        select
            '{{ code }}' as measure,
            '{{ name }}' as measure_name,
            '{{ unit }}' as unit,
            {{ sort }} as sort_order
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

{#- The percentages: people (or 2A's episodes) in the denominator of an intermediate model,
    and those of them in the numerator. 2A counts every cluster of int_ascof_2a_clusters whose
    final outcome is in its denominator (its numerator outcomes are a part of them). -#}
{%- set proportions = [
    ('2A', 'int_ascof_2a_clusters', 'is_in_denominator', 'is_in_numerator'),
    ('2E(1)', 'int_ascof_2e_people', "age_group = '18 to 64' and primary_support_reason = 'Learning disability support'", 'is_settled_accommodation'),
    ('2E(2a)', 'int_ascof_2e_people', "age_group = '18 to 64'", 'is_settled_accommodation'),
    ('2E(2b)', 'int_ascof_2e_people', "age_group = '65 and above'", 'is_settled_accommodation'),
    ('3D(1a)', 'int_ascof_3d_people', 'is_in_denominator', 'is_self_directed'),
    ('3D(2a)', 'int_ascof_3d_people', 'is_in_denominator', 'has_direct_payment'),
] %}

admissions as (

    select
        admissions.la_code,
        admissions.fin_year,
        case when admissions.age_group = '18 to 64' then '2B' else '2C' end as measure,
        count(*) as numerator
    from {{ ref('int_ascof_2b2c_admissions') }} as admissions
    group by admissions.la_code, admissions.fin_year, admissions.age_group

),

population as (

    select
        years.la_code,
        years.fin_year,
        case when population.age_band = '18-64' then '2B' else '2C' end as measure,
        population.population as denominator
    from years
    inner join {{ ref('stg_reference__population') }} as population
        on
            years.la_code = population.la_code
            and cast(extract(year from years.period_start) as integer)
            = population.population_year
    where population.age_band in ('18-64', '65+')

),

counts as (

    {% for code, model, in_denominator, in_numerator in proportions %}
        select
            la_code,
            fin_year,
            '{{ code }}' as measure,
            count(case when {{ in_numerator }} then 1 end) as numerator,
            count(*) as denominator
        from {{ ref(model) }}
        where {{ in_denominator }}
        group by la_code, fin_year
        union all
    {% endfor %}
    select
        coalesce(population.la_code, admissions.la_code) as la_code,
        coalesce(population.fin_year, admissions.fin_year) as fin_year,
        coalesce(population.measure, admissions.measure) as measure,
        coalesce(admissions.numerator, 0) as numerator,
        population.denominator
    from population
    full outer join admissions
        on
            population.la_code = admissions.la_code
            and population.fin_year = admissions.fin_year
            and population.measure = admissions.measure

),

grid as (

    select
        years.la_code,
        years.fin_year,
        years.period_start,
        years.period_end,
        measures.measure,
        measures.measure_name,
        measures.unit,
        measures.sort_order,
        coalesce(counts.numerator, 0) as numerator,
        case
            when measures.measure in ('2B', '2C') then counts.denominator
            else coalesce(counts.denominator, 0)
        end as denominator,
        case when measures.measure in ('2B', '2C') then 100000 else 100 end as multiplier
    from years
    cross join measures
    left join counts
        on
            years.la_code = counts.la_code
            and years.fin_year = counts.fin_year
            and measures.measure = counts.measure

)

select
    la_code,
    fin_year,
    measure,
    measure_name,
    unit,
    period_start,
    period_end,
    cast({{ published_count('numerator', 'numerator', 'denominator') }} as bigint) as numerator,
    cast({{ published_count('denominator', 'numerator', 'denominator') }} as bigint) as denominator,
    case
        when multiplier = 100000 then {{ published_rate('numerator', 'denominator', 100000) }}
        else {{ published_rate('numerator', 'denominator', 100) }}
    end as value,
    {{ is_suppressed('numerator', 'denominator') }} as is_suppressed
from grid
