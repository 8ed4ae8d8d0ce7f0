# Python: a click CLI that reads credentials from flags or environment variables
import click
import httpx


@click.group()
@click.option("--endpoint", envvar="ACME_ENDPOINT", default="https://api.acme.test")
@click.option("--token", envvar="ACME_TOKEN", required=True, help="API token (or set ACME_TOKEN)")
@click.pass_context
def cli(ctx, endpoint, token):
    ctx.obj = httpx.Client(base_url=endpoint, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@cli.command()
@click.argument("project")
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def deployments(client, project, limit):
    r = client.get(f"/v2/projects/{project}/deployments", params={"limit": limit})
    r.raise_for_status()
    for d in r.json()["items"]:
        click.echo(f"{d['id'][:8]}  {d['state']:<10} {d['created_at']}  {d['commit'][:7]}")


@cli.command()
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.pass_obj
def rotate(client, password):
    client.post("/v2/me/password", json={"password": password}).raise_for_status()
    click.echo("password rotated")


if __name__ == "__main__":
    cli(auto_envvar_prefix="ACME")
