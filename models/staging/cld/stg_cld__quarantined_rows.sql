{#- One row per quarantined CLD input row: where it was (file and row), the event type it
    claimed mapped to Release 2, and the problems found, in rule order. The record itself
    (which may hold personal data) stays in raw._quarantine. -#}
with

quarantine as (

    select * from {{ source('cld', '_quarantine') }}
    where kind = 'cld'

),

event_types as (

    select
        r2_value,
        {{ normalise_code('raw_value') }} as match_key
    from {{ ref('stg_reference__code_mappings') }}
    where field = 'event_type'

)

select
    quarantine.file_id,
    quarantine.file_name,
    quarantine.row_number,
    coalesce(event_types.r2_value, quarantine.event_type, '(unreadable)') as event_type,
    quarantine.reasons,
    quarantine.loaded_at as quarantined_at
from quarantine
left join event_types
    on {{ normalise_code('quarantine.event_type') }} = event_types.match_key
