#!/usr/bin/env python3
"""Sums JUnit XML reports (lit, pytest, the conformance runner, fuzzing) into one closing line:

  kiln: N passed, M failed, K skipped, X expected failures

"skipped" counts tests that could not run here (a GPU test without a GPU); "expected
failures" counts known failures, each with its reason (pytest's strict xfail, the conformance
runner's known failures), listed by reason above the closing line.
"""
import collections
import sys
import xml.etree.ElementTree as ET

EXPECTED_FAILURE_TYPES = {"pytest.xfail", "expected-failure"}

passed = failed = skipped = expected = 0
reasons = collections.Counter()
for path in sys.argv[1:]:
    for case in ET.parse(path).getroot().iter("testcase"):
        skip = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif skip is not None and skip.get("type") in EXPECTED_FAILURE_TYPES:
            expected += 1
            reasons[skip.get("message", "").split(": ", 1)[-1][:90]] += 1
        elif skip is not None:
            skipped += 1
        else:
            passed += 1
if reasons:
    print("expected failures by reason (most common first):")
    for reason, count in reasons.most_common(30):
        print("  %5d  %s" % (count, reason))
print(f"kiln: {passed} passed, {failed} failed, {skipped} skipped, {expected} expected failures")
sys.exit(1 if failed or passed == 0 else 0)
