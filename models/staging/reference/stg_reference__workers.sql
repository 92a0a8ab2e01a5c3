with

workers as (

    {{ latest_file_rows(source('reference', 'ref_workers')) }}

)

select
    trim(worker_id) as worker_id,
    trim(team_code) as team_code,
    role,
    fte
from workers
