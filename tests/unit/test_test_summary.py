"""`make test` names what failed at the end of its output."""

from tests.support import summary

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" tests="3">
<testcase classname="tests.scan.test_scan" name="test_rows" time="312.5">
<error message="failed on setup with &quot;Failed: Timeout (&gt;300.0s)&quot;">trace</error>
</testcase>
<testcase classname="tests.unit.test_money" name="test_round" time="0.01">
<failure message="assert 1 == 2&#10;second line">trace</failure>
</testcase>
<testcase classname="tests.unit.test_money" name="test_ok" time="0.01"/>
</testsuite></testsuites>
"""


def test_failures_name_each_failed_case_with_its_first_line_and_time(tmp_path):
    report = tmp_path / "main.xml"
    report.write_text(REPORT)
    assert summary.failures(report) == [
        "ERROR tests.scan.test_scan::test_rows (312 s): "
        'failed on setup with "Failed: Timeout (>300.0s)"',
        "FAILURE tests.unit.test_money::test_round (0 s): assert 1 == 2",
    ]


def test_a_missing_report_says_the_tier_did_not_finish(tmp_path, capsys):
    assert summary.main([str(tmp_path / "rehearsal.xml")]) == 0
    assert "did not finish" in capsys.readouterr().err
