{#- DHSC submission selection (statutory-method.md §1.2, joined table): each CLD file that
    counts (int_cld_files: a corrected re-export has superseded the file it corrects), its
    stated reporting period, and the reference period it supplies. Every month is taken
    from the latest file whose period covers it (latest period end, then the file loaded last),
    so each rolling 12-month extract supplies its oldest, most mature months and the latest
    extract supplies its whole year. Files that supply no month are superseded and dropped.
    Decision: the stated period is trusted (an absent start is the end less 12 months); DHSC's
    derived period (2% / event-type rule) is not applied (docs/statutory-measures.md). -#}
with

files as (

    select
        la_code,
        file_id,
        period_end,
        period_start
    from {{ ref('int_cld_files') }}
    where is_current

),

months as (

    select * from {{ ref('int_months') }}

),

month_sources as (

    select
        files.la_code,
        months.month,
        months.month_end,
        files.file_id,
        row_number() over (
            partition by files.la_code, months.month
            order by files.period_end desc, files.file_id desc
        ) as source_rank
    from files
    inner join months
        on
            files.period_start <= months.month
            and files.period_end >= months.month_end

),

reference_periods as (

    select
        la_code,
        file_id,
        min(month) as reference_period_start,
        max(month_end) as reference_period_end
    from month_sources
    where source_rank = 1
    group by la_code, file_id

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
