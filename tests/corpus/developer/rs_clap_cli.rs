// Rust: a clap derive CLI whose token comes from a flag or the environment
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "acmectl", version, about = "Manage Acme deployments")]
struct Cli {
    /// API endpoint.
    #[arg(long, env = "ACME_ENDPOINT", default_value = "https://api.acme.test")]
    endpoint: String,
    /// API token; prefer the ACME_TOKEN environment variable over the flag.
    #[arg(long, env = "ACME_TOKEN", hide_env_values = true)]
    token: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List deployments of a project.
    List {
        project: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Roll back to a previous release.
    Rollback { project: String, release: String },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let client = acme::Client::new(&cli.endpoint, &cli.token)?;
    match cli.command {
        Command::List { project, limit } => {
            for d in client.deployments(&project, limit)? {
                println!("{:<10} {:<12} {} {}", &d.id[..8], d.state, d.created_at, &d.commit[..7]);
            }
        }
        Command::Rollback { project, release } => client.rollback(&project, &release)?,
    }
    Ok(())
}
