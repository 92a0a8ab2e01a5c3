-- Each raw value of a field must map one way once case and punctuation are ignored:
-- two seed rows that normalise alike would map one value twice.
select
    field,
    {{ normalise_code('raw_value') }} as match_key,
    count(*) as n_rows
from {{ ref('code_mappings') }}
group by 1, 2
having count(*) > 1
