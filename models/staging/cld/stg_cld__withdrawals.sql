{#- Loaded CLD files withdrawn with `primed withdraw` and not restored: one row per file. -#}
select
    file_id,
    withdrawn_at,
    reason
from {{ source('cld', '_withdrawals') }}
where restored_at is null
