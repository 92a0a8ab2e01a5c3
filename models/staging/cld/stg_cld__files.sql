{#- One row per CLD landing file primed has seen (raw._files), with its load id, status and
    row counts. -#}
select
    file_id,
    file_name,
    status,
    rows_read,
    rows_loaded,
    rows_quarantined,
    loaded_at
from {{ source('cld', '_files') }}
where kind = 'cld'
