{#- Why rows were quarantined, per file, event type, field and problem (the value the problem
    was found in is dropped, so that problems group and no personal data can pass). A row with
    several problems counts under each; its first problem (in rule order) is its reason in the
    accounting, so that rows_first_problem adds up to dq_row_accounting.rows_quarantined. -#}
with

quarantined as (

    select * from {{ ref('stg_cld__quarantined_rows') }}

),

problems as (

    select
        file_id,
        file_name,
        event_type,
        row_number,
        {{ array_first('reasons') }} as first_reason,
        {{ unnest_array('reasons') }} as reason
    from quarantined

),

-- 'Field: problem (value)', or 'malformed row: ERROR TYPE in ...: message' from the reader.
classified as (

    select
        file_id,
        file_name,
        event_type,
        row_number,
        reason = first_reason as is_first,
        reason like 'malformed row: %' as is_malformed,
        split_part(reason, ': ', 1) as field_part,
        substr(reason, {{ dbt.position("': '", 'reason') }} + 2) as problem_part
    from problems

),

named as (

    select
        file_id,
        file_name,
        event_type,
        row_number,
        is_first,
        case when is_malformed then '(whole row)' else field_part end as field,
        case
            when is_malformed
                then lower({{ regexp_replace_all(
                    'problem_part', '^([A-Z]+( [A-Z]+)*).*$', 'malformed row: \\1'
                ) }})
            else {{ regexp_replace_all('problem_part', '^(not an? [a-z ]+) \\(.*\\)$', '\\1') }}
        end as problem
    from classified

)

select
    file_id,
    file_name,
    event_type,
    field,
    problem,
    count(distinct row_number) as rows_with_problem,
    count(distinct case when is_first then row_number end) as rows_first_problem,
    min(row_number) as example_row_number
from named
group by 1, 2, 3, 4, 5
