// Rust: an axum server reading its secrets from the environment at startup
use std::{env, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::get,
    Json, Router,
};
use serde::Serialize;
use sqlx::postgres::PgPoolOptions;

#[derive(Clone)]
struct AppState {
    pool: sqlx::PgPool,
    api_token: Arc<str>,
}

#[derive(Serialize)]
struct Project {
    id: uuid::Uuid,
    name: String,
}

async fn get_project(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
) -> Result<Json<Project>, StatusCode> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    if token != &*state.api_token {
        return Err(StatusCode::UNAUTHORIZED);
    }
    sqlx::query_as!(Project, "SELECT id, name FROM projects WHERE id = $1", id)
        .fetch_optional(&state.pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .map(Json)
        .ok_or(StatusCode::NOT_FOUND)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().json().init();
    let database_url = env::var("DATABASE_URL")?;
    let api_token: Arc<str> = env::var("API_TOKEN")?.into();
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&database_url)
        .await?;
    let app = Router::new()
        .route("/projects/:id", get(get_project))
        .with_state(AppState { pool, api_token });
    let addr: SocketAddr = env::var("LISTEN").unwrap_or_else(|_| "[::]:8080".into()).parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
