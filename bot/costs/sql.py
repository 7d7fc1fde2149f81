"""The DuckDB SQL behind the FOCUS reader: column mapping, text cleaning, casting, rejection and staging."""

from __future__ import annotations

from collections.abc import Mapping

# (what the error message calls it, accepted column names in order of preference)
REQUIRED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("BilledCost", ("BilledCost",)),
    ("EffectiveCost", ("EffectiveCost",)),
    ("BillingCurrency", ("BillingCurrency",)),
    ("ChargePeriodStart", ("ChargePeriodStart",)),
    ("ChargePeriodEnd", ("ChargePeriodEnd",)),
    ("ChargeCategory", ("ChargeCategory",)),
    ("ServiceName", ("ServiceName",)),
    ("ProviderName or ServiceProviderName", ("ServiceProviderName", "ProviderName")),
    ("SubAccountId or SubAccountName", ("SubAccountId", "SubAccountName")),
    ("Tags", ("Tags",)),
)
# staged field -> FOCUS columns coalesced in order (absent optional columns read as NULL)
FOCUS_COLUMNS: dict[str, tuple[str, ...]] = {
    "b_s": ("BilledCost",),
    "e_s": ("EffectiveCost",),
    "cur": ("BillingCurrency",),
    "cps_s": ("ChargePeriodStart",),
    "cpe_s": ("ChargePeriodEnd",),
    "bps_s": ("BillingPeriodStart",),
    "prov": ("ProviderName", "ServiceProviderName"),  # ProviderName first: a stable source key across versions
    "acct": ("BillingAccountId",),
    "sub_id": ("SubAccountId",),
    "sub_name": ("SubAccountName",),
    "svc": ("ServiceName",),
    "scat": ("ServiceCategory",),
    "region": ("RegionId", "RegionName"),
    "cat": ("ChargeCategory",),
    "tags_s": ("Tags",),
}
MACROS = r"""
CREATE OR REPLACE TEMP MACRO nz(x) AS CASE WHEN trim(x) IN ('', 'NULL', 'null', 'Null') THEN NULL ELSE trim(x) END;
CREATE OR REPLACE TEMP MACRO ts(x) AS CASE WHEN contains(x, '/') THEN try_strptime(x, ['%m/%d/%y', '%m/%d/%y %H:%M',
        '%m/%d/%y %H:%M:%S', '%m/%d/%Y', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p', '%Y/%m/%d',
        '%Y/%m/%d %H:%M:%S'])
    WHEN length(x) <= 19 OR x[-1:] = 'Z' THEN TRY_CAST(x AS TIMESTAMP)
    ELSE CAST(TRY_CAST(x AS TIMESTAMPTZ) AS TIMESTAMP) END;
CREATE OR REPLACE TEMP MACRO sane(t) AS t >= TIMESTAMP '1970-01-01' AND t < TIMESTAMP '2200-01-01';
CREATE OR REPLACE TEMP MACRO kvtags(j) AS try(CAST(to_json(map_from_entries(list_transform(
    from_json(j, '[{"key":"VARCHAR","value":"VARCHAR"}]'), lambda x: struct_pack(k := x.key, v := x.value))))
    AS VARCHAR));
CREATE OR REPLACE TEMP MACRO tagval(j, nk) AS json_extract_string(replace(lower(j), ' ', ''), '/' || nk);
"""
ERRORS = """CASE
    WHEN cps IS NULL OR NOT sane(cps) THEN 'ChargePeriodStart is empty or not a date'
    WHEN cpe IS NULL OR NOT sane(cpe) THEN 'ChargePeriodEnd is empty or not a date'
    WHEN bps_s IS NOT NULL AND (bps IS NULL OR NOT sane(bps)) THEN 'BillingPeriodStart is not a date'
    WHEN b_s IS NOT NULL AND billed IS NULL THEN 'BilledCost is not a number'
    WHEN e_s IS NOT NULL AND eff IS NULL THEN 'EffectiveCost is not a number'
    WHEN cur IS NULL THEN 'BillingCurrency is empty'
    WHEN NOT tags_ok THEN 'Tags is not a JSON object'
END"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


TEXT_FIELDS = ("cps_s", "cpe_s", "bps_s", "prov", "acct", "sub_id", "sub_name", "svc", "scat", "region", "cat",
               "cur")


def _column(name: str, typ: str, csv: bool, trim: bool = True) -> str:
    """A column as text. CSV cells are text already (the reader maps ``NULL`` text to NULL) and are trimmed unless
    ``trim`` is false (the grouped import trims once per group instead of once per row); Parquet values are cast,
    and nested types (MAP/STRUCT tags) become JSON."""
    if typ.upper().startswith(("MAP", "STRUCT", "JSON")):
        return f"nz(CAST(to_json({_quote(name)}) AS VARCHAR))"
    if csv:
        return f"nullif(trim({_quote(name)}), '')" if trim else _quote(name)
    return f"nz(CAST({_quote(name)} AS VARCHAR))"


def select_sql(src: str, cols: Mapping[str, tuple[str, str]], numbered: bool = False, trim: bool = True) -> str:
    """SELECT of the staged text fields (with the row number in file order when ``numbered``); with ``trim`` false
    only Tags is trimmed per row (see ``stage_sql``)."""
    parts = ["row_number() OVER () AS rn" if numbered else "0 AS rn"]
    csv = src.startswith("read_csv")
    for field, options in FOCUS_COLUMNS.items():
        present = [_column(*cols[o.lower()], csv, trim or field == "tags_s") for o in options if o.lower() in cols]
        if field == "tags_s" and csv and not trim and len(present) == 1:
            raw = _quote(cols["tags"][0])  # an object's text needs no trim (JSON allows blanks after it): no copy
            present = [f"CASE WHEN starts_with({raw}, '{{') THEN {raw} ELSE {present[0]} END"]
        expr = "NULL" if not present else present[0] if len(present) == 1 else f"coalesce({', '.join(present)})"
        parts.append(f"{expr} AS {field}")
    return f"SELECT {', '.join(parts)} FROM {src}"


def _typed(select: str) -> str:
    """CTEs ``t`` (values cast) and ``e`` (plus the rejection reason, NULL for a good row).

    Tags written as a ``[{"key": …, "value": …}]`` list (BigQuery-style) or without the outer braces (Microsoft
    Cost Management's ``"env": "prod","team": "x"``) are read as the JSON object they mean."""
    return f"""r0 AS ({select}),
r AS (SELECT * REPLACE (CASE WHEN starts_with(tags_s, '[') THEN coalesce(kvtags(tags_s), tags_s)
    WHEN starts_with(tags_s, '"') THEN '{{' || tags_s || '}}' ELSE tags_s END AS tags_s) FROM r0),
t AS (
    SELECT *, TRY_CAST(b_s AS DECIMAL(38,18)) AS billed, TRY_CAST(e_s AS DECIMAL(38,18)) AS eff,
        ts(cps_s) AS cps, ts(cpe_s) AS cpe, ts(bps_s) AS bps,
        tags_s IS NULL OR coalesce(try(json_type(tags_s)) = 'OBJECT', false) AS tags_ok
    FROM r),
e AS (SELECT *, {ERRORS} AS err FROM t)"""


def rejected_sql(numbered_select: str, limit: int) -> str:
    """The first ``limit`` rejected rows (row number, reason) in file order: a second pass, only when needed."""
    return f"WITH {_typed(numbered_select)} SELECT rn, err FROM e WHERE err IS NOT NULL ORDER BY rn LIMIT {limit}"


def stage_sql(select: str, tag_keys: tuple[str, ...]) -> str:
    """Create temp table ``g``: groups of good rows by day and dimensions, and rejected rows by reason.

    Two levels, so per-row work is only the CSV scan, two decimal casts and the tag lookup (whose JSON parse also
    proves Tags an object: only a row without the tag parses it a second time, to validate): rows are first grouped
    by their *raw* text (an export repeats a few thousand distinct dimension values a million times), then the
    groups are trimmed, timestamps parsed, validated and regrouped. ``select`` is ``select_sql(..., trim=False)``.
    The result equals the row-by-row rules of ``rejected_sql`` (DuckDB's decimal cast ignores surrounding blanks,
    so casting the raw cell equals casting the trimmed one; a cell that is not a number is kept as a group key)."""
    keys = "".join(f", CASE WHEN starts_with(tags_s, '{{') THEN try({_tag_value(k)}) END AS k{i}"
                   for i, k in enumerate(tag_keys))
    k_cols = "".join(f", k{i}" for i in range(len(tag_keys)))
    found = "".join(f"k{i} IS NOT NULL OR " for i in range(len(tag_keys)))
    trimmed = ", ".join(f"nullif(trim({f}), '') AS {f}" for f in TEXT_FIELDS)
    dims = ", ".join(f"{x} AS {a}" for x, a in (
        ("coalesce(prov, '') || '|' || coalesce(acct, '')", "source"),
        ("CAST(coalesce(bps, date_trunc('month', cps)) AS DATE)", "bp"), ("CAST(cps AS DATE)", "day"),
        ("prov", "prov"), ("sub_id", "sub_id"), ("sub_name", "sub_name"), ("svc", "svc"), ("region", "region"),
        ("cat", "cat"), ("upper(cur)", "cur"), ("scat", "scat")))
    return MACROS + f"""
CREATE TEMP TABLE g AS
WITH r0 AS ({select}),
r AS (SELECT * REPLACE (CASE WHEN starts_with(tags_s, '[') THEN coalesce(kvtags(tags_s), tags_s)
    WHEN starts_with(tags_s, '"') THEN '{{' || tags_s || '}}' ELSE tags_s END AS tags_s) FROM r0),
c0 AS (SELECT *, TRY_CAST(b_s AS DECIMAL(38,18)) AS billed, TRY_CAST(e_s AS DECIMAL(38,18)) AS eff{keys} FROM r),
c AS (SELECT *, tags_s IS NULL OR (starts_with(tags_s, '{{') AND ({found}coalesce(json_valid(tags_s), false)))
        AS tags_ok FROM c0),
raw AS (SELECT {', '.join(TEXT_FIELDS)}, CASE WHEN billed IS NULL THEN b_s END AS b_s,
        CASE WHEN eff IS NULL THEN e_s END AS e_s, tags_ok{k_cols},
        count(*) AS n, sum(coalesce(billed, 0)) AS sb, sum(coalesce(eff, 0)) AS se
    FROM c GROUP BY ALL),
t0 AS (SELECT * REPLACE ({trimmed}, nullif(trim(b_s), '') AS b_s, nullif(trim(e_s), '') AS e_s) FROM raw),
t AS (SELECT *, if(b_s IS NULL, 0, NULL) AS billed, if(e_s IS NULL, 0, NULL) AS eff,
        ts(cps_s) AS cps, ts(cpe_s) AS cpe, ts(bps_s) AS bps FROM t0),
e AS (SELECT *, {ERRORS} AS err FROM t)
SELECT err, {dims}{k_cols}, sum(n) AS n, sum(sb) AS sb, sum(se) AS se, max(cpe) AS last_end
FROM e GROUP BY ALL"""


def _tag_value(key: str) -> str:
    """A tag's value (lower case, no blanks) for a normalised key (``team``), matching the key in any case and with
    any blanks. Exports write a key one way throughout, so the key as configured, Capitalised or UPPER is looked up
    first, in one JSON parse of the raw text; only a row without any of them pays for lower-casing its whole Tags
    text (about 40 % of the tag lookup's CPU on a 1M-row export when every row paid for it)."""
    nk = key.replace("'", "")
    spellings = ", ".join(f"'/{v}'" for v in dict.fromkeys((nk, nk.capitalize(), nk.title(), nk.upper())))
    exact = f"list_filter(json_extract_string(tags_s, [{spellings}]), lambda v: v IS NOT NULL)[1]"
    return f"coalesce(lower(replace({exact}, ' ', '')), tagval(tags_s, '{nk}'))"


def version_of(cols: Mapping[str, object]) -> str:
    """The FOCUS version the column set looks like (1.0 … 1.3)."""
    if "serviceprovidername" in cols or "allocatedmethodid" in cols:
        return "1.3"
    if {"pricingcurrency", "invoiceid", "billingaccounttype"} & set(cols):
        return "1.2"
    if {"servicesubcategory", "skumeter", "commitmentdiscountquantity", "capacityreservationid"} & set(cols):
        return "1.1"
    return "1.0"
