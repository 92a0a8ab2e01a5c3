{#- Matching key for coded values: case, spaces and punctuation ignored, so that
    'Long Term Support: Nursing Care' and 'long term support - nursing care' match. -#}
{% macro normalise_code(expr) -%}
    {{ return(adapter.dispatch('normalise_code', 'primed')(expr)) }}
{%- endmacro %}

{% macro default__normalise_code(expr) -%}
    {{ regexp_replace_all('lower(' ~ expr ~ ')', '[^a-z0-9]', '') }}
{%- endmacro %}

{#- Every match of `pattern` in `expr` replaced; `\1` in `replacement` is the first group (in
    a Jinja string: '\\1'). The macro writes both as SQL literals: on Spark, whose literals
    take backslash escapes, backslashes are doubled and `\1` becomes Java's `$1`. -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'primed')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    {%- set replacement = modules.re.sub('[\\\\]([0-9])', '$\\1', replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement | replace('\\', '\\\\') }}')
{%- endmacro %}

{#- The coded fields of the CLD extract, mapped through seeds/code_mappings.csv. -#}
{% macro cld_coded_fields() -%}
    {{ return([
        'gender', 'ethnicity', 'client_type', 'primary_support_reason', 'accommodation_status',
        'employment_status', 'has_unpaid_carer', 'autism_spectrum_disorder', 'visual_impairment',
        'hearing_impairment', 'dementia', 'client_funding_status', 'event_type', 'event_outcome',
        'request_route_of_access', 'assessment_type', 'eligible_needs_identified',
        'method_of_assessment', 'service_type', 'service_component', 'delivery_mechanism',
        'review_reason', 'review_outcomes_achieved', 'method_of_review', 'cost_frequency',
        'event_status'
    ]) }}
{%- endmacro %}
