# Python: a pandas ETL step that aggregates daily usage
import pandas as pd

SOURCE = "s3://acme-analytics/raw/usage/dt={date}/part-*.parquet"


def load(date: str) -> pd.DataFrame:
    df = pd.read_parquet(SOURCE.format(date=date), storage_options={"anon": False})
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    return df


def aggregate(df: pd.DataFrame) -> pd.DataFrame:
    out = (
        df.assign(hour=df["ts"].dt.floor("h"))
        .groupby(["tenant_id", "hour", "model"], as_index=False)
        .agg(requests=("request_id", "nunique"), prompt_tokens=("prompt_tokens", "sum"),
             completion_tokens=("completion_tokens", "sum"), p95_ms=("latency_ms", lambda s: s.quantile(0.95)))
    )
    out["cost_usd"] = out["prompt_tokens"] * 0.15 / 1e6 + out["completion_tokens"] * 0.60 / 1e6
    return out.sort_values(["tenant_id", "hour"])


if __name__ == "__main__":
    frame = aggregate(load("2024-05-01"))
    print(frame.head(20).to_string(index=False))
    print(frame.describe())
