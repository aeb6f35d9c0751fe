"""The one-line errors of the files users write for ``gvi sweep``, ``sensitivity``,
``calibrate`` and ``fit-city``, of the group audits a scenario or a fit-city file
names (places in the CSV files too), and of the result folders, jobs and options of those
commands and of ``gvi discover`` and ``gvi plan``, in English and in Swedish.

Every such message is an entry of the ``cli`` catalogue (:class:`scenarios.errors.Message`);
the table of bad inputs (``tests/messages_cases.py``) runs through the command line in
both languages: the same exit code 2, the same number of lines, nothing written, and in
Swedish no English message text left. A guard refuses a new message written in English
in the code of these files instead of in the catalogue.
"""

from __future__ import annotations

import ast
import errno
import pickle
import re
import string
from pathlib import Path

import pytest
from messages_cases import CASES, ROOT, Case, Outcome, run_case

from experiments.folders import ours
from gvi.cli.problems import message_text
from gvi.i18n import translator
from gvi.i18n.catalog import load_catalog
from scenarios.errors import Checked, Message, Number, Problem, ScenarioError

EN, SV = translator("cli", "en"), translator("cli", "sv")
PREFIX = {"en": "error: ", "sv": "fel: "}

# Words of English messages that Swedish never uses; a Swedish line holding one (outside
# quotes, paths, keys and numbers) has English left in it.
_WORDS = (
    "the is are be must not of or and to with on at add give use unknown required should "
    "valid only least more than each year years folder cannot did you mean choose another "
    "delete rerun write needs holds twice whole numbers quotes missing found empty saved "
    "remove invalid expected got lists allowed"
)
ENGLISH = frozenset(_WORDS.split())
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\[[^\]]*\]")
_TOKEN = re.compile(r"\S+")


def english_words(line: str) -> set[str]:
    """English message words in ``line``: quoted text, [tables], paths, dotted or
    underscored keys, options and numbers left out."""
    words = set()
    for token in _TOKEN.findall(_QUOTED.sub(" ", line)):
        word = token.strip(".,;:()?!")
        if not word or re.search(r"[0-9_./=<>\\-]", word):
            continue
        words.add(word.lower())
    return words & ENGLISH


def fragments(text: str) -> list[str]:
    """The literal pieces of a catalogue text, between its placeholders."""
    return [lit.strip() for lit, *_ in string.Formatter().parse(text) if len(lit.strip()) > 2]


def forms(t, key: str) -> list[str]:
    """Every form of a catalogue entry (both of a plural entry)."""
    if key in t.plural_keys:
        return [t.form(key, 1), t.form(key, 2)]
    return [t.text(key)]


def worded_by(stderr: str, t, key: str) -> bool:
    """Does ``stderr`` hold every literal piece of one form of entry ``key``, in order?"""
    for text in forms(t, key):
        at, found = 0, True
        for piece in fragments(text):
            at = stderr.find(piece.replace("{{", "{").replace("}}", "}"), at)
            if at < 0:
                found = False
                break
        if found:
            return True
    return False


def _check_refused(case: Case, outcome: Outcome, lang: str) -> None:
    assert outcome.code == 2, (case.id, lang, outcome.stderr)
    assert outcome.stdout == "" and "Traceback" not in outcome.stderr, (case.id, lang)
    assert len(outcome.lines) == case.lines, (case.id, lang, outcome.lines)
    assert all(line.startswith(PREFIX[lang]) for line in outcome.lines), outcome.lines
    # nothing but the lock of a result folder that existed already
    assert [w for w in outcome.wrote if not ours(Path(w).name)] == [], (case.id, outcome.wrote)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_input_is_refused_in_swedish_as_in_english(case: Case, tmp_path: Path) -> None:
    en, sv = run_case(case, tmp_path / "en", "en"), run_case(case, tmp_path / "sv", "sv")
    _check_refused(case, en, "en")
    _check_refused(case, sv, "sv")
    for en_line, sv_line in zip(en.lines, sv.lines, strict=True):
        assert sv_line.removeprefix("fel: ") != en_line.removeprefix("error: "), sv_line
        assert not english_words(sv_line), (case.id, english_words(sv_line), sv_line)
    for key in case.keys:
        assert worded_by(en.stderr, EN, key), (case.id, key, en.stderr)
        assert worded_by(sv.stderr, SV, key), (case.id, key, sv.stderr)
    for value in case.absent:  # a refused cell's value, in no language
        for outcome in (en, sv):
            assert value not in outcome.stdout + outcome.stderr, (case.id, value, outcome.stderr)


def test_the_check_finds_english_left_in_a_swedish_line() -> None:
    line = "fel: x.toml: parameters[a.b].bounds = [0.9, 0.2]: low must be below high"
    assert english_words(line) == {"must", "be"}
    swedish = "fel: x.toml: replicates = 0: måste vara >= 1 (SALib tolkar 0 som inget slumpfrö)"
    assert english_words(swedish) == set()
    assert worded_by("error: f: method.n: is required for a lhs design", EN, "problem.n_required")
    assert not worded_by("fel: f: method.n: krävs för en design", SV, "problem.n_required")


# --- every message of these files is a catalogue entry, and the corpus uses each one -----

# The code of the files and one-line errors this covers.
MODULES = (
    "scenarios/files.py",
    "experiments/experiment.py",
    "experiments/calibrate_spec.py",
    "experiments/fitcity.py",
    "experiments/folders.py",
    "experiments/budget.py",
    "experiments/store.py",
    "experiments/output.py",
    "experiments/ensemble.py",
    "experiments/executors.py",
    "experiments/discovery.py",
    "experiments/plan.py",
    "experiments/decision.py",
    "experiments/study.py",
    "experiments/calibrate_smc.py",
    "experiments/calibrate.py",
    "scenarios/audit.py",
    "scenarios/tables.py",
    "scenarios/privacy.py",
)
# Text raised in English on purpose, by (module, function): errors of a program that
# calls the engine wrongly, not of a user's input, and one that is not a one-line error.
ENGLISH_ON_PURPOSE = {
    ("experiments/fitcity.py", "fit_city"),  # lang must be 'en' or 'sv' (the CLI checks it)
    ("experiments/store.py", "_canonical"),  # a store identity that is not JSON
    ("experiments/store.py", "update_manifest"),  # a store's identity cannot change
    ("experiments/store.py", "_read_part"),  # a part without a column: the reason of a Message
    ("experiments/store.py", "_frame"),  # an output named like an index column
    ("experiments/ensemble.py", "write"),  # an ensemble written without its columns
}
_MESSAGE_NAMES = ("why", "message", "hint", "msg")


def _sentence(node: ast.AST) -> bool:
    """Text with a space in it: a message, not a catalogue key."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and " " in node.value
    if isinstance(node, ast.JoinedStr):
        return any(_sentence(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _sentence(node.left) or _sentence(node.right)
    return False


def english_messages(code: str, name: str) -> list[str]:
    """Messages written in English in ``code`` (the module ``name``): text raised, given
    to a :class:`Problem` (as its message, or as its place: ``"row 2, size"``), or kept
    as a message (``why = "..."``)."""
    found = []
    for func in ast.walk(ast.parse(code)):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if (name, func.name) in ENGLISH_ON_PURPOSE:
            continue
        for node in ast.walk(func):
            text = None
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                text = node.exc.args[0]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem":
                given = node.args[3:4] + [k.value for k in node.keywords if k.arg == "message"]
                where = node.args[1:2] + [k.value for k in node.keywords if k.arg == "key"]
                text = next((g for g in (*given, *where) if _sentence(g)), None)
            elif isinstance(node, ast.Assign) and any(
                getattr(t, "id", "") in _MESSAGE_NAMES for t in node.targets
            ):
                text = node.value
            if text is not None and _sentence(text):
                found.append(f"{name}:{node.lineno} ({func.name}): {ast.unparse(text)[:80]}")
    return sorted(set(found))


def test_no_message_of_these_files_is_written_in_english_in_the_code() -> None:
    found = [
        m
        for module in MODULES
        for m in english_messages((ROOT / module).read_text(encoding="utf-8"), module)
    ]
    assert found == [], "word these in the cli catalogue (Message):\n" + "\n".join(found)


def test_the_guard_finds_a_message_written_in_english() -> None:
    code = (
        "def check(x):\n"
        "    if x:\n"
        "        raise ValueError(f'{x} is not allowed')\n"
        "    why = 'must be positive'\n"
        "    return [Problem('f', 'k', x, 'is wrong here')]\n"
        "def place(n):\n"
        "    return [Problem('f', f'row {n}, size', None, Message('problem.empty'))]\n"
        "def fine(x):\n"
        "    Problem('f', at_cell(2, 'size'), x, Message('problem.empty'))\n"
        "    why = Message('problem.required')\n"
        "    raise ValueError(Message('problem.n_required', kind=x))\n"
    )
    found = english_messages(code, "experiments/new.py")
    assert [f.split(" ", 1)[0] for f in found] == [
        "experiments/new.py:3",
        "experiments/new.py:4",
        "experiments/new.py:5",
        "experiments/new.py:7",
    ]


_KEY = re.compile(r"""["'](problem\.[a-z0-9_.]+|err\.[a-z0-9_.]+)["']""")


def keys_in_code() -> set[str]:
    """Catalogue keys the code of these files names (families written with a
    placeholder, such as ``problem.target.{name}``, filled in from their tables)."""
    from experiments.calibrate_spec import TARGETS
    from experiments.decision import STAFF

    keys: set[str] = set()
    for module in MODULES:
        keys |= set(_KEY.findall((ROOT / module).read_text(encoding="utf-8")))
    keys |= {f"problem.target.{name}" for name in TARGETS}
    keys |= {f"problem.plan_{name}" for name in STAFF}
    keys |= {"problem.parent_link_loop"}  # scenarios/loader
    return keys


# Keys of these files the corpus does not reach (a full disk, a damaged part, an
# ensemble of another model, arguments the command line checks itself first, ...):
# test_messages_the_corpus_cannot_reach words each of them.
_UNREACHED = """
    problem.link_loop problem.parent_link_loop problem.bad_file_name
    problem.not_regular_file problem.unreadable problem.too_large_grown problem.is_folder
    problem.toml_at problem.toml_error problem.toml.other problem.no_bounds
    problem.folder_unreadable problem.fit_stale problem.fit_no_rise problem.job_kept
    problem.job_city problem.job_split_groups problem.job_split_replicates
    problem.store_damaged problem.store_version_old problem.store_differs problem.store_write
    problem.store_kept problem.store_a_part problem.store_merged_part problem.store_unreadable
    problem.cannot_write_at problem.cannot_write problem.fix_disk_full
    problem.fix_not_writable problem.fix_check_disk problem.ensemble_not_installed
    problem.ensemble_weights problem.ensemble_shipped problem.ensemble_object
    problem.ensemble_model_code problem.ensemble_not_parameter problem.ensemble_lever
    problem.ensemble_scenario problem.ensemble_differs problem.dask_both problem.dask_local
    problem.dask_unreachable problem.dask_no_workers problem.dask_missing
    problem.discover_replicates problem.not_discovery problem.plan_enforcement_units
    problem.plan_preset problem.not_plan problem.not_model_parameter problem.limit_below
    problem.audit_folder_missing problem.csv_unreadable problem.csv_none
"""
NOT_IN_CORPUS = frozenset(_UNREACHED.split())


def test_the_corpus_reaches_every_message_of_these_files() -> None:
    in_corpus = {key for case in CASES for key in case.keys}
    used = keys_in_code()
    missing = sorted(used - in_corpus - NOT_IN_CORPUS)
    assert missing == [], f"add a case to tests/messages_cases.py for {missing}"
    assert in_corpus <= set(EN.keys) | set(EN.plural_keys)


def test_every_problem_entry_is_used() -> None:
    """No entry of the catalogue's problem.* is left over (the scenario checks'
    rewording in gvi/cli/problems.py names its own)."""
    problems = (ROOT / "gvi/cli/problems.py").read_text(encoding="utf-8")
    used = keys_in_code() | set(_KEY.findall(problems))
    loader = (ROOT / "scenarios/loader.py").read_text(encoding="utf-8")
    used |= set(_KEY.findall(loader))
    for m in load_catalog("cli", "en"):
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        if isinstance(key, str) and key.startswith("problem."):
            assert key in used, f"{key} is in the catalogue but no code words a message by it"


def _swedish(message: str) -> str:
    """``message`` in Swedish, checked: a catalogue entry, worded differently, and no
    English left (but in a ``reason``: the operating system's or a library's words)."""
    text = message_text(message, SV)
    assert isinstance(message, Message), message
    assert text != str(message), text
    ours = text
    for reason in _reasons(message):
        ours = ours.replace(reason, "")
    assert not english_words(ours), (english_words(ours), text)
    return text


def _reasons(message: Message) -> list[str]:
    found = [str(v) for k, v in message.values.items() if k == "reason"]
    for value in message.values.values():
        if isinstance(value, Message):
            found += _reasons(value)
    return found


def _raised(call) -> Message:
    """The message ``call()`` is refused with (a problem's, or an engine error's)."""
    try:
        call()
    except ScenarioError as exc:
        return exc.problems[0].message
    except Exception as exc:  # the engine's one-line errors
        return exc.args[0]
    raise AssertionError("not refused")


def test_messages_the_corpus_cannot_reach(tmp_path: Path) -> None:
    from experiments import ensemble, store
    from experiments.budget import Job, check, check_comparison
    from experiments.decision import lever, spec_of
    from experiments.discovery import discover
    from experiments.discovery import load as load_discovery
    from experiments.executors import make_executor
    from experiments.output import write_fix, write_problem
    from experiments.plan import Limits, search
    from experiments.plan import load as load_plan
    from scenarios import files, load_audit, load_scenario
    from scenarios.tables import _csv_message

    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop.name)
    csv = tmp_path / "groups.csv"
    csv.write_bytes("group_id,size".encode("utf-16"))
    job = Job("gvi compare", 10, 2e12, 2e9, 2)
    made = [
        _raised(lambda: files.read_toml(tmp_path)),  # a folder
        _raised(lambda: files.read_toml(tmp_path / ("x" * 300))),  # a name too long
        _raised(lambda: files.read_toml(Path("/dev/null"))),  # not a regular file
        _raised(lambda: files.read_toml(loop)),
        _raised(lambda: files.read_text(csv, max_bytes=100, utf8_hint="problem.hint_utf8_csv")),
        files._toml_syntax_message(ValueError("Invalid value (at line 3, column 1)"), "x\n\n\n"),
        Message("problem.parent_link_loop", path="loop/a.toml"),
        # the loader and fit-city look for the folder first; the csv module's other errors
        # (a file with no header has no columns to list)
        _raised(lambda: load_audit(tmp_path / "nowhere")),
        _csv_message(ValueError("line contains NUL")),  # the csv module's words
        Message("problem.csv_column_missing", column="'size'", found=Message("problem.csv_none")),
        Message("problem.unreadable", reason="permission denied"),
        Message("problem.too_large_grown", limit="1 048 576"),
        Message("problem.no_bounds"),
        Message("problem.folder_unreadable", out="out", reason="Permission denied"),
        Message("problem.fit_stale", folder="out", point=2500),
        Message("problem.fit_no_rise"),
        _raised(lambda: check(job, split=Message("problem.job_split_groups"))),
        _raised(lambda: check_comparison([load_scenario("baseline")], 10**8)),
        Message("problem.job_city", what="x.toml", members=Number(2e6), most=Number(1e6)),
        store.StoreDamaged(tmp_path / "part.parquet", "ArrowInvalid").args[0],  # pyarrow's words
        Message("problem.store_unreadable", path="p.parquet", reason="Permission denied"),
        Message(
            "problem.store_version",
            folder="out",
            found=store._version_text(None),
            this=store._version_text({"gvi_sim": "1", "model_code": "2"}),
        ),
        Message("problem.store_other", folder="out", difference=store._difference(1, 2)),
        _raised(lambda: ensemble.load(tmp_path)),
        Message("problem.ensemble_not_installed", path="p"),
        Message("problem.ensemble_weights", path="p/ensemble.csv"),
        _raised(lambda: make_executor(1, scheduler="tcp://127.0.0.1:9", dask_local=1)),
        _raised(lambda: make_executor(1, dask_local=0)),
        Message("problem.dask_unreachable", address="tcp://127.0.0.1:9", reason="timed out"),
        Message("problem.dask_no_workers", address="tcp://h:1", seconds="30", variable="V"),
        Message("problem.dask_missing", install="pip install 'gvi-sim[cluster]'"),
        _raised(lambda: discover("gvi", out=tmp_path / "d", replicates=0)),
        _raised(lambda: load_discovery(tmp_path)),
        _raised(lambda: load_plan(tmp_path)),
        _raised(lambda: Limits(1e6, enforcement_units=-1).check()),
        _raised(lambda: search("gvi", out=tmp_path / "p", budget_sek=1e6, presets=("x",))),
        _raised(lambda: spec_of("no.such")),
        _raised(lambda: lever("support.workers", high=-5)),
    ]
    for n in (1, 3):
        for what in (Message("problem.store_a_part"), Message("problem.store_merged_part")):
            fix = Message("problem.fix_disk_full")
            kept = Message("problem.store_kept", count=n)
            made.append(Message("problem.store_write", folder="out", what=what,
                                reason="No space left on device", fix=fix, kept=kept))  # fmt: skip
    for code in (errno.ENOSPC, errno.EACCES, errno.EIO):
        made.append(Message("problem.cannot_write", reason="x", fix=write_fix(code)))
        made.append(write_problem(OSError(errno.ENOSPC, "x"), "out"))
    for where in (Message("problem.ensemble_shipped"), Message("problem.ensemble_object")):
        setter = Message("problem.ensemble_scenario", name="gvi")
        made += [
            Message("problem.ensemble_model_code", where=where, made="a", here="b"),
            Message("problem.ensemble_not_parameter", where=where, path="x.y"),
            Message("problem.ensemble_lever", where=where, path="callins.enabled"),
            Message("problem.ensemble_differs", setter=setter, path="x.y", where=where),
        ]
    for message in made:
        _swedish(message)
    # a message tomllib has not been taught is shown in the parser's words
    other = files._toml_syntax_message(ValueError("Exceeds the limit (4300 digits)"), "x")
    assert other.text(SV) == "TOML-syntaxfel: exceeds the limit (4300 digits)"
    made.append(other)

    def keys(message: Message) -> set[str]:
        nested = [v for v in message.values.values() if isinstance(v, Message)]
        return {message.key}.union(*(keys(v) for v in nested))

    seen = set().union(*(keys(m) for m in made))
    assert seen >= NOT_IN_CORPUS, sorted(NOT_IN_CORPUS - seen)


def test_a_message_keeps_its_words_across_processes() -> None:
    """Problems travel between worker processes by pickle: the message stays a
    catalogue entry, nested values and counts too."""
    message = Message(
        "problem.store_write",
        folder="o",
        what=Message("problem.store_a_part"),
        reason="No space left on device",
        fix=Message("problem.fix_disk_full"),
        kept=Message("problem.store_kept", count=3),
    )
    error = ScenarioError([Problem("f.toml", "k", 1, message)])
    again = pickle.loads(pickle.dumps(error))
    copy = again.problems[0].message
    assert isinstance(copy, Message) and copy == message and copy.key == message.key
    assert copy.text(SV) == message.text(SV) and "3 färdiga körningar" in copy.text(SV)


def test_a_scenario_check_inside_a_message_is_worded_again() -> None:
    reason = Checked(
        "p_fatal + p_injury = 1.2 must be at most 1 (they are shares of the same shootings; "
        "lower one of them)"
    )
    message = Message("problem.invalid_value", reason=reason)
    assert str(message) == "invalid: " + reason
    assert message.text(SV) == "ogiltigt: " + reason  # without the command line's rewording
    assert message_text(message, SV).startswith("ogiltigt: p_fatal + p_injury = 1.2 får vara")


def test_numbers_a_message_computes_follow_the_language() -> None:
    message = Message("problem.job_split_replicates", most=Number(12345))
    assert str(message) == "use fewer --replicates (here at most about 12,345)"
    assert message.text(SV) == "använd färre --replicates (här högst ungefär 12\u00a0345)"


def test_the_target_descriptions_are_the_catalogues() -> None:
    from experiments.calibrate_spec import TARGETS

    for name, target in TARGETS.items():
        assert EN(f"problem.target.{name}") == target.description
