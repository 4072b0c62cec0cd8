"""Prometheus metrics of the service (``/metrics``, one registry per app).

Measured in the process:

* ``riskcap_http_request_duration_seconds{method,route,status}`` — a histogram of
  every request's latency; every label takes values from a fixed set (the method or
  ``other``, the route template or ``unmatched``, the status or its class), so
  made-up methods and paths cannot grow the output;
* ``riskcap_auth_failures_total{reason}`` — failed authentications (``missing``,
  ``malformed``, ``unknown``, ``revoked``, ``throttled``);
* ``riskcap_eod_run_duration_seconds{outcome}`` and
  ``riskcap_eod_task_duration_seconds{task}`` — histograms of the EOD runs the
  service ran.

Read from the catalog at scrape time, so runs of the scheduler or the CLI count too:

* ``riskcap_last_run_duration_seconds``, ``riskcap_last_run_timestamp_seconds``,
  ``riskcap_last_run_task_duration_seconds{task}`` — the latest succeeded run;
* ``riskcap_last_var{node,method,horizon,confidence}`` — the latest VaR of every
  desk (the run of record of the latest date);
* ``riskcap_open_alerts`` — alerts not acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from riskcap.errors import NotFoundError
from riskcap.pipeline.runner import Event, EventKind
from riskcap.store.catalog import Alert, Catalog, Result, Run

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RUN_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class CatalogCollector(Collector):
    """Gauges read from the catalog when Prometheus scrapes."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def collect(self) -> Iterable[Metric]:
        try:
            run: Run | None = self.catalog.run_of_record()
        except NotFoundError:
            run = None
        duration = GaugeMetricFamily(
            "riskcap_last_run_duration_seconds", "Wall time of the latest succeeded EOD run"
        )
        stamp = GaugeMetricFamily(
            "riskcap_last_run_timestamp_seconds", "When the latest succeeded EOD run finished"
        )
        tasks = GaugeMetricFamily(
            "riskcap_last_run_task_duration_seconds",
            "Task durations of the latest succeeded EOD run",
            labels=["task"],
        )
        var = GaugeMetricFamily(
            "riskcap_last_var",
            "Latest VaR of each desk (reporting currency, loss positive)",
            labels=["node", "method", "horizon", "confidence"],
        )
        if run is not None and run.finished_at is not None:
            duration.add_metric([], (run.finished_at - run.created_at).total_seconds())
            stamp.add_metric([], run.finished_at.timestamp())
            for t in self.catalog.tasks(run.run_id):
                if t.started_at and t.finished_at:
                    seconds = (t.finished_at - t.started_at).total_seconds()
                    tasks.add_metric([t.name], seconds)
            with self.catalog.session() as s:
                rows = s.scalars(
                    select(Result).where(
                        Result.run_id == run.run_id,
                        Result.measure == "var",
                        Result.node.startswith("desk:"),
                    )
                ).all()
            for r in rows:
                var.add_metric([r.node, r.method, str(r.horizon), str(r.confidence)], r.value)
        with self.catalog.session() as s:
            open_alerts = s.scalar(select(func.count()).where(Alert.acknowledged.is_(False)))
        alerts = GaugeMetricFamily("riskcap_open_alerts", "Limit alerts not acknowledged")
        alerts.add_metric([], float(open_alerts or 0))
        yield from (duration, stamp, tasks, var, alerts)


class ServiceMetrics:
    """The app's registry and the metrics measured in the process."""

    def __init__(self, catalog: Catalog) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "riskcap_http_request_duration_seconds",
            "Latency of API requests",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.runs = Histogram(
            "riskcap_eod_run_duration_seconds",
            "EOD runs the service ran, by outcome",
            ["outcome"],
            buckets=RUN_BUCKETS,
            registry=self.registry,
        )
        self.tasks = Histogram(
            "riskcap_eod_task_duration_seconds",
            "EOD task durations of the runs the service ran",
            ["task"],
            buckets=RUN_BUCKETS,
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "riskcap_auth_failures",
            "Failed authentications by reason (missing, malformed, unknown, revoked, throttled)",
            ["reason"],
            registry=self.registry,
        )
        self.registry.register(CatalogCollector(catalog))

    def on_event(self, event: Event) -> None:
        if event.kind is EventKind.TASK_DONE and event.task:
            self.tasks.labels(event.task).observe(event.seconds)

    def on_done(self, outcome: str, seconds: float) -> None:
        self.runs.labels(outcome).observe(seconds)
