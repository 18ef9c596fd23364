"""Reading a values file: both shapes, every period spelling, and every bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from revtrace.model.catalog import Location, Metric
from revtrace.values import MAX_VALUES_BYTES, ValuesUnreadable, read_values, read_values_bytes
from revtrace.values.periods import PeriodError, gap_after, parse_period, period_text

KNOWN = {"sqls", "win_rate", "deal_size"}


def read(text: str, known: set[str] | None = KNOWN) -> tuple[object, list[tuple[str, str]]]:
    table, findings = read_values_bytes(text.encode(), "v.csv", known)
    return table, [(str(f.location), f.message) for f in findings]


def test_long_and_wide_forms_give_the_same_table() -> None:
    long, _ = read_values_bytes(
        b"period,metric,value,comment\n2026-10,sqls,120,x\n2026-09,sqls,100,\n"
        b"2026-09,win_rate,0.2,\n2026-10,win_rate,0.25,\n",
        "long.csv",
        KNOWN,
    )
    wide, _ = read_values_bytes(
        b"period,sqls,win_rate\n2026-09,100,0.2\n2026-10,120,0.25\n", "wide.csv", KNOWN
    )
    assert long.periods == wide.periods == ("2026-09", "2026-10")
    assert long.series == wide.series == {"sqls": (100.0, 120.0), "win_rate": (0.2, 0.25)}
    assert long.granularity == "month"


def test_header_is_case_insensitive_and_columns_may_be_in_any_order() -> None:
    table, problems = read("Value,Metric,Period\n1,sqls,2026-Q1\n2,sqls,2026-Q2\n")
    assert problems == []
    assert table.series == {"sqls": (1.0, 2.0)}  # type: ignore[attr-defined]


def test_bom_crlf_blank_lines_and_quoted_fields() -> None:
    data = '\ufeffperiod,metric,value\r\n\r\n"2026-09","sqls"," 100 "\r\n2026-10,sqls,120\r\n'
    table, problems = read(data)
    assert problems == []
    assert table.series == {"sqls": (100.0, 120.0)}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "granularity"),
    [
        ("2026-10-01", "date"),
        ("2026-10", "month"),
        ("2026-Q3", "quarter"),
        ("2026-W40", "week"),
        ("7", "integer"),
    ],
)
def test_each_period_spelling(text: str, granularity: str) -> None:
    assert parse_period(text)[0] == granularity


def test_periods_order_across_years() -> None:
    assert parse_period("2027-01")[1] == parse_period("2026-12")[1] + 1
    assert parse_period("2027-Q1")[1] == parse_period("2026-Q4")[1] + 1
    assert parse_period("2026-W01")[1] == parse_period("2025-W52")[1] + 1  # 2025 has 52 weeks


@pytest.mark.parametrize("text", ["2026-13", "2026-02-30", "2026-W54", "2026-Q5", "Oct 2026", ""])
def test_bad_periods(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-01T00:00:00",  # MetricFlow's mf query
        "2026-10-01 00:00:00",
        "2026-10-01 00:00:00.000",
        "2026-10-01T00:00:00Z",
        "2026-10-01 00:00:00+00",  # Postgres
        "2026-10-01T00:00:00.000+00:00",
        "2026-10-01T00:00",
    ],
)
def test_a_date_exported_with_a_midnight_time_is_that_date(text: str) -> None:
    assert parse_period(text) == parse_period("2026-10-01")
    assert period_text(text) == "2026-10-01"


@pytest.mark.parametrize("text", ["2026-10-01T13:00:00", "2026-10-01 00:00:01", "2026-10-01T00:30"])
def test_a_time_of_day_is_not_a_period(text: str) -> None:
    with pytest.raises(PeriodError, match="has a time of day"):
        parse_period(text)


def test_dates_at_the_first_of_each_quarter_or_year_have_no_gaps_but_the_missing_one() -> None:
    def firsts(*texts: str) -> list[int]:
        return [parse_period(t)[1] for t in texts]

    quarters = firsts("2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01")
    assert gap_after("date", quarters) == []
    assert gap_after("date", firsts("2026-01-01", "2026-04-01", "2026-10-01")) == [2]
    assert gap_after("date", firsts("2024-01-01", "2025-01-01", "2026-01-01")) == []
    assert gap_after("date", firsts("2026-01-01", "2026-02-01", "2026-04-01")) == [2]


def test_a_metricflow_export_is_read_as_the_wide_form() -> None:
    """`mf query --metrics orders,aov --group-by metric_time__month --csv values.csv`: its
    time column first, timestamps at midnight; the periods are shown as dates."""
    data = "metric_time__month,orders,aov\n2026-09-01T00:00:00,100,50\n2026-10-01T00:00:00,110,52\n"
    table, problems = read(data, {"orders", "aov"})
    assert problems == []
    assert table.periods == ("2026-09-01", "2026-10-01")  # type: ignore[attr-defined]
    assert table.series == {"orders": (100.0, 110.0), "aov": (50.0, 52.0)}  # type: ignore[attr-defined]
    assert table.index_of("2026-10-01") == 1  # type: ignore[attr-defined]
    plain, _ = read(data.replace("metric_time__month", "metric_time"), {"orders", "aov"})
    assert plain.series == table.series  # type: ignore[attr-defined]


def test_a_wide_file_grouped_by_more_than_the_period_is_refused() -> None:
    """`mf query ... --group-by metric_time__month,customer__region`: a row per region and
    month, none of them the month's total. Cell by cell, a month with one region's row
    only would keep it as the month's value."""
    data = (
        "metric_time__month,customer__region,orders\n"
        "2026-08-01T00:00:00,EU,90\n"  # a month with one region's row
        "2026-09-01T00:00:00,EU,100\n"
        "2026-09-01T00:00:00,US,80\n"
    )
    with pytest.raises(ValuesUnreadable) as refused:
        read(data, {"orders"})
    assert str(refused.value.location) == "v.csv:4:21"
    assert refused.value.reason.startswith(
        "2026-09-01 is on line 3 too, with another 'customer__region': the values are grouped"
        " by more than the period"
    )
    # The same row twice, or a repeated period with no other column, is a value given
    # twice: reported, and neither used, as before.
    for twice in (
        "period,orders,notes\n2026-09,100,x\n2026-09,100,x\n2026-10,110,x\n",
        "period,orders\n2026-09,100\n2026-09,90\n2026-10,110\n",
    ):
        table, problems = read(twice, {"orders"})
        assert table.series == {"orders": (None, 110.0)}  # type: ignore[attr-defined]
        assert any("a second value for 'orders' in 2026-09" in m for _, m in problems)


def _catalog(*metrics: tuple[str, str | None]) -> dict[str, Metric]:
    """Metrics by id, each with its name (None: unnamed, which the loader makes its id)."""
    at = Location("metrics.yaml", 1, 1)
    return {i: Metric(i, at, name or i) for i, name in metrics}


LIGHTDASH = _catalog(
    ("orders.total_revenue", "Total revenue"),
    ("orders.unique_orders", None),  # Lightdash labels it "Unique orders"
    ("payments.total_revenue", "Total revenue"),
    ("customers.avgARR", None),  # "Avg a r r": Lightdash's friendlyName, word by word
)


def test_a_lightdash_export_is_read_by_its_labels() -> None:
    """Lightdash's CSV download labels each column (the metric's label, else a label made
    from its name), with the table's label before it when table names are shown; the
    time dimension comes first under its own label, with raw dates."""
    data = (
        "Orders Order date month,Orders Total revenue,Unique orders,Payments total REVENUE,"
        "Customers Avg a r r\n"
        "2026-09-01,1000,10,990,7\n2026-10-01,1200,11,1180,8\n"
    )
    table, problems = read_values_bytes(data.encode(), "v.csv", LIGHTDASH)
    assert problems == []
    assert table.series == {
        "orders.total_revenue": (1000.0, 1200.0),
        "orders.unique_orders": (10.0, 11.0),
        "payments.total_revenue": (990.0, 1180.0),
        "customers.avgARR": (7.0, 8.0),
    }
    assert table.periods == ("2026-09-01", "2026-10-01")
    # Ids are read as before, and the long form's metric column takes names too.
    long, problems = read_values_bytes(
        b"period,metric,value\n2026-09,Unique orders,10\n2026-10,orders.unique_orders,11\n",
        "v.csv",
        LIGHTDASH,
    )
    assert problems == []
    assert long.series == {"orders.unique_orders": (10.0, 11.0)}


def test_a_name_two_metrics_share_is_left_out_never_guessed() -> None:
    table, problems = read_values_bytes(
        b"Month,Total revenue,Unique orders,Revenue\n2026-09,1,2,3\n2026-10,1,2,3\n",
        "v.csv",
        LIGHTDASH,
    )
    assert [(str(f.location), f.message) for f in problems] == [
        ("v.csv:1:7", "'Total revenue' is the name of 2 metrics (orders.total_revenue,"
         " payments.total_revenue), so its values are not used: name the column by the"
         " metric's id (from Lightdash: export with table names)"),
        ("v.csv:1:35", "'Revenue' is not a metric of the catalog, so its values are not used"),
    ]  # fmt: skip
    assert table.series == {"orders.unique_orders": (2.0, 2.0)}


def test_a_name_after_words_revtrace_cannot_check_is_suggested_never_used() -> None:
    """A Lightdash table with a label of its own ("Shop orders") prefixes its metrics'
    labels with it: the column is not read (the words might name another table), and the
    message names the metric whose name ends it."""
    table, problems = read_values_bytes(
        b"period,Shop orders Unique orders,Shop Total revenue,Unique orders\n"
        b"2026-09,1,2,3\n2026-10,1,2,4\n",
        "v.csv",
        LIGHTDASH,
    )
    assert [f.message for f in problems] == [
        "'Shop orders Unique orders' is not a metric of the catalog, so its values are not"
        " used; did you mean 'orders.unique_orders' (its name ends the column's)?",
        # Two metrics are named "Total revenue": neither is suggested.
        "'Shop Total revenue' is not a metric of the catalog, so its values are not used; it"
        " ends with the name of 2 metrics (orders.total_revenue, payments.total_revenue):"
        " name the column by the metric's id",
    ]
    assert table.series == {"orders.unique_orders": (3.0, 4.0)}


def test_two_columns_of_one_metric_are_both_left_out() -> None:
    table, problems = read_values_bytes(
        b"period,orders.unique_orders,Unique orders,orders.total_revenue\n"
        b"2026-09,1,2,3\n2026-10,1,2,4\n",
        "v.csv",
        LIGHTDASH,
    )
    assert [(str(f.location), f.message) for f in problems] == [
        ("v.csv:1:29", "'Unique orders' names the same metric as 'orders.unique_orders'"
         " (column 8): neither is used"),
    ]  # fmt: skip
    assert table.series == {"orders.total_revenue": (3.0, 4.0)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # A first column under another name must hold the periods: said once, at its
        # first row, not as a "not a period" for every row.
        (
            b"Status,Total revenue,Unique orders\ncompleted,1,2\nreturned,3,4\n",
            "v.csv:2:1: the first column, 'Status', holds no periods ('completed' is not a period",
        ),
        # No column names a metric, by id or by name: not a values file of this catalog.
        (b"Month,Revenue,Orders\n2026-09,1,2\n", "v.csv:1:1: the header must be"),
    ],
)
def test_an_export_revtrace_cannot_read_says_why(data: bytes, message: str) -> None:
    with pytest.raises(ValuesUnreadable) as caught:
        read_values_bytes(data, "v.csv", LIGHTDASH)
    assert str(caught.value).startswith(message)


def test_gaps() -> None:
    months = [parse_period(p)[1] for p in ("2026-01", "2026-02", "2026-04")]
    assert gap_after("month", months) == [2]
    weekly = [parse_period(p)[1] for p in ("2026-01-05", "2026-01-12", "2026-01-26")]
    assert gap_after("date", weekly) == [2]
    firsts = [parse_period(p)[1] for p in ("2026-01-01", "2026-02-01", "2026-03-01")]
    assert gap_after("date", firsts) == []  # months written as dates: 31, 28 days apart


def test_every_problem_is_located_and_its_value_left_out() -> None:
    table, problems = read(
        "period,metric,value\n"
        "2026-09,sqls,100\n"
        "2026-09,sqls,104\n"  # a second value: neither is used
        "2026-09,sql,5\n"  # not in the catalog: suggestion
        "2026-09,win_rate,12%\n"
        '2026-09,deal_size,"1,000"\n'
        "2026-10,deal_size,$900\n"
        "2026-10,win_rate,nan\n"
        "2026-Q4,win_rate,1\n"  # another granularity
        "2026-11,win_rate\n"  # too few fields
        "2026-12,win_rate,0.3\n"
    )
    assert problems == [
        ("v.csv:3:14", "a second value for 'sqls' in 2026-09 (the first is on line"
         " 2): neither is used"),
        ("v.csv:4:9", "'sql' is not a metric of the catalog, so its values are not"
         " used; did you mean 'sqls'?"),
        ("v.csv:5:18", "'12%' is not a number (write a percentage as a fraction: 12% is 0.12)"),
        ("v.csv:6:19", "'1,000' is not a number"
         " (write numbers without thousands separators: 1234.5)"),
        ("v.csv:7:19", "'$900' is not a number (write amounts without a currency sign)"),
        ("v.csv:8:18", "'nan' is not a finite number"),
        ("v.csv:9:1", "'2026-Q4' is a quarter, but the file's periods are months"
         " (from line 2); one granularity per file: row left out"),
        ("v.csv:10:1", "2 fields; the header has at least 3: row left out"),
        ("v.csv:11:1", "a gap before 2026-12: the period after 2026-10 is missing;"
         " the change across the gap is not used by fit"),
    ]  # fmt: skip
    assert table.series == {"win_rate": (None, None, 0.3)}  # type: ignore[attr-defined]
    assert table.gaps == {2}  # type: ignore[attr-defined]


def test_wide_form_problems() -> None:
    table, problems = read(
        "period,sqls,sqls,win_rte,deal_size\n2026-09,1,2,3,4\n2026-10,1,2,3\n2026-11,1,2,3,4,5\n"
    )
    assert problems == [
        ("v.csv:1:13", "'sqls' is a column twice (first at column 8): neither is used"),
        ("v.csv:1:18", "'win_rte' is not a metric of the catalog, so its values are"
         " not used; did you mean 'win_rate'?"),
        ("v.csv:3:13", "4 fields; the header has 5"),
        ("v.csv:4:17", "6 fields; the header has 5"),
    ]  # fmt: skip
    assert table.series == {"deal_size": (4.0, None, 4.0)}  # type: ignore[attr-defined]


def test_an_empty_cell_is_no_value_and_no_problem() -> None:
    table, problems = read("period,sqls,win_rate\n2026-09,1,\n2026-10,2,0.5\n")
    assert problems == []
    assert table.series == {"sqls": (1.0, 2.0), "win_rate": (None, 0.5)}  # type: ignore[attr-defined]


def test_without_a_catalog_every_id_is_read() -> None:
    table, _ = read("period,anything\n1,2\n2,3\n", known=None)
    assert table.series == {"anything": (2.0, 3.0)}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "v.csv:1:1: the file is empty"),
        (b"\n\n  \n", "v.csv:1:1: the file is empty"),
        (b"date,revenue\n2026-09,1\n", "v.csv:1:1: the header must be period,metric,value"),
        (b"period\n2026-09\n", "v.csv:1:1: the header must be"),
        (b"period,metric,value\n", "v.csv: no usable rows: the file has a header and no values"),
        (b"period,metric,value\n2026-09,sqls,x\n2026-10,sqls,y\n", "v.csv: no usable values"),
        (
            b"period,metric,value\nsoon,sqls,1\n",
            "v.csv: no usable rows: the file has a header and no row",
        ),
        (b"period,sqls\n2026-09,1\n", "v.csv: one period only (2026-09): a change needs two"),
        (b"period,sqls\n2026-09,1\n2026-10,\xff\n", "v.csv:3:9: not UTF-8 text"),
        (b"period,sqls\n\x00\x01", "v.csv: a binary file, not CSV text"),
        (b'period,sqls\n"2026-09,1\n2026-10,2\n', "v.csv: one period only"),
    ],
)
def test_files_with_nothing_usable_cannot_run(data: bytes, message: str) -> None:
    with pytest.raises(ValuesUnreadable) as caught:
        read_values_bytes(data, "v.csv", KNOWN)
    assert str(caught.value).startswith(message)


def test_why_values_were_left_out_is_kept_when_nothing_remains() -> None:
    with pytest.raises(ValuesUnreadable) as caught:
        read_values_bytes(b"period,metric,value\n2026-09,sqls,x\n2026-10,sqls,y\n", "v.csv", KNOWN)
    assert [str(f.location) for f in caught.value.findings] == ["v.csv:2:14", "v.csv:3:14"]


def test_quotes_left_open_or_followed_by_text() -> None:
    _, problems = read('period,sqls\n"2026-09,1\n2026-10,2\n2026-11,"3"x\n2026-12,4\n')
    assert problems[:2] == [
        ("v.csv:2:1", "a quote opened at column 1 is never closed"),
        ("v.csv:4:12", "text after a closing quote"),
    ]


def test_a_flood_of_bad_rows_is_counted_not_listed() -> None:
    rows = "".join(f"{1 + i},sqls,bad\n" for i in range(500))
    _, problems = read("period,metric,value\n" + rows + "501,sqls,1\n502,sqls,2\n")
    assert len(problems) == 51
    assert problems[0] == ("v.csv:1:1", "450 more problems like the ones above (number) not listed")


def test_files_that_cannot_be_opened(tmp_path: Path) -> None:
    for path, reason in [(tmp_path / "none.csv", "no such file"), (tmp_path, "is a directory")]:
        with pytest.raises(ValuesUnreadable, match=reason):
            read_values(path)


def test_a_file_over_the_limit_is_refused_unread() -> None:
    with pytest.raises(ValuesUnreadable, match="larger than the 256 MiB limit"):
        read_values_bytes(b"x" * (MAX_VALUES_BYTES + 1), "v.csv")


def test_index_of_a_period() -> None:
    table, _ = read_values_bytes(b"period,sqls\n2026-09,1\n2026-10,2\n", "v.csv", KNOWN)
    assert table.index_of("2026-10") == 1
    for text, message in [
        ("2026-Q3", "'2026-Q3' is a quarter; the periods of v.csv are months"),
        ("2026-11", "v.csv has no values for 2026-11 (it covers 2026-09 … 2026-10)"),
        ("tomorrow", "'tomorrow' is not a period"),
    ]:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            table.index_of(text)
