{#- One row per finance payment line, joined to the service line it pays for
    (int_payments_matched, which spend is also computed from). -#}
with

payments as (

    select * from {{ ref('int_payments_matched') }}

)

select
    payment_key,
    payment_id,
    la_code,
    person_id,
    event_reference,
    service_event_id,
    service_type,
    team_code,
    period_start_date,
    period_end_date,
    period_days,
    amount,
    payment_date
from payments
