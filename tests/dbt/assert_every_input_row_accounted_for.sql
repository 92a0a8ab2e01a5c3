-- Every file's rows, over all its event types, add up to the rows it had (raw._files), and
-- every row read was loaded or quarantined.
select
    file_id,
    max(file_rows_read) as file_rows_read,
    sum(rows_read) as rows_accounted
from {{ ref('dq_row_accounting') }}
group by file_id
having sum(rows_read) <> max(file_rows_read)
