# Python: fetch secrets from AWS Secrets Manager and GCP Secret Manager by reference
import json
import os

import boto3
from google.cloud import secretmanager

SECRET_ARN = os.environ.get("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders/db-AbC123")
GCP_SECRET = "projects/acme-prod/secrets/stripe-webhook-secret/versions/latest"


def aws_db_credentials() -> dict:
    sm = boto3.client("secretsmanager")
    value = sm.get_secret_value(SecretId=SECRET_ARN)
    return json.loads(value["SecretString"])


def gcp_webhook_secret() -> str:
    client = secretmanager.SecretManagerServiceClient()
    resp = client.access_secret_version(name=GCP_SECRET)
    return resp.payload.data.decode()


def dsn() -> str:
    creds = aws_db_credentials()
    return "postgresql://{username}:{password}@{host}:{port}/{dbname}".format(**creds)
