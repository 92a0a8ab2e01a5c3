"""The pipeline's Dagster definitions, one module per concern; `definitions.py` assembles them.

* `resources`: `PrimedResource` (the landing folder, the warehouse and the settings the steps
  use, made from the one `Settings`) and dbt (`PrimedDbtCli`);
* assets, in the order a run makes them: `ingest` (landing files -> raw tables), `dbt` (the
  models, their tests as checks; `translator` keys them), `publish` (the release), `reports`;
* asset checks: `quality_checks` (the GX suites on raw tables and marts), `freshness`;
* `jobs` (the one job), `sensors` (the landing sensor), `alerts` (the alert sensors),
  `schedules` (the daily run); `console` (how a run's log and failures read).

Steps that open the work database run in the writers' pool (`settings.writer_pool`), so the
modules that define them take the pool's name.
"""
