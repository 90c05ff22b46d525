"""The Prometheus alert rules in deploy/prometheus, checked with promtool and against the metrics
the service exposes.

promtool validates the rules and runs their unit tests (alerts_test.yml); the tests here add what
promtool cannot know: that every metric, label and label value a rule or a test series names is
one the service really exposes, and that every alert has a case that fires and one that does not.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.files import ROOT, load_yaml

RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts_test.yml"

# The service's metrics: each label with its values, or None where any value may occur.
Labels = dict[str, frozenset[str] | None]
COUNTERS_AND_GAUGES: dict[str, Labels] = {
    "buddy_http_requests_total": {"route": None, "method": None, "status": None},
    "buddy_chat_streams_total": {
        "provider": None,
        "outcome": frozenset({"complete", "error", "cancelled", "refused"}),
    },
    "buddy_tool_calls_total": {"tool": None, "outcome": frozenset({"ok", "error"})},
    "buddy_llm_tokens_total": {"kind": frozenset({"prompt", "completion"})},
    "buddy_feedback_total": {"type": frozenset({"thumbs_up", "thumbs_down"})},
    "buddy_access_checks_total": {
        "result": frozenset({"ok", "missing", "unknown", "disabled", "expired"})
    },
    "buddy_rate_limited_total": {"scope": frozenset({"api", "chat", "key"})},
    "buddy_storage_errors_total": {"operation": None},
    "buddy_feedback_outbox_pending": {},
}
HISTOGRAMS: dict[str, Labels] = {
    "buddy_http_request_duration_seconds": {"route": None},
    "buddy_chat_first_content_seconds": {},
    "buddy_chat_stream_duration_seconds": {},
    "buddy_search_top_similarity": {},
}
# Prometheus adds these to every series it scrapes.
TARGET_LABELS: Labels = {"instance": None, "job": None}
SEVERITIES = {"page", "ticket", "info"}
# Each alert's description sends the reader to at least one of these.
WHERE_TO_LOOK = ("/admin insights page", "Phoenix", "GET /health", "buddy db", "provider")


def exposed_series() -> dict[str, Labels]:
    """Every series name a rule may select, a histogram's three included."""
    series = {name: {**labels, **TARGET_LABELS} for name, labels in COUNTERS_AND_GAUGES.items()}
    for name, labels in HISTOGRAMS.items():
        series[f"{name}_bucket"] = {**labels, **TARGET_LABELS, "le": None}
        series[f"{name}_sum"] = series[f"{name}_count"] = {**labels, **TARGET_LABELS}
    return series


@dataclass(frozen=True)
class Selector:
    metric: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, operator, value)


MATCHERS = re.compile(r"\{[^{}]*\}")
MATCHER = re.compile(r'([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
# Everything that names labels or times rather than series: by (...), [5m], offset 1h.
NOT_SERIES = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|\[[^\]]*\]|\boffset\s+\S+"
)
NAME = re.compile(r"(?<![\w.:])([A-Za-z_:][\w:]*)(?:\s*\{#(\d+)\})?")
KEYWORDS = {"and", "or", "unless", "bool", "by", "without", "on", "ignoring", "inf", "nan"}


def selectors(expr: str) -> list[Selector]:
    """The series selectors of a PromQL expression: function and keyword names left out."""
    bodies: list[str] = []

    def park(match: re.Match[str]) -> str:
        bodies.append(match.group())
        return f"{{#{len(bodies) - 1}}}"

    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', MATCHERS.sub(park, expr))
    text = NOT_SERIES.sub(" ", text)
    found = []
    for match in NAME.finditer(text):
        name, body = match.group(1), match.group(2)
        if name.lower() in KEYWORDS or text[match.end() :].lstrip().startswith("("):
            continue
        matchers = MATCHER.findall(bodies[int(body)]) if body is not None else []
        found.append(Selector(name, tuple(matchers)))
    return found


def problems(expr: str) -> list[str]:
    """What in EXPR names a series, a label or a label value the service does not expose."""
    series = exposed_series()
    found: list[str] = []
    for selector in selectors(expr):
        labels = series.get(selector.metric)
        if labels is None:
            found.append(f"{selector.metric} is not a metric of the service")
            continue
        for label, operator, value in selector.matchers:
            if label not in labels:
                found.append(f"{selector.metric} has no label {label}")
                continue
            allowed = labels[label]
            words = value.split("|") if operator in {"=~", "!~"} else [value]
            plain = [word for word in words if re.fullmatch(r"\w+", word)]
            if allowed is not None and (not plain or set(plain) - allowed):
                found.append(
                    f'{selector.metric}{{{label}{operator}"{value}"}}: not among {sorted(allowed)}'
                )
    return found


def alert_rules() -> list[dict[str, Any]]:
    (group,) = load_yaml(RULES)["groups"]
    assert group["name"] == "buddy"
    rules = group["rules"]
    assert isinstance(rules, list)
    return rules


def rule_tests() -> list[dict[str, Any]]:
    tests = load_yaml(RULE_TESTS)["tests"]
    assert isinstance(tests, list)
    return tests


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip(
            "promtool is not installed: `make install-dev` puts Debian's in /usr/local/bin "
            "when it runs as root on Debian (scripts/ensure_promtool.sh)"
        )
    return subprocess.run(
        [path, *args], cwd=ROOT, check=False, capture_output=True, text=True, timeout=120
    )


def test_promtool_accepts_the_rules() -> None:
    result = promtool("check", "rules", str(RULES.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_promtool_passes_the_rule_tests() -> None:
    result = promtool("test", "rules", str(RULE_TESTS.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_accepts_the_example_prometheus_configuration(tmp_path: Path) -> None:
    """The example scrape configuration, with its key file where promtool can find one."""
    config = load_yaml(ROOT / "deploy" / "prometheus" / "prometheus.yml")
    key_file = tmp_path / "buddy-admin-key"
    key_file.write_text("bk_example\n")
    [job] = config["scrape_configs"]
    assert job["authorization"]["credentials_file"] == "/etc/prometheus/buddy-admin-key"
    job["authorization"]["credentials_file"] = str(key_file)
    shutil.copy(RULES, tmp_path / RULES.name)
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    result = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("expr", "problem"),
    [
        ("rate(buddy_http_request_total[5m])", "buddy_http_request_total is not a metric"),
        ('sum by (le) (buddy_chat_streams_total{outcome="failed"})', 'outcome="failed"'),
        ('buddy_rate_limited_total{scope=~"chat|mcp"} > 1', 'scope=~"chat|mcp"'),
        ("histogram_quantile(0.9, buddy_search_top_similarity)", "buddy_search_top_similarity"),
        ('buddy_feedback_outbox_pending{route="/api/chat"}', "has no label route"),
    ],
)
def test_the_metric_check_finds_what_the_service_does_not_expose(expr: str, problem: str) -> None:
    assert any(problem in found for found in problems(expr)), problems(expr)


def test_rules_use_only_the_services_metrics() -> None:
    checked = set()
    for rule in alert_rules():
        assert not problems(rule["expr"]), (rule["alert"], problems(rule["expr"]))
        checked |= {selector.metric for selector in selectors(rule["expr"])}
    # The check saw the metrics the rules are about, so it did not pass by finding nothing.
    assert {"buddy_http_requests_total", "buddy_chat_first_content_seconds_bucket"} <= checked


def test_rule_tests_feed_only_the_services_metrics() -> None:
    for test in rule_tests():
        for item in test["input_series"]:
            assert len(selectors(item["series"])) == 1, item["series"]
            assert not problems(item["series"]), (test["name"], problems(item["series"]))


def test_every_alert_has_a_case_that_fires_and_one_that_stays_quiet() -> None:
    alerts = {rule["alert"] for rule in alert_rules()}
    firing: set[str] = set()
    quiet: set[str] = set()
    for test in rule_tests():
        for case in test["alert_rule_test"]:
            (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    assert not alerts - firing, f"no test where these fire: {sorted(alerts - firing)}"
    assert not alerts - quiet, f"no test where these stay quiet: {sorted(alerts - quiet)}"
    assert not (firing | quiet) - alerts, "tests name alerts that alerts.yml does not have"


def test_every_alert_says_how_urgent_it_is_and_what_to_check() -> None:
    for rule in alert_rules():
        assert re.fullmatch(r"Buddy[A-Z]\w+", rule["alert"]), rule
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert set(rule["labels"]) == {"severity"}, rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert set(rule["annotations"]) == {"summary", "description"}, rule["alert"]
        description = rule["annotations"]["description"]
        assert any(place in description for place in WHERE_TO_LOOK), rule["alert"]


def test_the_metric_list_is_what_the_service_defines() -> None:
    """The lists above are the service's own registry, so a rule cannot name a metric (or a
    label) that a rename left behind."""
    from prometheus_client.metrics import MetricWrapperBase  # noqa: PLC0415

    from buddy.metrics import registry  # noqa: PLC0415

    defined: dict[str, set[str]] = {}
    for value in vars(registry).values():
        if isinstance(value, MetricWrapperBase):
            suffix = "_total" if value._type == "counter" else ""
            defined[value._name + suffix] = set(value._labelnames)
    listed = {name: set(labels) for name, labels in {**COUNTERS_AND_GAUGES, **HISTOGRAMS}.items()}
    assert defined == listed
