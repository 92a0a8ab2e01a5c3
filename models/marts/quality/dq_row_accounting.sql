{#- Accounting, not hope (issue: data-quality guard): for every loaded CLD file and event
    type, where each input row went. Rows read = loaded + quarantined; loaded rows either
    belong to a file that no longer counts (superseded by a corrected re-export, or withdrawn:
    int_cld_files), or describe no event (no valid event type or start), or were merged into a
    later copy of the same event, or are the kept copy of an event that is cancelled, out of
    period, or counted.
    The tests on this model fail when any row is unaccounted for. -#}
with

files as (

    select * from {{ ref('stg_cld__files') }}
    where status = 'loaded'

),

quarantine as (

    select * from {{ ref('stg_cld__quarantined_rows') }}

),

event_types as (

    select r2_value from {{ ref('stg_reference__code_mappings') }}
    where field = 'event_type'

),

loaded_rows as (

    select * from {{ ref('stg_cld__events') }}

),

cld_files as (

    select * from {{ ref('int_cld_files') }}

),

kept as (

    select * from {{ ref('int_events_deduplicated') }}

),

dates as (

    select data_date from {{ ref('int_data_dates') }}

),

valid_types as (

    select r2_value from event_types
    where r2_value in ('Request', 'Assessment', 'Service', 'Review')

),

loaded as (

    select
        loaded_rows.file_id,
        coalesce(loaded_rows.event_type, '(none)') as event_type,
        count(*) as rows_loaded,
        count(case when cld_files.file_status = 'superseded' then 1 end) as rows_superseded,
        count(case when cld_files.file_status = 'withdrawn' then 1 end) as rows_withdrawn,
        count(
            case
                when
                    cld_files.is_current
                    and (
                        loaded_rows.event_type
                        not in (select valid_types.r2_value from valid_types)
                        or loaded_rows.event_type is null
                        or loaded_rows.event_start_date is null
                    )
                    then 1
            end
        ) as rows_without_event
    from loaded_rows
    inner join cld_files
        on
            loaded_rows.file_id = cld_files.file_id
            and loaded_rows.la_code = cld_files.la_code
    group by 1, 2

),

file_status as (

    select
        file_id,
        case
            when min(file_status) = max(file_status) then min(file_status)
            else 'partly current'
        end as file_status,
        max(superseded_by_file_name) as superseded_by_file_name
    from cld_files
    group by 1

),

quarantined as (

    select
        file_id,
        event_type,
        count(*) as rows_quarantined
    from quarantine
    group by 1, 2

),

kept_counts as (

    select
        kept.file_id,
        kept.event_type,
        count(*) as rows_kept,
        count(case when kept.event_status = 'Cancelled' then 1 end) as rows_kept_cancelled,
        count(
            case
                when kept.event_status <> 'Cancelled' and kept.event_start_date > dates.data_date
                    then 1
            end
        ) as rows_kept_out_of_period
    from kept
    cross join dates
    group by 1, 2

),

file_types as (

    select
        file_id,
        event_type
    from loaded
    union
    select
        file_id,
        event_type
    from quarantined

)

select
    files.file_id,
    files.file_name,
    coalesce(file_status.file_status, 'current') as file_status,
    file_status.superseded_by_file_name,
    file_types.event_type,
    coalesce(quarantined.rows_quarantined, 0)
    + coalesce(loaded.rows_loaded, 0) as rows_read,
    coalesce(loaded.rows_loaded, 0) as rows_loaded,
    coalesce(quarantined.rows_quarantined, 0) as rows_quarantined,
    coalesce(loaded.rows_superseded, 0) as rows_superseded,
    coalesce(loaded.rows_withdrawn, 0) as rows_withdrawn,
    coalesce(loaded.rows_without_event, 0) as rows_without_event,
    coalesce(loaded.rows_loaded, 0) - coalesce(loaded.rows_superseded, 0)
    - coalesce(loaded.rows_withdrawn, 0) - coalesce(loaded.rows_without_event, 0)
    - coalesce(kept_counts.rows_kept, 0) as rows_merged_as_duplicates,
    coalesce(kept_counts.rows_kept_cancelled, 0) as rows_dropped_cancelled,
    coalesce(kept_counts.rows_kept_out_of_period, 0) as rows_dropped_out_of_period,
    coalesce(kept_counts.rows_kept, 0) - coalesce(kept_counts.rows_kept_cancelled, 0)
    - coalesce(kept_counts.rows_kept_out_of_period, 0) as rows_counted,
    files.rows_read as file_rows_read
from file_types
inner join files on file_types.file_id = files.file_id
left join file_status on file_types.file_id = file_status.file_id
left join loaded
    on
        file_types.file_id = loaded.file_id
        and file_types.event_type = loaded.event_type
left join quarantined
    on
        file_types.file_id = quarantined.file_id
        and file_types.event_type = quarantined.event_type
left join kept_counts
    on
        file_types.file_id = kept_counts.file_id
        and file_types.event_type = kept_counts.event_type
