{#- Statutory measures (issue 6): publication rules, the DHSC proxy date of birth and age,
    and the code lists the ASCOF/SALT models share. See docs/statutory-measures.md. -#}

{#- Round a DOUBLE to `digits` decimals as SQL Server's ROUND() does on a FLOAT, the arithmetic
    of DHSC's published ASCOF figures (Create_ASCOF_*_2425_Onwards.sql: ROUND(CAST(n AS FLOAT) /
    CAST(d AS FLOAT) * 100, 1)): half away from zero, applied to the value the double holds,
    not to its decimal spelling. 1333/2000*100 is held as 66.649999... and gives 66.6; 5/16*100
    is exactly 31.25 and gives 31.3. round() cannot be used: DuckDB's rounds halves to even,
    PostgreSQL has none for doubles, and scaling first (x * 10) can itself round up to a half.

    The half test is exact: x * 2 * 10^digits is compared with the odd integer 2k + 1 (k the
    floor of x * 10^digits) after splitting x into two 26-bit halves (Veltkamp), whose
    products with 2 * 10^digits are exact doubles, so the sign of the sum is the sign of the
    exact difference. Plain arithmetic on doubles, the same on DuckDB, PostgreSQL and Spark. -#}
{% macro round_half_away_float(expr, digits=1) -%}
    {%- set scale = 'cast(' ~ (10 ** digits) ~ ' as ' ~ type_double() ~ ')' -%}
    {%- set twice = 'cast(' ~ (2 * 10 ** digits) ~ ' as ' ~ type_double() ~ ')' -%}
    {%- set splitter = 'cast(134217729 as ' ~ type_double() ~ ')' -%}
    {%- set x = 'abs(cast(' ~ expr ~ ' as ' ~ type_double() ~ '))' -%}
    {%- set k = 'floor(' ~ x ~ ' * ' ~ scale ~ ')' -%}
    {%- set high = '(' ~ splitter ~ ' * ' ~ x ~ ' - (' ~ splitter ~ ' * ' ~ x ~ ' - ' ~ x ~ '))' -%}
    sign(cast({{ expr }} as {{ type_double() }})) * (
        {{ k }}
        + case
            when ({{ high }} * {{ twice }} - (2 * {{ k }} + 1)) + ({{ x }} - {{ high }}) * {{ twice }} >= 0
                then 1
            else 0
        end
    ) / {{ scale }}
{%- endmacro %}

{#- Publication rule: a numerator or a denominator under `threshold` suppresses both. -#}
{% macro is_suppressed(numerator, denominator, threshold=5) -%}
    coalesce({{ numerator }} < {{ threshold }} or {{ denominator }} < {{ threshold }}, false)
{%- endmacro %}

{#- A count as published: NULL when the pair it belongs to is suppressed. -#}
{% macro published_count(count, numerator, denominator) -%}
    case when not {{ is_suppressed(numerator, denominator) }} then {{ count }} end
{%- endmacro %}

{#- A rate as published: computed on the unrounded counts in DHSC's order (numerator /
    denominator, then times the multiplier, on doubles), rounded once to 1 dp as DHSC's ROUND on
    a FLOAT does; NULL when suppressed or when the denominator is 0 or missing. -#}
{% macro published_rate(numerator, denominator, multiplier=100) -%}
    case
        when not {{ is_suppressed(numerator, denominator) }} and {{ denominator }} > 0
            then {{ round_half_away_float(
                'cast(' ~ numerator ~ ' as ' ~ type_double() ~ ') / cast(' ~ denominator
                ~ ' as ' ~ type_double() ~ ') * ' ~ multiplier, 1) }}
    end
{%- endmacro %}

{#- Proxy date of birth: the 1st of the birth month (statutory-method.md §2.1). -#}
{% macro proxy_dob(birth_year, birth_month) -%}
    {{ return(adapter.dispatch('proxy_dob', 'primed')(birth_year, birth_month)) }}
{%- endmacro %}

{% macro default__proxy_dob(birth_year, birth_month) -%}
    make_date(cast({{ birth_year }} as integer), cast({{ birth_month }} as integer), 1)
{%- endmacro %}

{#- DHSC age (statutory_age) of the joined person `alias` (int_statutory_persons) at `at_date`. -#}
{% macro person_age(at_date, alias='persons') -%}
    {{ statutory_age(alias ~ '.birth_year', alias ~ '.birth_month', at_date) }}
{%- endmacro %}

{#- DHSC age: floor(days from the proxy DOB to `at_date` / 365.25) (statutory-method.md §2.1);
    it can turn a person a year older one day late, as the central figures do. -#}
{% macro statutory_age(birth_year, birth_month, at_date) -%}
    case
        when {{ birth_year }} is not null and {{ birth_month }} is not null
            then cast(floor(
                {{ dbt.datediff(proxy_dob(birth_year, birth_month), at_date, 'day') }} / 365.25
            ) as integer)
    end
{%- endmacro %}

{#- A person (`alias`: int_statutory_persons' birth_year, birth_month) whose proxy date of
    birth is known, so statutory_age is: SALT and ASCOF 2B/2C leave the others out. -#}
{% macro has_proxy_dob(alias='persons') -%}
    ({{ alias }}.birth_year is not null and {{ alias }}.birth_month is not null)
{%- endmacro %}

{#- A person (`alias`, with date_of_death) not dead before `on_date`: DHSC's and NHS England's
    "DoD >= period start or NULL" (statutory-method.md §3, §4), on the date each measure
    names (the year's start, 31 March, the episode's start). `alias` none: unqualified. -#}
{% macro alive_on(on_date, alias='persons') -%}
    {%- set p = alias ~ '.' if alias else '' -%}
    ({{ p }}date_of_death is null or {{ p }}date_of_death >= {{ on_date }})
{%- endmacro %}

{#- The far-future date DHSC sorts open events by. -#}
{% macro open_end_date() -%}
    cast('9999-01-01' as date)
{%- endmacro %}

{#- Release 2 code lists used by the statutory models. -#}
{% macro lts_service_types() -%}
    ('Long term support: Nursing care', 'Long term support: Residential care',
    'Long term support: Community', 'Long term support: Prison')
{%- endmacro %}

{% macro st_service_types() -%}
    ('Short term support: ST-Max', 'Short term support: Ongoing low level',
    'Short term support: Other short term')
{%- endmacro %}

{#- A row whose end date is not before its start date (or that has none): DHSC's code drops
    the others before it looks for long-term support or ST-Max episodes. `alias` qualifies the
    columns. -#}
{% macro is_dated(alias=none) -%}
    {%- set p = alias ~ '.' if alias else '' -%}
    ({{ p }}derived_end_date >= {{ p }}event_start_date or {{ p }}derived_end_date is null)
{%- endmacro %}

{#- Whether the person of `person` (an alias with la_code and person_id) has a long-term support
    service in `events` (alias lts) meeting `condition`: the new-client tests of ASCOF 2A (one
    that started before the episode and ended under 91 days before it, §3.1 step 6) and SALT
    STS001 (one open on the request cluster's start, §4.1 step 5) differ only in `condition`. -#}
{% macro has_long_term_service(person, condition, events='events') -%}
    exists (
        select 1
        from {{ events }} as lts
        where
            {{ same_keys('lts', person) }}
            and lts.event_type = 'Service'
            and lts.service_type in {{ lts_service_types() }}
            and ({{ condition }})
    )
{%- endmacro %}

{#- A service user's long-term support service line, dated (is_dated): the rows ASCOF 2E and
    3D and SALT LTS001 count. -#}
{% macro is_long_term_support(alias=none) -%}
    {%- set p = alias ~ '.' if alias else '' -%}
    {{ p }}event_type = 'Service'
    and {{ p }}client_type = 'Service user'
    and {{ p }}service_type in {{ lts_service_types() }}
    and {{ is_dated(alias) }}
{%- endmacro %}

{#- The body of a CTE: service users' rows of int_statutory_events with `end_sort`, the end
    date with open events at 9999-01-01 (the order NHS England's and DHSC's code sorts and
    chains by); with `dated_only`, only is_dated rows. SALT STS001 and STS002a, ASCOF 2A. -#}
{% macro service_user_events(dated_only=false) -%}
    select
        *,
        coalesce(derived_end_date, {{ open_end_date() }}) as end_sort
    from {{ ref('int_statutory_events') }}
    where client_type = 'Service user'{{ ' and ' ~ is_dated() if dated_only }}
{%- endmacro %}

{#- A long-term support setting's rank, the best first (ASCOF 3D, SALT LTS001): nursing 1,
    residential 2, community by delivery mechanism 3-6 (direct payment, CASSR managed personal
    budget, CASSR commissioned support, other), prison 7-9 (managed personal budget,
    commissioned, other). `mechanism` is how the support is delivered (3D also counts a direct
    payment by service component; LTS001 by delivery mechanism only). -#}
{% macro lts_setting_rank(service_type, mechanism) -%}
    case {{ service_type }}
        when 'Long term support: Nursing care' then 1
        when 'Long term support: Residential care' then 2
        when 'Long term support: Community'
            then case {{ mechanism }}
                    when 'Direct payment' then 3
                    when 'CASSR managed personal budget' then 4
                    when 'CASSR commissioned support' then 5
                    else 6
                end
        when 'Long term support: Prison'
            then case {{ mechanism }}
                    when 'CASSR managed personal budget' then 7
                    when 'CASSR commissioned support' then 8
                    else 9
                end
        else 9
    end
{%- endmacro %}

{#- The body of a CTE: `relation`'s rows (events with end_sort) in clusters per person, in
    start and end order (then file and row): a row starting no more than `within_days` after
    `previous_end` joins its cluster, otherwise it starts the next, numbered in
    `number_column` (from 1). `previous_end` is the previous row's end (`previous`
    `previous_row`, NHS England's code), or the latest end of every earlier row
    (`running_max`). SALT STS001 (requests, 4 days), STS002a (ST-Max rows, a day) and LTS001c
    (long-term support chains, a day; var salt_lts001c_chain). -#}
{% macro numbered_clusters(relation, within_days, number_column, previous='previous_row') -%}
    select
        *,
        sum(
            case
                when
                    previous_end is not null
                    and previous_end
                    >= cast({{ dbt.dateadd('day', -within_days, 'event_start_date') }} as date)
                    then 0
                else 1
            end
        ) over (
            partition by la_code, person_id
            order by event_start_date, end_sort, file_id, row_number
            rows between unbounded preceding and current row
        ) as {{ number_column }}
    from (
        select
            *,
            {{ 'max' if previous == 'running_max' else 'lag' }}(end_sort) over (
                partition by la_code, person_id
                order by event_start_date, end_sort, file_id, row_number
                {{ 'rows between unbounded preceding and 1 preceding' if previous == 'running_max' }}
            ) as previous_end
        from {{ relation }}
    ) as ordered_rows
{%- endmacro %}

{#- The order that puts a cluster's closing row first (its outcome is the cluster's): the
    latest end, then the best R2 outcome rank, then the file and row loaded last. -#}
{% macro closing_row_first() -%}
    end_sort desc, event_outcome_rank asc, file_id desc, row_number desc
{%- endmacro %}

{#- SALT record type of an episode's sequel (statutory-method.md §4.1 step 9, §4.2): 1 no later
    event (`candidates`, their count, NULL or 0), 5 no chain (`chain`, its count of events,
    NULL or 0), 2 a service in the chain (`service` found), 3 an NFA outcome in the chain
    (`nfa` found), else 4 (the episode's own outcome). -#}
{% macro sequel_record_type(candidates, chain, service, nfa) -%}
    case
        when coalesce({{ candidates }}, 0) = 0 then 1
        when coalesce({{ chain }}, 0) = 0 then 5
        when {{ service }} is not null then 2
        when {{ nfa }} is not null then 3
        else 4
    end
{%- endmacro %}

{#- Outcomes that are not final ("progress" outcomes): DHSC adds 100 to their rank in 2A. -#}
{% macro not_final_outcomes() -%}
    ('Progress to reablement/ST-Max', 'Progress to assessment, review or reassessment',
    'Release 1 specification only: Not mapped', 'Progress to support planning or services',
    'Continuation of support or services')
{%- endmacro %}

{#- DHSC's service-type hierarchy (1 = highest): long-term support first (nursing, residential,
    community, prison), then ST-Max, ongoing low level, other short term, anything else 99.
    DataS-DHSC/ASC-CLD-LA-Dashboard: Create_ASCOF_2A_2425_Onwards.sql (the service that follows
    reablement, statutory-method.md §3.1 step 7.3) and the person details' accommodation
    inference (§2.1). Not SALT STS001's hierarchy (sts001_service_rank), which puts ST-Max first:
    NHS England's STS001 reports whether a request led to reablement. In 2A the order of ST-Max
    does not matter (the sequel is cut at the next ST-Max), but the two are different rules of
    two different bodies and are kept apart. -#}
{% macro dhsc_service_type_rank(service_type) -%}
    case {{ service_type }}
        when 'Long term support: Nursing care' then 1
        when 'Long term support: Residential care' then 2
        when 'Long term support: Community' then 3
        when 'Long term support: Prison' then 4
        when 'Short term support: ST-Max' then 5
        when 'Short term support: Ongoing low level' then 6
        when 'Short term support: Other short term' then 7
        else 99
    end
{%- endmacro %}

{#- SALT STS001's service hierarchy (statutory-method.md §4.1 step 10; NHS England's "SALT
    STS001/STS001 replication code.txt"): ST-Max 1, then long-term support (nursing,
    residential, community, prison) 2-5, ongoing low level 6, other short term 7. ST-Max comes
    first because STS001 asks whether a request led to reablement (and the ST-Max found here
    starts STS002a's cohort); DHSC's dhsc_service_type_rank puts long-term support first. Only
    for is_support_service rows: anything else ranks with other short term. -#}
{% macro sts001_service_rank(service_type) -%}
    case {{ service_type }}
        when 'Short term support: ST-Max' then 1
        when 'Long term support: Nursing care' then 2
        when 'Long term support: Residential care' then 3
        when 'Long term support: Community' then 4
        when 'Long term support: Prison' then 5
        when 'Short term support: Ongoing low level' then 6
        else 7
    end
{%- endmacro %}

{#- A long- or short-term support service (Release 2 service types): what can be the service
    that follows an episode (ASCOF 2A step 7.3, SALT STS001 step 10: carer support and unknown
    service types are not services there) and a service response in DHSC's waiting times
    (§5). `alias` qualifies the columns. -#}
{% macro is_support_service(alias=none) -%}
    {%- set p = alias ~ '.' if alias else '' -%}
    ({{ p }}event_type = 'Service'
    and ({{ p }}service_type in {{ lts_service_types() }} or {{ p }}service_type in {{ st_service_types() }}))
{%- endmacro %}

{#- The body of a CTE: `relation`'s is_support_service rows, the best one per `keys` (an
    episode) first: service_choice 1 by `order_by` (a hierarchy, then tie-breaks), then the
    earliest start. The service that follows an episode in ASCOF 2A (DHSC's hierarchy, short
    term residential or nursing components first) and SALT STS001 (sts001_service_rank). -#}
{% macro best_support_service(relation, keys, order_by) -%}
    select
        *,
        row_number() over (
            partition by {{ keys | join(', ') }}
            order by {{ order_by }}, event_start_date
        ) as service_choice
    from {{ relation }}
    where {{ is_support_service() }}
{%- endmacro %}

{#- A join condition: `alias`.`date` falls in a covered financial year (`years`, rows of
    int_statutory_years) of the same LA. An episode belongs to the year its end falls in (ASCOF
    2A, SALT STS001 and STS002a), an admission to the year it starts in (ASCOF 2B/2C). -#}
{% macro in_statutory_year(alias, date, years='years') -%}
    ({{ alias }}.la_code = {{ years }}.la_code
    and {{ alias }}.{{ date }} >= {{ years }}.period_start
    and {{ alias }}.{{ date }} <= {{ years }}.period_end)
{%- endmacro %}

{#- First day of the financial year `fin_year` ('2024-25') as a date. -#}
{% macro fin_year_start(fin_year) -%}
    cast(left({{ fin_year }}, 4) || '-04-01' as date)
{%- endmacro %}

{#- SALT STS001 sequel of an event outcome (NHSE mapping, labels normalised); NULL when the
    outcome is not a "code 1" (NFA) outcome. -#}
{% macro sts001_sequel(outcome) -%}
    {%- set nfa_other = "('NFA: Responsibility moved to another local authority', 'NFA: Self-funded client or under 12wk disregard', 'NFA: Support declined', 'NFA: No services offered for other reason', 'NFA: Support ended for other reason', 'NFA: Other', 'NFA: Referral to other service within the local authority')" -%}
    case
        when {{ outcome }} = 'NFA: Information and advice or signposting'
            then 'Universal services / signposted to other services'
        when {{ outcome }} = 'NFA: Referral to NHS services or NHS funded social care'
            then '100% NHS funded care'
        when {{ outcome }} = 'NFA: Deceased' then 'No services provided - deceased'
        when {{ outcome }} in {{ nfa_other }} then 'No services provided - other reason'
    end
{%- endmacro %}

{#- An outcome that was an NFA outcome in Release 1: NHS England's SALT code, written on R1
    labels, tests Event_Outcome LIKE 'NFA%'. Every Release 2 'NFA: ...' value but 'NFA: Support
    ended as planned', which was R1's 'Service ended as planned'. -#}
{% macro is_release_1_nfa(outcome) -%}
    ({{ outcome }} like 'NFA:%' and {{ outcome }} <> 'NFA: Support ended as planned')
{%- endmacro %}

{#- SALT STS002a sequel of an event outcome (NHSE mapping, labels normalised). -#}
{% macro sts002a_sequel(outcome) -%}
    case
        when {{ outcome }} in ('NFA: Referral to NHS services or NHS funded social care', 'NFA: Deceased')
            then 'Early cessation (not leading to long term support) - NHS / end of life / deceased'
        when {{ outcome }} = 'NFA: Self-funded client or under 12wk disregard'
            then 'No services provided - needs identified but self-funding'
        when {{ outcome }} = 'NFA: Support declined'
            then 'No services provided - needs identified but support declined'
        when {{ outcome }} = 'NFA: Information and advice or signposting'
            then 'No services provided - universal services / signposted'
        when {{ outcome }} in (
            'NFA: Responsibility moved to another local authority', 'NFA: Other',
            'NFA: No services offered for other reason', 'NFA: Support ended for other reason',
            'NFA: Referral to other service within the local authority',
            'NFA: Support ended as planned', 'Admitted to hospital'
        ) then 'No services provided - other'
    end
{%- endmacro %}

{#- Median (interpolated 50th percentile, DHSC waiting times) as an aggregate. -#}
{% macro median_of(expr) -%}
    {{ return(adapter.dispatch('median_of', 'primed')(expr)) }}
{%- endmacro %}

{% macro default__median_of(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median_of(expr) -%}
    quantile_cont({{ expr }}, 0.5)
{%- endmacro %}
