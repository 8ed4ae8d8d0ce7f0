// Rust: a settings struct that keeps secrets in secrecy::Secret and reads them from files
use std::{fs, path::PathBuf};

use secrecy::{ExposeSecret, Secret};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Settings {
    pub listen: String,
    pub database: Database,
    pub openai: OpenAi,
}

#[derive(Debug, Deserialize)]
pub struct Database {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Path of a file holding the password (mounted from a Kubernetes secret).
    pub password_file: PathBuf,
}

#[derive(Debug, Deserialize)]
pub struct OpenAi {
    pub api_key_env: String,
    pub model: String,
}

impl Database {
    pub fn password(&self) -> std::io::Result<Secret<String>> {
        Ok(Secret::new(fs::read_to_string(&self.password_file)?.trim().to_owned()))
    }

    pub fn url(&self) -> std::io::Result<String> {
        let pw = self.password()?;
        Ok(format!(
            "postgres://{}:{}@{}:{}/ingest",
            self.user,
            urlencoding::encode(pw.expose_secret()),
            self.host,
            self.port
        ))
    }
}

impl OpenAi {
    pub fn api_key(&self) -> Result<Secret<String>, std::env::VarError> {
        std::env::var(&self.api_key_env).map(Secret::new)
    }
}
