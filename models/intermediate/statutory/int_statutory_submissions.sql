{#- DHSC submission selection (statutory-method.md §1.2, joined table; DataS-DHSC
    Stored_procedures/create_GetSubmissions_procedure.sql): the reference periods each CLD file
    that counts (int_cld_files: a corrected re-export has superseded the file it corrects, a
    withdrawn file is gone) supplies. The history is cut into calendar quarters, and each
    quarter comes from the covering file loaded last ("the most recent submission"), so the
    latest extract supplies its whole year and each earlier one only the quarters before it. A
    file's consecutive quarters form one reference period; a file that supplies no quarter is
    not here.
    Var statutory_file_order: load_order (DHSC, the default) or period_end (the covering file
    with the latest period end first, then the one loaded last: a file for an older period
    loaded late never replaces a newer file's quarters).
    Decision: the stated period is trusted (an absent start is the end less 12 months); DHSC's
    derived period (2% / event-type rule) and its "loaded after the quarter end" test are not
    applied (docs/statutory-measures.md). -#}
{%- if var('statutory_file_order') not in ('load_order', 'period_end') -%}
    {{ exceptions.raise_compiler_error("var statutory_file_order must be load_order or period_end") }}
{%- endif %}
with

files as (

    select
        la_code,
        file_id,
        loaded_at,
        period_end,
        period_start
    from {{ ref('int_cld_files') }}
    where is_current

),

quarters as (

    select distinct cast({{ dbt.date_trunc('quarter', 'month') }} as date) as quarter_start
    from {{ ref('int_months') }}

),

quarter_sources as (

    select
        files.la_code,
        files.file_id,
        quarters.quarter_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'quarters.quarter_start')) }} as date)
            as quarter_end,
        -- A running number of quarters, to find a file's consecutive ones.
        cast(extract(year from quarters.quarter_start) as integer) * 4
        + cast((extract(month from quarters.quarter_start) - 1) / 3 as integer) as quarter_number,
        row_number() over (
            partition by files.la_code, quarters.quarter_start
            order by
                {% if var('statutory_file_order') == 'period_end' -%}
                    files.period_end desc,
                {% endif -%}
                files.loaded_at desc,
                files.file_id desc
        ) as source_rank
    from files
    inner join quarters
        on
            files.period_start <= quarters.quarter_start
            and files.period_end
            >= cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'quarters.quarter_start')) }} as date)

),

supplied as (

    select
        *,
        quarter_number - row_number() over (
            partition by la_code, file_id order by quarter_number
        ) as run_number
    from quarter_sources
    where source_rank = 1

),

reference_periods as (

    select
        la_code,
        file_id,
        min(quarter_start) as reference_period_start,
        max(quarter_end) as reference_period_end
    from supplied
    group by la_code, file_id, run_number

)

select
    reference_periods.la_code,
    reference_periods.file_id,
    files.period_start,
    files.period_end,
    reference_periods.reference_period_start,
    reference_periods.reference_period_end,
    reference_periods.reference_period_end = max(reference_periods.reference_period_end) over (
        partition by reference_periods.la_code
    ) as is_latest_reference_period
from reference_periods
inner join files
    on
        reference_periods.la_code = files.la_code
        and reference_periods.file_id = files.file_id
