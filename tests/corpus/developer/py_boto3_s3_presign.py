# Python: a boto3 helper that uploads a report and returns a presigned link
import os
import uuid

import boto3
from botocore.config import Config

session = boto3.session.Session(
    aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
    aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
    aws_session_token=os.environ.get("AWS_SESSION_TOKEN"),
    region_name=os.environ.get("AWS_REGION", "eu-west-1"),
)
s3 = session.client("s3", config=Config(signature_version="s3v4", retries={"max_attempts": 5}))

BUCKET = os.environ["REPORTS_BUCKET"]


def upload_report(path: str, tenant: str) -> str:
    key = f"reports/{tenant}/{uuid.uuid4()}.pdf"
    with open(path, "rb") as fh:
        s3.put_object(Bucket=BUCKET, Key=key, Body=fh, ContentType="application/pdf",
                      ServerSideEncryption="aws:kms")
    return s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": BUCKET, "Key": key},
        ExpiresIn=int(os.environ.get("LINK_TTL_SECONDS", "900")),
    )


def list_reports(tenant: str) -> list[str]:
    paginator = s3.get_paginator("list_objects_v2")
    keys = []
    for page in paginator.paginate(Bucket=BUCKET, Prefix=f"reports/{tenant}/"):
        keys.extend(obj["Key"] for obj in page.get("Contents", []))
    return keys


if __name__ == "__main__":
    print(upload_report("/tmp/report.pdf", "acme"))
