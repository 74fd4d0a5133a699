"""memtrace's pytest plugin: per-test memory and copy budgets.

    pytest -p memtrace.pytest_plugin --memtrace tests/      # re-runs pytest under the tracer

    @pytest.mark.memtrace(max_peak="150 MB", max_extra_copies=1, max_stalls=0,
                          max_copied="200 MB")
    def test_decode(): ...

Under the tracer every test is a region named by its node id.  At the end of
a test that has budgets (from its marker, from --memtrace-max-* on the
command line, or from memtrace_max_* in the pytest ini; the marker wins) the
plugin commits the trace (memtrace.sync), runs ``memtrace-report gate`` on
the live database restricted to that test's region, and fails the test in
pytest's own report with the budget, the measured value and the stack of the
peak or of the copy that broke it.  Tests without budgets are not checked.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

import memtrace

# (marker keyword, gate option, what the budget bounds); sizes take K/M/G
# (powers of 1024, "150 MB" or "150M"), counts a whole number
BUDGETS = (
    ("max_peak", "--max-peak", "peak memory"),
    ("max_extra_copies", "--max-extra-copies", "extra copies"),
    ("max_stalls", "--max-stalls", "stalls"),
    ("max_copied", "--max-copied", "copied bytes"),
)
# the first words of each budget's line in `memtrace-report gate` output
GATE_LINES = {"peak": "max_peak", "extra": "max_extra_copies", "stalls": "max_stalls",
              "copied": "max_copied"}
HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_addoption(parser):
    group = parser.getgroup("memtrace", "memtrace: per-test memory and copy budgets")
    group.addoption("--memtrace", action="store_true", default=False,
                    help="run the tests under memtrace (pytest is started again under the "
                         "tracer unless it already runs under it)")
    group.addoption("--memtrace-db", default=None, metavar="FILE",
                    help="the trace --memtrace writes (default: memtrace.pytest.db)")
    group.addoption("--memtrace-top", type=int, default=5, metavar="N",
                    help="list the N tests that copied most at the end (default 5; 0: none)")
    for key, option, what in BUDGETS:
        group.addoption("--memtrace-" + key.replace("_", "-"), dest="memtrace_" + key,
                        default=None, metavar="VALUE",
                        help="budget for every test: %s (a marker overrides it)" % what)
        parser.addini("memtrace_" + key, "memtrace budget for every test: " + what,
                      default=None)


def _tool(name):
    """memtrace or memtrace-report: beside this module in the source tree
    (python/memtrace -> build/), else on PATH."""
    for cand in (os.environ.get("MEMTRACE_BIN_DIR"), os.path.join(HERE, "..", "..", "build")):
        if cand and os.access(os.path.join(cand, name), os.X_OK):
            return os.path.abspath(os.path.join(cand, name))
    return shutil.which(name) or name


def _clean_env():
    """The environment without the tracer: the analyzer must not trace itself."""
    env = dict(os.environ)
    for k in list(env):
        if k == "LD_PRELOAD" or k.startswith("MEMTRACE_"):
            del env[k]
    return env


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "memtrace(max_peak=None, max_extra_copies=None, max_stalls=None, "
        "max_copied=None): memory and copy budgets of this test under memtrace")
    if config.getoption("memtrace") and not memtrace.traced():
        _reexec(config)
    # each process checks its own trace: under pytest-xdist every worker is
    # a traced child with a database of its own
    config._memtrace_db = memtrace.database()
    config._memtrace_tests = set()
    config._memtrace_workers = []  # (database, tests) of each pytest-xdist worker


def _reexec(config):
    """Starts this pytest again under the launcher, with the same arguments."""
    db = config.getoption("memtrace_db") or "memtrace.pytest.db"
    args = [_tool("memtrace"), "run", "-f", "-o", db, "--", sys.executable, "-m", "pytest"]
    args += list(config.invocation_params.args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(str(config.invocation_params.dir))
    os.execv(args[0], args)


def _budgets(item):
    """{keyword: value} of the budgets that apply to item: the project's
    defaults (command line, else ini), then the closest marker's."""
    config = item.config
    known = [key for key, _, _ in BUDGETS]
    b = {}
    for key in known:
        v = config.getoption("memtrace_" + key) or config.getini("memtrace_" + key)
        if v not in (None, ""):
            b[key] = v
    mark = item.get_closest_marker("memtrace")
    if mark is not None:
        for key, value in mark.kwargs.items():
            if key not in known:
                raise pytest.UsageError("@pytest.mark.memtrace: unknown budget %r (known: %s)"
                                        % (key, ", ".join(known)))
            b[key] = value
    return b


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if getattr(item.config, "_memtrace_db", None) is None:
        yield
        return
    item.config._memtrace_tests.add(item.nodeid)
    memtrace.region_begin(item.nodeid)
    try:
        yield
    finally:
        memtrace.region_end()


def _where(frame):
    fn = frame.get("function") or "?"
    if frame.get("file"):
        return "%s (%s:%s)" % (fn, frame["file"], frame.get("line") or "?")
    return "%s (%s+%s)" % (fn, frame.get("module") or "?", frame.get("offset", "?"))


def _mib(n):
    return "%.1f MiB" % (n / float(1 << 20))


def _stack_text(title, stack):
    """The innermost named native frame (the code that did the work) and the
    Python frames, as the text report shows a stack; every frame when the
    stack has no Python frames."""
    py = [f for f in stack if f.get("python")]
    native = [f for f in stack if not f.get("python") and f.get("file")][:1]
    shown = (native + py)[:10] if py else stack[:10]
    return "\n".join([title] + ["    " + _where(f) for f in shown])


def _culprit(db, region, key, env):
    """The stack behind a broken budget: the largest block live at the peak,
    or the largest copy (the stall) in the test's region."""
    out = subprocess.run([_tool("memtrace-report"), "report", db, "--region", region, "--json",
                          "--ungrouped", "--top", "1"], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        return ""
    try:
        r = json.loads(out.stdout)
    except ValueError:
        return ""
    if key == "max_peak" and r["peak"]["stacks"]:
        s = r["peak"]["stacks"][0]
        return _stack_text("the largest allocation live at the peak (%s), allocated at:"
                           % _mib(s["bytes"]), s["stack"])
    if key == "max_stalls" and r["stalls"]:
        s = r["stalls"][0]
        return _stack_text("the first stall (%s of %s, %.1f ms), at:"
                           % (s["kind"], _mib(s["bytes"]), s["duration_ns"] / 1e6), s["stack"])
    if r["copies"]:
        c = r["copies"][0]
        return _stack_text("the largest copy (%s of %s), at:" % (c["kind"], _mib(c["bytes"])),
                           c["stack"])
    return ""


def _check(item, budgets):
    """Lines saying which budgets the test broke; [] when within all."""
    db = item.config._memtrace_db
    memtrace.sync()
    env = _clean_env()
    cmd = [_tool("memtrace-report"), "gate", db, "--region", item.nodeid]
    for key, option, _ in BUDGETS:
        if key in budgets:
            cmd += [option, str(budgets[key]).replace(" ", "")]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode == 0:
        return []
    if out.returncode != 1:
        return ["memtrace could not check the budgets: " + out.stderr.strip()]
    lines = []
    for line in out.stdout.splitlines():
        key = GATE_LINES.get(line.split(" ", 1)[0], "")
        lines.append("memtrace budget %s=%r broken: %s" % (key, budgets.get(key), line))
        culprit = _culprit(db, item.nodeid, key, env)
        if culprit:
            lines.append(culprit)
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (report.when != "call" or not report.passed or
            getattr(item.config, "_memtrace_db", None) is None):
        return
    budgets = _budgets(item)
    if not budgets:
        return
    lines = _check(item, budgets)
    if lines:
        report.outcome = "failed"
        report.longrepr = "\n".join(lines)


def _figures_line(f):
    return "%s: copied %s in %d cop%s, %d extra cop%s, %d stall%s, peak %s" % (
        f["name"], _mib(f["copied_bytes"]), f["copies"], "y" if f["copies"] == 1 else "ies",
        f["extra_copies"], "y" if f["extra_copies"] == 1 else "ies", f["stalls"],
        "" if f["stalls"] == 1 else "s", _mib(f["peak_bytes"]))


def pytest_sessionfinish(session):
    """A pytest-xdist worker tells the controller where its tests' figures are."""
    config = session.config
    out = getattr(config, "workeroutput", None)
    if out is not None and getattr(config, "_memtrace_db", None) and config._memtrace_tests:
        memtrace.sync()
        out["memtrace_db"] = config._memtrace_db
        out["memtrace_tests"] = sorted(config._memtrace_tests)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    out = getattr(node, "workeroutput", None) or {}
    if "memtrace_db" in out:
        node.config._memtrace_workers.append((out["memtrace_db"], set(out["memtrace_tests"])))


def _figures(db):
    """The trace's region figures, or an error line."""
    out = subprocess.run([_tool("memtrace-report"), "report", db, "--json", "--top", "1"],
                         env=_clean_env(), capture_output=True, text=True)
    try:
        if out.returncode == 0:
            return json.loads(out.stdout)["region_figures"], None
    except (ValueError, KeyError):
        pass
    return None, "memtrace: could not read %s: %s" % (db, out.stderr.strip())


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The tests that copied most, as pytest-memray lists the ones that
    allocated most, from this process's trace and each xdist worker's:
    every test's figures are in the traces' REGIONS lists."""
    top = config.getoption("memtrace_top")
    db = getattr(config, "_memtrace_db", None)
    sources = [(db, config._memtrace_tests)] if db and config._memtrace_tests else []
    sources += config._memtrace_workers
    if top <= 0 or not sources:
        return
    memtrace.sync()
    ran = []
    for path, tests in sources:
        figures, error = _figures(path)
        if error:
            terminalreporter.write_line(error)
            continue
        ran += [f for f in figures if f["name"] in tests]
    ran.sort(key=lambda f: (-f["copied_bytes"], -f["peak_bytes"], f["name"]))
    shown = ran[:top]
    terminalreporter.write_sep("=", "memtrace: the %d test%s that copied most"
                               % (len(shown), "" if len(shown) == 1 else "s"))
    for f in shown:
        terminalreporter.write_line(_figures_line(f))
    for path in sorted(path for path, _ in sources):
        terminalreporter.write_line("every test's figures: memtrace-report " + path)
