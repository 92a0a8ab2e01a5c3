{#- DHSC's event rules, defined once for the statutory joined table (int_statutory_events) and
    the management dedup (int_events_deduplicated). Peer: DataS-DHSC/ASC-CLD-LA-Dashboard,
    Stored_procedures/create_FilterToEventsInPeriod_procedure.sql (derived end date) and
    create_GetDerivedFields_procedure.sql (Der_Unique_Event_Ref). -#}

{#- Derived end date (statutory-method.md §1.3): a death between the start and the end of an
    event ends it; so does a death after the start of an event with no end. -#}
{% macro dhsc_derived_end_date(start_date='event_start_date', end_date='event_end_date', date_of_death='date_of_death') -%}
    case
        when
            {{ date_of_death }} is not null
            and {{ start_date }} <= {{ date_of_death }}
            and {{ date_of_death }} <= {{ end_date }}
            then {{ date_of_death }}
        when
            {{ end_date }} is null
            and {{ date_of_death }} > {{ start_date }}
            then {{ date_of_death }}
        else {{ end_date }}
    end
{%- endmacro %}

{#- DHSC's unique-event key (statutory-method.md §1.6): LA, event type, person, start date,
    client type and, by event type, the derived end date (not for services, whose end moves),
    the route of access (requests), the assessment type (assessments), the service type and
    component (services). Built on Release 2 values, so that an R1 and an R2 spelling of one
    event share a key (a documented deviation: DHSC keys on the raw values). Needs a
    `derived_end_date` column. -#}
{% macro dhsc_event_key() -%}
    la_code || '|' || event_type || '|' || person_id || '|'
    || cast(event_start_date as {{ dbt.type_string() }}) || '|'
    || coalesce(client_type, '') || '|'
    || case
        when event_type = 'Service' then ''
        else coalesce(cast(derived_end_date as {{ dbt.type_string() }}), '')
    end || '|'
    || case when event_type = 'Request' then coalesce(request_route_of_access, '') else '' end
    || '|'
    || case when event_type = 'Assessment' then coalesce(assessment_type, '') else '' end || '|'
    || case when event_type = 'Service' then coalesce(service_type, '') else '' end || '|'
    || case when event_type = 'Service' then coalesce(service_component, '') else '' end
{%- endmacro %}
