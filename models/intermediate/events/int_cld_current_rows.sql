{#- The loaded CLD rows that count: those of current files (int_cld_files). Rows of a
    superseded or withdrawn file stop here, so no measure, management or statutory, sees them.
    A view: it filters the staged rows by a handful of file ids. -#}
{{ config(materialized="view") }}

with

events as (

    select * from {{ ref('stg_cld__events') }}

),

current_files as (

    select
        file_id,
        la_code
    from {{ ref('int_cld_files') }}
    where is_current

)

select events.*
from events
inner join current_files
    on
        events.file_id = current_files.file_id
        and events.la_code = current_files.la_code
