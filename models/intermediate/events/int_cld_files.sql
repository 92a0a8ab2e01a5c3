{#- Which loaded CLD files count (measures.md, "A corrected file supersedes"): one row per
    loaded file and LA, with the reporting period it states. When a later-loaded file for the
    same LA states the same period (same start and end), it supersedes the earlier one
    entirely, whatever the names; a file withdrawn with `primed withdraw` never counts, and the
    file it had superseded counts again. Every model that reads CLD rows reads only the rows of
    current files (int_cld_current_rows); dq_row_accounting accounts for the others. -#}
with

loaded_files as (

    select
        file_id,
        file_name,
        loaded_at
    from {{ ref('stg_cld__files') }}
    where status = 'loaded'

),

withdrawals as (

    select * from {{ ref('stg_cld__withdrawals') }}

),

file_periods as (

    select
        file_id,
        la_code,
        {{ stated_period_start('min(reporting_period_start_date)', 'max(reporting_period_end_date)') }}
            as period_start,
        max(reporting_period_end_date) as period_end,
        count(*) as rows_loaded
    from {{ ref('stg_cld__events') }}
    group by file_id, la_code

),

files as (

    select
        file_periods.file_id,
        loaded_files.file_name,
        loaded_files.loaded_at,
        file_periods.la_code,
        file_periods.period_start,
        file_periods.period_end,
        file_periods.rows_loaded,
        withdrawals.withdrawn_at,
        withdrawals.reason as withdrawal_reason,
        -- The file loaded last among those not withdrawn, for this LA and period.
        max(case when withdrawals.file_id is null then file_periods.file_id end) over (
            partition by file_periods.la_code, file_periods.period_start, file_periods.period_end
        ) as counting_file_id
    from file_periods
    inner join loaded_files on file_periods.file_id = loaded_files.file_id
    left join withdrawals on file_periods.file_id = withdrawals.file_id

)

select
    files.file_id,
    files.file_name,
    files.loaded_at,
    files.la_code,
    files.period_start,
    files.period_end,
    files.rows_loaded,
    case
        when files.withdrawn_at is not null then 'withdrawn'
        when files.file_id < files.counting_file_id then 'superseded'
        else 'current'
    end as file_status,
    files.withdrawn_at is null and files.file_id = files.counting_file_id as is_current,
    case
        when files.withdrawn_at is null and files.file_id < files.counting_file_id
            then files.counting_file_id
    end as superseded_by_file_id,
    case
        when files.withdrawn_at is null and files.file_id < files.counting_file_id
            then superseding.file_name
    end as superseded_by_file_name,
    files.withdrawn_at,
    files.withdrawal_reason
from files
left join loaded_files as superseding on files.counting_file_id = superseding.file_id
