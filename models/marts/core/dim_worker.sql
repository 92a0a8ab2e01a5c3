{#- Workers (pseudonymous ids from workers.csv) with their team, role and FTE. -#}
select
    worker_id,
    team_code,
    role,
    cast(fte as {{ type_double() }}) as fte
from {{ ref('stg_reference__workers') }}
