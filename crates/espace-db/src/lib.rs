//! Storage adapters for SQLite (embedded default) and PostgreSQL (several
//! instances), written once (DESIGN §3).
//!
//! Every query is a `&'static str` with `$n` placeholders and portable SQL;
//! [`store_impl!`] instantiates the same code for both engines. What truly
//! differs is passed to the macro: how a write transaction begins and the
//! row-locking suffix.

mod error;
mod store;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use espace_app::ports::{Store, StoreError};

use crate::error::{err, other};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use store::{PgStore, SqliteStore};

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::Other(
                "database_url must start with sqlite: or postgres://".into(),
            ))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// An open database of either engine.
#[derive(Clone)]
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({})", self.engine().as_str())
    }
}

impl Database {
    /// Connects (creating a SQLite file if missing). Does not migrate.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        match Engine::of_url(url)? {
            Engine::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(other)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .connect_with(options)
                    .await
                    .map_err(err)?;
                Ok(Database::Sqlite(SqliteStore::new(pool)))
            }
            Engine::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(other)?;
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(err)?;
                Ok(Database::Postgres(PgStore::new(pool)))
            }
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Database::Sqlite(_) => Engine::Sqlite,
            Database::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies the migrations of the engine (same numbering on both).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Database::Sqlite(s) => sqlx::migrate!("../../migrations/sqlite")
                .run(s.pool())
                .await
                .map_err(other),
            Database::Postgres(s) => sqlx::migrate!("../../migrations/postgres")
                .run(s.pool())
                .await
                .map_err(other),
        }
    }

    /// Tables and their columns, for the schema-parity test: the same names
    /// on both engines.
    pub async fn schema(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut cols: Vec<(String, String)> = match self {
            Database::Sqlite(s) => sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%'",
            )
            .fetch_all(s.pool())
            .await
            .map_err(err)?,
            Database::Postgres(s) => sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx\\_%'",
            )
            .fetch_all(s.pool())
            .await
            .map_err(err)?,
        };
        cols.sort();
        Ok(cols)
    }

    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Database::Sqlite(s) => Arc::new(s.clone()),
            Database::Postgres(s) => Arc::new(s.clone()),
        }
    }

    pub async fn close(&self) {
        match self {
            Database::Sqlite(s) => s.pool().close().await,
            Database::Postgres(s) => s.pool().close().await,
        }
    }
}
