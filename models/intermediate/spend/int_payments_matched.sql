{#- One row per finance payment line, joined to the service line it pays for (by LA and
    Event Reference); a line that matches no service line keeps their own person pseudonym. -#}
with

payments as (

    select * from {{ ref('stg_finance__payments') }}

),

services as (

    select
        event_id,
        la_code,
        event_reference,
        person_id,
        service_type,
        team_code
    from {{ ref('int_events_deduplicated') }}
    where event_type = 'Service' and event_reference is not null

)

select
    payments.la_code || '|' || payments.payment_id as payment_key,
    payments.payment_id,
    payments.la_code,
    -- The person of the service line paid for (NHS-number based, as in dim_person); the
    -- payment's own LA-id pseudonym when it matches no line.
    coalesce(services.person_id, payments.person_id) as person_id,
    payments.event_reference,
    services.event_id as service_event_id,
    services.service_type,
    coalesce(services.team_code, 'Unknown') as team_code,
    payments.period_start_date,
    payments.period_end_date,
    cast(
        {{ dbt.datediff('payments.period_start_date', 'payments.period_end_date', 'day') }} + 1
        as {{ dbt.type_bigint() }}
    ) as period_days,
    payments.amount,
    payments.payment_date
from payments
left join services
    on
        payments.la_code = services.la_code
        and payments.event_reference = services.event_reference
