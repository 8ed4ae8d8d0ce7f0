-- SQL: an analytics query with CTEs and window functions (BigQuery dialect)
WITH requests AS (
  SELECT
    tenant_id,
    model,
    TIMESTAMP_TRUNC(ts, HOUR) AS hour,
    prompt_tokens,
    completion_tokens,
    latency_ms,
    request_id
  FROM `acme-analytics.usage.requests_2024*`
  WHERE _TABLE_SUFFIX BETWEEN '0401' AND '0430'
    AND status_code = 200
),
hourly AS (
  SELECT
    tenant_id, model, hour,
    COUNT(DISTINCT request_id) AS requests,
    SUM(prompt_tokens) AS prompt_tokens,
    SUM(completion_tokens) AS completion_tokens,
    APPROX_QUANTILES(latency_ms, 100)[OFFSET(95)] AS p95_ms
  FROM requests
  GROUP BY tenant_id, model, hour
)
SELECT
  tenant_id,
  model,
  hour,
  requests,
  prompt_tokens,
  completion_tokens,
  p95_ms,
  SUM(requests) OVER (PARTITION BY tenant_id ORDER BY hour ROWS BETWEEN 23 PRECEDING AND CURRENT ROW) AS requests_24h,
  ROUND((prompt_tokens * 0.15 + completion_tokens * 0.60) / 1e6, 4) AS cost_usd
FROM hourly
QUALIFY ROW_NUMBER() OVER (PARTITION BY tenant_id, model ORDER BY hour DESC) <= 168
ORDER BY tenant_id, model, hour DESC;
