"""A full-width FOCUS 1.2 CostAndUsage export (every column of the spec, realistic values, ~900 bytes a row)."""

from __future__ import annotations

from pathlib import Path

TEAMS = 50
SERVICES = ("['Amazon Elastic Compute Cloud', 'Amazon Simple Storage Service', 'Amazon Relational Database Service', "
            "'AWS Lambda', 'Amazon Elastic Block Store', 'Amazon CloudWatch']")
REGIONS = "['us-east-1', 'eu-west-1', 'ap-southeast-2']"
REGION_NAMES = "['US East (N. Virginia)', 'Europe (Ireland)', 'Asia Pacific (Sydney)']"
TYPES = "['m5.xlarge', 'r6g.2xlarge', 'c7i.large', 't3.medium']"
# column name -> SQL over i (row number), d (day index), t (team), s (service index 1-6), g (region index 1-3)
COLUMNS: dict[str, str] = {
    "AvailabilityZone": f"{REGIONS}[g] || 'a'",
    "BilledCost": "CAST(((i * 7919) % 100000) / 10000.0 AS DECIMAL(18,10))",
    "BillingAccountId": "'111122223333'",
    "BillingAccountName": "'Acme Corporation Management Account'",
    "BillingAccountType": "'Billing Account'",
    "BillingCurrency": "'USD'",
    "BillingPeriodEnd": "strftime(date_trunc('month', day0) + INTERVAL 1 MONTH, '%Y-%m-%dT%H:%M:%SZ')",
    "BillingPeriodStart": "strftime(date_trunc('month', day0), '%Y-%m-%dT%H:%M:%SZ')",
    "CapacityReservationId": "CASE WHEN i % 11 = 0 THEN 'arn:aws:ec2:us-east-1:111122223333:capacity-reservation/"
                             "cr-0a1b2c3d4e5f6a7b8' END",
    "CapacityReservationStatus": "CASE WHEN i % 11 = 0 THEN 'Used' END",
    "ChargeCategory": "CASE WHEN i % 97 = 0 THEN 'Credit' WHEN i % 89 = 0 THEN 'Tax' ELSE 'Usage' END",
    "ChargeClass": "CASE WHEN i % 1000 = 0 THEN 'Correction' END",
    "ChargeDescription": "'$0.192 per On Demand Linux ' || " + TYPES + "[i % 4 + 1] || ' Instance Hour'",
    "ChargeFrequency": "'Usage-Based'",
    "ChargePeriodEnd": "strftime(day0 + INTERVAL 1 DAY, '%Y-%m-%dT%H:%M:%SZ')",
    "ChargePeriodStart": "strftime(day0, '%Y-%m-%dT%H:%M:%SZ')",
    "CommitmentDiscountCategory": "CASE WHEN i % 5 = 0 THEN 'Spend' END",
    "CommitmentDiscountId": "CASE WHEN i % 5 = 0 THEN 'arn:aws:savingsplans::111122223333:savingsplan/"
                            "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9' END",
    "CommitmentDiscountName": "CASE WHEN i % 5 = 0 THEN 'Compute Savings Plan 3yr No Upfront' END",
    "CommitmentDiscountQuantity": "CASE WHEN i % 5 = 0 THEN '0.1920000000' END",
    "CommitmentDiscountStatus": "CASE WHEN i % 5 = 0 THEN 'Used' END",
    "CommitmentDiscountType": "CASE WHEN i % 5 = 0 THEN 'ComputeSavingsPlans' END",
    "CommitmentDiscountUnit": "CASE WHEN i % 5 = 0 THEN 'USD' END",
    "ConsumedQuantity": "CAST((i % 24) + 1 AS VARCHAR) || '.0000000000'",
    "ConsumedUnit": "'Hours'",
    "ContractedCost": "CAST(((i * 7919) % 100000) / 9500.0 AS DECIMAL(18,10))",
    "ContractedUnitPrice": "'0.1824000000'",
    "EffectiveCost": "CAST(((i * 7919) % 100000) / 11000.0 AS DECIMAL(18,10))",
    "InvoiceId": "'EUINIE24-' || (1000000 + d // 31)",
    "InvoiceIssuerName": "'Amazon Web Services EMEA SARL'",
    "ListCost": "CAST(((i * 7919) % 100000) / 9000.0 AS DECIMAL(18,10))",
    "ListUnitPrice": "'0.1920000000'",
    "PricingCategory": "CASE WHEN i % 5 = 0 THEN 'Committed' ELSE 'Standard' END",
    "PricingCurrency": "'USD'",
    "PricingCurrencyContractedUnitPrice": "'0.1824000000'",
    "PricingCurrencyEffectiveCost": "CAST(((i * 7919) % 100000) / 11000.0 AS DECIMAL(18,10))",
    "PricingCurrencyListUnitPrice": "'0.1920000000'",
    "PricingQuantity": "CAST((i % 24) + 1 AS VARCHAR) || '.0000000000'",
    "PricingUnit": "'Hours'",
    "ProviderName": "'AWS'",
    "PublisherName": "'Amazon Web Services, Inc.'",
    "RegionId": f"{REGIONS}[g]",
    "RegionName": f"{REGION_NAMES}[g]",
    "ResourceId": f"'arn:aws:ec2:' || {REGIONS}[g] || ':1111222' || lpad(CAST(t AS VARCHAR), 5, '0') || "
                  "':instance/i-0' || lpad(format('{:x}', i * 2654435761 % 68719476736), 16, '0')",
    "ResourceName": "'web-' || t || '-' || lpad(CAST(i % 100000 AS VARCHAR), 6, '0')",
    "ResourceType": "'Instance'",
    "ServiceCategory": "['Compute', 'Storage', 'Databases', 'Compute', 'Storage', 'Management and Governance'][s]",
    "ServiceName": f"{SERVICES}[s]",
    "ServiceSubcategory": "['Virtual Machines', 'Object Storage', 'Relational Databases', 'Serverless Compute', "
                          "'Block Storage', 'Observability'][s]",
    "SkuId": "'K2X9' || lpad(CAST(i % 997 AS VARCHAR), 6, '0') || 'QZ'",
    "SkuMeter": "'BoxUsage:' || " + TYPES + "[i % 4 + 1]",
    "SkuPriceDetails": "'{\"InstanceType\": \"' || " + TYPES + "[i % 4 + 1] || '\", \"OperatingSystem\": \"Linux\", "
                       "\"Tenancy\": \"Shared\", \"vCPU\": 4, \"Memory\": \"16 GiB\"}'",
    "SkuPriceId": "'K2X9' || lpad(CAST(i % 997 AS VARCHAR), 6, '0') || '.JRTCKXETXF.6YS6EN2CT7'",
    "SubAccountId": "lpad(CAST(222233330000 + t AS VARCHAR), 12, '0')",
    "SubAccountName": "'acme-workload-' || t || '-production'",
    "SubAccountType": "'Linked Account'",
    "Tags": "'{\"' || ['team', 'Team', 'TEAM'][i % 3 + 1] || '\": \"team-' || t || '\", \"env\": \"prod\", "
            "\"Name\": \"web-' || t || '-' || (i % 100000) || '\", \"cost-center\": \"cc-' || (1000 + t) || "
            "'\", \"aws:createdBy\": \"IAMUser:AIDAJQABLZS4A3QDU576Q:deploy-bot\"}'",
}


def generate(path: Path, rows: int, days: int = 31, start: str = "2024-10-01") -> None:
    """Write the export with DuckDB (deterministic; ``rows`` spread over ``days`` days, 50 teams)."""
    import duckdb

    select = ", ".join(f"{expr} AS {name}" for name, expr in COLUMNS.items())
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
    COPY (
      WITH base AS (SELECT i, i % {days} AS d, (i // {days * 6}) % {TEAMS} AS t,
                           CAST((i // {days}) % 6 + 1 AS INTEGER) AS s, CAST((i // 7) % 3 + 1 AS INTEGER) AS g,
                           DATE '{start}' + CAST(i % {days} AS INTEGER) AS day0 FROM range({rows}) r(i))
      SELECT {select} FROM base
    ) TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()
