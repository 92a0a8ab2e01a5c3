{#- The code mappings in force: the council's own (the latest reference/code_mappings.csv in
    the landing folder) merged over the shipped seed (seeds/code_mappings.csv). A local row
    wins over a shipped row of the same field and raw value (case and punctuation ignored, as
    values are matched). A local row needs only field, raw value and Release 2 value: its
    group and order are the shipped Release 2 value's when left blank, and its release is
    `invalid` for `Invalid and not mapped`, else `local`. Every row says where it came from,
    and a local row what shipped mapping it replaced, for the data-quality report. -#}
with

shipped as (

    select * from {{ ref('code_mappings') }}

),

local_file as (

    {{ latest_file_rows(source('reference', 'ref_code_mappings')) }}

),

local_rows as (

    select
        trim(field) as field,
        trim(raw_value) as raw_value,
        trim(r2_value) as r2_value,
        nullif(trim(r2_group), '') as r2_group,
        nullif(trim(release), '') as release,
        cast(sort_order as integer) as sort_order,
        _file_name as local_file_name,
        _row_number as local_row_number
    from local_file

),

-- What a Release 2 value means (its group and order), from the shipped Release 2 rows.
r2_meanings as (

    select
        field,
        r2_value,
        max(r2_group) as r2_group,
        min(sort_order) as sort_order
    from shipped
    where release in ('R2', 'invalid')
    group by 1, 2

),

local_mapped as (

    select
        local_rows.field,
        local_rows.raw_value,
        local_rows.r2_value,
        coalesce(local_rows.r2_group, r2_meanings.r2_group, local_rows.r2_value) as r2_group,
        coalesce(
            local_rows.release,
            case when local_rows.r2_value = 'Invalid and not mapped' then 'invalid' else 'local' end
        ) as release,
        coalesce(local_rows.sort_order, r2_meanings.sort_order, 999) as sort_order,
        {{ normalise_code('local_rows.raw_value') }} as match_key,
        local_rows.local_file_name,
        local_rows.local_row_number
    from local_rows
    left join r2_meanings
        on
            local_rows.field = r2_meanings.field
            and local_rows.r2_value = r2_meanings.r2_value

),

shipped_keyed as (

    select
        *,
        {{ normalise_code('raw_value') }} as match_key
    from shipped

)

select
    local_mapped.field,
    local_mapped.raw_value,
    local_mapped.r2_value,
    local_mapped.r2_group,
    local_mapped.release,
    local_mapped.sort_order,
    local_mapped.match_key,
    cast('local' as {{ dbt.type_string() }}) as mapping_source,
    local_mapped.local_file_name,
    local_mapped.local_row_number,
    shipped_keyed.r2_value as shipped_r2_value
from local_mapped
left join shipped_keyed
    on
        local_mapped.field = shipped_keyed.field
        and local_mapped.match_key = shipped_keyed.match_key

union all

select
    shipped_keyed.field,
    shipped_keyed.raw_value,
    shipped_keyed.r2_value,
    shipped_keyed.r2_group,
    shipped_keyed.release,
    shipped_keyed.sort_order,
    shipped_keyed.match_key,
    cast('shipped' as {{ dbt.type_string() }}) as mapping_source,
    cast(null as {{ dbt.type_string() }}) as local_file_name,
    cast(null as {{ dbt.type_bigint() }}) as local_row_number,
    cast(null as {{ dbt.type_string() }}) as shipped_r2_value
from shipped_keyed
where not exists (
        select 1
        from local_mapped
        where
            local_mapped.field = shipped_keyed.field
            and local_mapped.match_key = shipped_keyed.match_key
    )
