//! Local state in SQLite (sqlx, versioned migrations in `migrations/`). Never holds secrets.
use crate::conn::{ConnectionFields, SslMode};
use crate::error::{ApiError, ErrorCode, Result};
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// A server connection as stored locally; the password, if any, is in the OS keychain.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SavedConnection {
    pub id: String,
    pub name: String,
    pub fields: ConnectionFields,
    pub has_password: bool,
    pub created_at: String,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating) the state database. Its files are private to the user: SQLite gives
    /// the WAL and shared-memory files the database file's mode, so the file is created 0600
    /// before SQLite opens it, and existing files are tightened.
    pub async fn open(path: &Path) -> Result<Self> {
        let storage_err = |e: &dyn std::fmt::Display| {
            ApiError::new(
                ErrorCode::Storage,
                format!("cannot open {}: {e}", path.display()),
            )
        };
        crate::private_fs::open_private(path, false).map_err(|e| storage_err(&e))?;
        for file in sqlite_files(path) {
            crate::private_fs::restrict(&file, crate::private_fs::PRIVATE_FILE)
                .map_err(|e| storage_err(&e))?;
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| storage_err(&e))?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    pub async fn list_connections(&self) -> Result<Vec<SavedConnection>> {
        let rows = sqlx::query("SELECT * FROM connections ORDER BY name COLLATE NOCASE")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_connection).collect()
    }

    pub async fn get_connection(&self, id: &str) -> Result<SavedConnection> {
        let row = sqlx::query("SELECT * FROM connections WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(row_to_connection)
            .transpose()?
            .ok_or_else(|| ApiError::not_found(format!("no saved connection with id {id}")))
    }

    pub async fn find_connection_by_name(&self, name: &str) -> Result<Option<SavedConnection>> {
        let row = sqlx::query("SELECT * FROM connections WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_to_connection).transpose()
    }

    /// Inserts or updates by id.
    pub async fn upsert_connection(&self, c: &SavedConnection) -> Result<()> {
        let now = chrono::Utc::now().to_rfc3339();
        sqlx::query(
            "INSERT INTO connections (id, name, host, port, user_name, database, sslmode, sslrootcert, has_password, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, host = excluded.host, port = excluded.port,
               user_name = excluded.user_name, database = excluded.database, sslmode = excluded.sslmode,
               sslrootcert = excluded.sslrootcert, has_password = excluded.has_password, updated_at = excluded.updated_at",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.fields.host)
        .bind(c.fields.port as i64)
        .bind(&c.fields.user)
        .bind(&c.fields.database)
        .bind(c.fields.sslmode.as_str())
        .bind(&c.fields.sslrootcert)
        .bind(c.has_password)
        .bind(&c.created_at)
        .bind(&now)
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                ApiError::new(ErrorCode::AlreadyExists, format!("a connection named \"{}\" already exists", c.name))
            }
            _ => e.into(),
        })?;
        Ok(())
    }

    pub async fn delete_connection(&self, id: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM connections WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The SQLite pool, for modules that keep their own tables (the SQL editor's history).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A SQLite database file and the WAL and shared-memory files kept beside it.
pub(crate) fn sqlite_files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

fn row_to_connection(r: &sqlx::sqlite::SqliteRow) -> Result<SavedConnection> {
    let port: i64 = r.try_get("port")?;
    Ok(SavedConnection {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        fields: ConnectionFields {
            host: r.try_get("host")?,
            port: u16::try_from(port)
                .map_err(|_| ApiError::new(ErrorCode::Storage, "stored port out of range"))?,
            user: r.try_get("user_name")?,
            database: r.try_get("database")?,
            sslmode: SslMode::parse(&r.try_get::<String, _>("sslmode")?)?,
            sslrootcert: r.try_get("sslrootcert")?,
        },
        has_password: r.try_get("has_password")?,
        created_at: r.try_get("created_at")?,
    })
}
