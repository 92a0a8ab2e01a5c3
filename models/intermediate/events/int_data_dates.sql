{#- The data date: the latest Reporting Period End Date loaded (measures.md). No measure looks
    past it; open events run to it. -#}
select
    max(reporting_period_end_date) as data_date,
    min(event_start_date) as first_event_date
from {{ ref('int_cld_current_rows') }}
