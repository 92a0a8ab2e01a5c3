-- Each raw value of a field must map one way once case and punctuation are ignored: two
-- rows of the mappings in force (the shipped seed, or the council's own file, which wins) that
-- normalise alike would map one value twice.
select
    field,
    {{ normalise_code('raw_value') }} as match_key,
    count(*) as n_rows
from {{ ref('stg_reference__code_mappings') }}
group by 1, 2
having count(*) > 1
