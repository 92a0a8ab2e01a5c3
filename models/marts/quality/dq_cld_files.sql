{#- Every loaded CLD file and LA, the reporting period it states, and whether it counts:
    `current`, `superseded` by a later-loaded file for the same LA and period (named), or
    `withdrawn` (with the reason given). -#}
select
    file_id,
    file_name,
    loaded_at,
    la_code,
    period_start,
    period_end,
    rows_loaded,
    file_status,
    superseded_by_file_id,
    superseded_by_file_name,
    withdrawn_at,
    withdrawal_reason
from {{ ref('int_cld_files') }}
