"""The project's own pytest suite for the memtrace plugin: each budget once
within and once over, on purpose.  tests/test_pytest.c runs it under the
tracer and asserts each outcome; the names say the expected one."""

import numpy as np
import pytest

MiB = 1 << 20


def copy_once():
    a = np.ones(100 * MiB // 8)  # 100 MiB
    b = a.copy()                 # one extra copy: memcpy of 100 MiB
    return float(b[-1])


@pytest.mark.memtrace(max_extra_copies=1)
def test_extra_copies_within():
    copy_once()


@pytest.mark.memtrace(max_extra_copies=0)
def test_extra_copies_over():
    copy_once()


@pytest.mark.memtrace(max_peak="400 MB")
def test_peak_within():
    copy_once()


@pytest.mark.memtrace(max_peak="150 MB")
def test_peak_over():
    copy_once()


@pytest.mark.memtrace(max_copied="200 MB")
def test_copied_within():
    copy_once()


@pytest.mark.memtrace(max_copied="50 MB")
def test_copied_over():
    copy_once()


@pytest.mark.memtrace(max_stalls=1)
def test_stalls_within():
    copy_once()


@pytest.mark.memtrace(max_stalls=0)
def test_stalls_over():
    copy_once()


def test_unmarked():
    copy_once()
    copy_once()


@pytest.mark.memtrace(max_extra_copies=0)
def test_failing_test_is_left_alone():
    assert 1 == 2
