"""JUnit XML, for CI dashboards (GitLab, Jenkins, Azure): a test suite per catalog file,
a test case per metric, passing metrics included, and a failure per finding. A metric
kept by exception without a finding is skipped, with its exception as the message: it
has no path to revenue, and a dashboard counting it as passed would say it has."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from revtrace.analysis import AuditReport
from revtrace.model.findings import Finding
from revtrace.model.wording import kept_words
from revtrace.render.escape import xml_text

#: The test case that carries findings about a file rather than a metric.
FILE_CASE = "(catalog file)"


def audit(report: AuditReport) -> str:
    catalog = report.analysis.catalog
    by_case: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        file = finding.location.file if finding.location else (catalog.files or ("",))[0]
        if finding.metric is not None and finding.metric in catalog.metrics:
            file = catalog.metrics[finding.metric].location.file
        by_case[(file, finding.metric or FILE_CASE)].append(finding)

    root = ET.Element("testsuites", name="revtrace")
    total_tests = total_failures = total_skipped = 0
    for file in catalog.files:
        cases = [m.id for m in catalog.metrics.values() if m.location.file == file]
        if (file, FILE_CASE) in by_case:
            cases.insert(0, FILE_CASE)
        suite = ET.SubElement(root, "testsuite", name=xml_text(file))
        failures = skipped = 0
        for case in cases:
            element = ET.SubElement(
                suite, "testcase", name=xml_text(case), classname=xml_text(file)
            )
            keep = catalog.metrics[case].keep if case in catalog.metrics else None
            if keep is not None and report.analysis.is_kept(case) and (file, case) not in by_case:
                ET.SubElement(element, "skipped", message=xml_text(kept_words(keep)))
                skipped += 1
            for finding in by_case.get((file, case), []):
                failures += 1
                where = f"{finding.location}: " if finding.location else ""
                message = report.message_of(finding)
                failure = ET.SubElement(
                    element,
                    "failure",
                    message=xml_text(message),
                    type=f"{finding.code} {finding.rule} ({finding.severity})",
                )
                failure.text = xml_text(f"{where}{finding.code} {message}")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        total_tests += len(cases)
        total_failures += failures
        total_skipped += skipped
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
