"""The trainers' app without a browser: the run and its twin, the trainer's actions, the
sliders from the declarations, the two languages, the figures and ``gvi app``."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gvi.app.page as page_module
import gvi.app.session as session_module
from gvi.app.figures import CityFigure, TimelineFigure, heat_colour
from gvi.app.levers import levers
from gvi.app.run import TrainingRun
from gvi.app.server import check, command, environment, is_loopback, public_warning
from gvi.app.session import Session
from gvi.app.text import EN, SV, DayRef, tr
from model import EventKind, GVIModel
from scenarios import load_scenario, parameters

GVI = shutil.which("gvi", path=str(Path(sys.executable).parent)) or "gvi"


@pytest.fixture
def gvi_run() -> TrainingRun:
    """A gvi run stepped just past the rollout (each test its own: the tests act on it)."""
    run = TrainingRun(load_scenario("gvi"), 1)
    run.step(run.rollout + 1)
    return run


def test_run_starts_on_day_zero_after_a_silent_warmup() -> None:
    run = TrainingRun(load_scenario("gvi"), 3)
    assert run.days_run == 0
    assert run.live.steps == run.twin.steps == run.live.warmup_day
    assert run.total_days == 1095 and run.rollout == 365
    assert not run.feed  # the warm-up leaves no feed behind
    assert run.step(2) == 2 and run.days_run == 2


def test_twin_is_the_same_city_without_policy_in_lockstep() -> None:
    run = TrainingRun(load_scenario("gvi"), 1)
    run.step(run.rollout + 200)
    live = np.asarray(run.live.datacollector.model_vars["shootings"])
    twin = np.asarray(run.twin.datacollector.model_vars["shootings"])
    r = run.live.rollout_day
    assert np.array_equal(live[:r], twin[:r])  # same dice until the policy starts
    assert not np.array_equal(live[r:], twin[r:])
    assert not run.twin.policy_on
    assert not run.twin.log.of_kind(EventKind.CALLIN)
    # the same as running the twin on its own
    alone = GVIModel(load_scenario("gvi").baseline_twin(), rng=1)
    for _ in range(run.twin.steps):
        alone.step()
    assert np.array_equal(np.asarray(alone.datacollector.model_vars["shootings"]), twin)


def test_actions_wait_for_the_rollout_and_need_the_policy() -> None:
    run = TrainingRun(load_scenario("gvi"), 1)
    assert run.blocked("callin") == ("why_before", {"start": 366})
    out = run.hold_callin()
    assert not out.ok and out.key == "why_before"
    base = TrainingRun(load_scenario("baseline"), 1)
    base.step(400)
    assert base.blocked("callin") == ("why_no_policy", {})
    crack = TrainingRun(load_scenario("crackdown"), 1)
    crack.step(crack.rollout + 1)
    assert crack.blocked("enforce") == ("why_no_enforcement", {})
    assert crack.blocked("skip") == ("why_no_enforcement", {})


def test_trainer_callin_reaches_the_feed_the_marks_and_the_cost(gvi_run: TrainingRun) -> None:
    run = gvi_run
    cost, marks = run.extra_cost, len(run.marks.callins)
    out = run.hold_callin()
    assert out.ok and out.values["n"] > 0
    last = run.feed[-1]
    assert last.tag == "callin" and last.parts[0][0] == "ev_callin_trainer"
    assert last.day == run.days_run
    assert len(run.marks.callins) == marks + 1
    assert run.extra_cost == pytest.approx(cost + run.live.params.costs.callin_sek)
    assert run.indicators()["cost"][0] >= run.extra_cost


def test_notify_and_order_enforcement(gvi_run: TrainingRun) -> None:
    run = gvi_run
    while run.last_shooting is None:
        run.step(1)
    shot = run.last_shooting
    out = run.notify_last_shooting()
    # nobody in either group has been notified in this run yet: the notification reaches
    # up to members_per_group of each, puts both groups on notice and is logged
    per_group = run.live.params.notifications.members_per_group
    assert out.ok and out.key == "done_notify"
    assert 0 < out.values["n"] <= 2 * per_group
    logged = run.live.events().query("kind == 'notification' and cause == 'trainer'")
    assert list(logged["ref"]) == [shot.id]
    assert len(logged["members"].iloc[0]) == out.values["n"]
    assert run.city_state()["notice"][[shot.group, shot.target]].all()
    group = int(np.argmax(run.city_state()["free"]))
    first = run.enforce(group)
    assert first.ok
    assert run.enforce(group).key == "fail_enforce"  # already ordered
    run.step(1)
    kinds = [item.parts[0][0] for item in list(run.feed)[-12:]]
    assert "ev_trainer_enforce" in kinds and "ev_enforce_ordered" in kinds
    assert run.city_state()["enforced"][group]


def test_skipping_follow_through_breaks_every_promise() -> None:
    run = TrainingRun(load_scenario("gvi"), 2)
    run.step(run.rollout + 1)
    assert run.set_skip(True).ok
    start = run.live.day
    run.step(run.total_days)
    decided = [
        e
        for e in run.live.log.events
        if e.kind in (EventKind.ENFORCEMENT, EventKind.ENFORCEMENT_SKIPPED)
        and e.ref >= 0
        and run.live.log[e.ref].day > start
    ]
    assert decided, "no enforcement decision in the rest of the run"
    assert all(e.kind is EventKind.ENFORCEMENT_SKIPPED for e in decided)
    assert run.over and run.blocked("callin") == ("why_over", {})
    assert run.set_skip(False).ok and not run.live.desk.break_promises


def test_feed_reads_in_both_languages() -> None:
    run = TrainingRun(load_scenario("gvi_lapse"), 4)
    run.step(run.total_days)
    tags = {item.tag for item in run.feed}
    assert {"shooting", "callin", "notify", "policy"} <= tags
    for item in run.feed:
        for lang in ("en", "sv"):
            text = " ".join(tr(lang, k, **v) for k, v in item.parts)
            assert "{" not in text and "day -" not in text and "dag -" not in text
    assert DayRef(0).text("sv") == "före dag 1" and DayRef(12).text("en") == "on day 12"


def test_sliders_come_from_the_declarations() -> None:
    declared = [p for p in parameters() if p.lever]
    sliders = levers(load_scenario("gvi"))
    assert [s.path for s in sliders] == [p.path for p in declared]
    for s, p in zip(sliders, declared, strict=True):
        assert s.label("en") == p.label and s.label("sv") == p.label_sv
        assert s.low <= p.default <= s.high
        assert (p.ge is None or s.low >= p.ge) and (p.le is None or s.high <= p.le)
        assert s.step == 1 if s.is_int else 0 < s.step < s.high - s.low
    small = levers(load_scenario("orebro"))
    assert all(s.low <= s.value_in(load_scenario("orebro")) <= s.high for s in small)


def test_slider_values_reach_the_next_run() -> None:
    s = Session("en")
    s.set_lever("enforcement.fidelity", 0.25)
    s.set_seed(7)
    assert s.pending and s.run.seed == 1
    s.reset()
    assert not s.pending
    assert s.run.seed == 7 and s.run.live.params.enforcement.fidelity == 0.25
    assert s.run.twin.params.enforcement.fidelity == 0.25  # the twin is the same city
    s.set_lever("enforcement.fidelity", 7.0)  # out of range: held at the slider's end
    assert s.values["enforcement.fidelity"] == 1.0


def test_sessions_share_no_run() -> None:
    a, b = Session("en"), Session("sv")
    a.run.step(30)
    b.reset()
    assert a.run is not b.run and a.city is not b.city
    assert a.run.days_run == 30 and b.run.days_run == 0
    for module in (page_module, session_module):
        shared = [
            name
            for name, value in vars(module).items()
            if isinstance(value, Session | TrainingRun | GVIModel)
        ]
        assert not shared, f"{module.__name__} holds a run at module level: {shared}"


def test_every_string_in_both_languages_with_the_same_placeholders() -> None:
    assert EN.keys() == SV.keys()
    for key in EN:
        assert set(re.findall(r"{(\w+)}", EN[key])) == set(re.findall(r"{(\w+)}", SV[key])), key


def test_swedish_strings_hold_no_english() -> None:
    same = {k for k in EN if EN[k] == SV[k]}
    assert same <= {"h_scenario", "preset", "mark_callin"}, same  # "Scenario", "Call-in"
    english = {"the", "and", "of", "group", "shooting", "members", "day", "with", "after"}
    for key, text in SV.items():
        words = set(re.findall(r"[A-Za-z]+", re.sub(r"{\w+(:\w+)?}", "", text).lower()))
        assert not words & english, f"{key}: {text}"


def test_figures_draw_the_state() -> None:
    run = TrainingRun(load_scenario("gvi"), 1)
    run.step(run.rollout + 1)
    run.hold_callin()
    city = CityFigure(run).svg("City")
    assert city.count('class="node"') == run.live.city.n_groups
    assert city.count('class="notice"') == int(run.city_state()["notice"].sum())
    timeline = TimelineFigure(run)
    svg = timeline.svg("sv", cumulative=False)
    assert svg.count('class="mark-callin"') == len(run.marks.callins) >= 1
    assert "GVI startar" in svg and 'class="live"' in svg and 'class="twin"' in svg
    assert "Total so far" in timeline.svg("en", cumulative=True)
    assert heat_colour(0) == "#FFFFFF" and heat_colour(99) == "#B2182B"


def test_public_interfaces_are_warned_about() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert is_loopback(host) and public_warning(host) is None
    for host in ("0.0.0.0", "::", "192.168.1.20"):
        assert public_warning(host) is not None and host in public_warning(host)


def test_server_command_is_offline_and_local(monkeypatch: pytest.MonkeyPatch) -> None:
    cmd = command("127.0.0.1", 8765)
    assert "gvi.app.page" in cmd and "--production" in cmd and "--no-check-version" in cmd
    env = environment("sv")
    assert env["GVI_APP_LANG"] == "sv"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert page_module.initial_lang("lang=sv") == "sv"
    # an unknown language in the address falls back to the server's language
    for server_lang in ("en", "sv"):
        monkeypatch.setenv("GVI_APP_LANG", server_lang)
        assert page_module.initial_lang("x=1&lang=xx") == server_lang
        assert page_module.initial_lang(None) == server_lang
    monkeypatch.delenv("GVI_APP_LANG")
    assert page_module.initial_lang("lang=") == "en"


def test_bad_port_or_language_is_refused() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ValueError, match="cannot listen"):
            check("127.0.0.1", port, "en")
    for port in ("0", "70000", "http"):
        with pytest.raises(ValueError, match="--port"):
            check("127.0.0.1", port, "en")
    with pytest.raises(ValueError, match="--lang"):
        check("127.0.0.1", 8765, "de")


@pytest.mark.parametrize(
    "args", [["--port", "70000"], ["--port", "eighty"], ["--lang", "fi"]], ids=str
)
def test_gvi_app_bad_input_exits_2_with_one_line(args: list[str]) -> None:
    r = subprocess.run([GVI, "app", *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
