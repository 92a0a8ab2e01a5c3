{#- Finance payment lines: the person as a keyed pseudonym, the care days paid for. -#}
with

payments as (

    select * from {{ source('finance', 'payments') }}

),

latest as (

    -- A payment line resent in a later file: the later file wins.
    select
        *,
        row_number() over (
            partition by la_code, payment_id order by _file_id desc, _row_number desc
        ) as version_rank
    from payments

)

select
    payment_id,
    la_code,
    _la_person_pseudonym as person_id,
    event_reference,
    period_start_date,
    period_end_date,
    amount,
    payment_date,
    _file_id as file_id,
    _file_name as file_name,
    _row_number as row_number
from latest
where version_rank = 1
