//! Grove's catalog on the server (the `grove_catalog` database): its schema and migrations,
//! and the queries that read it together with `pg_database`.
use super::{BlockingSession, Branch, Snapshot, SnapshotKind};
use crate::conn::Session;
use crate::error::{ApiError, ErrorCode, Result};
use crate::ident::quote_ident;
use tokio_postgres::Row;
use uuid::Uuid;

/// Serialises migrations of the catalog (a transaction-level advisory lock).
const MIGRATION_LOCK: i64 = 0x0067_726f_7665_0002;

/// Versioned schema changes; entry i brings the catalog from version i to i + 1. Never edit
/// a released entry: append a new one.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE branches (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,             -- the database name
        parent_id uuid REFERENCES branches (id),
        is_root boolean NOT NULL DEFAULT false, -- imported, not created by Grove
        schema_only boolean NOT NULL DEFAULT false,
        protected boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        expires_at timestamptz,
        parent_schema_fingerprint text
    );
    CREATE TABLE snapshots (
        id uuid PRIMARY KEY,
        branch_id uuid NOT NULL,                -- no foreign key: deleted branches have no row
        branch_name text NOT NULL,
        db_name text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('reset-undo', 'deleted')),
        branch jsonb NOT NULL,                  -- the branch row when the snapshot was taken
        created_at timestamptz NOT NULL DEFAULT now(),
        keep_until timestamptz NOT NULL
    );
    CREATE INDEX ON snapshots (branch_id);
",
    "
    -- Root branches kept in sync with a database elsewhere (no passwords here, ever).
    CREATE TABLE sources (
        root_id uuid PRIMARY KEY REFERENCES branches (id) ON DELETE CASCADE,
        connection text,                        -- a saved connection's name, or
        url text,                               -- a URL without a password
        database text NOT NULL,
        tables text[] NOT NULL DEFAULT '{}',
        exclude_tables text[] NOT NULL DEFAULT '{}',
        schema_only_tables text[] NOT NULL DEFAULT '{}',
        filters jsonb NOT NULL DEFAULT '[]',    -- [[table, condition], ...]
        schedule text,                          -- daily@02:00, hourly, 6h, ...
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        last_started_at timestamptz,
        last_finished_at timestamptz,
        last_duration_ms bigint,
        last_size_bytes bigint,
        last_rows bigint,
        last_outcome text CHECK (last_outcome IN ('running', 'ok', 'failed')),
        last_error text,
        next_due_at timestamptz,
        CHECK ((connection IS NULL) <> (url IS NULL))
    );
",
];

/// Brings the catalog schema up to date. Cheap when it already is.
pub async fn migrate(s: &mut Session) -> Result<()> {
    let latest = MIGRATIONS.len() as i32;
    if version(s).await? == Some(latest) {
        return Ok(());
    }
    let tx = s.client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)")
        .await?;
    let current: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await?
        .get(0);
    too_new(current)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| ApiError::from(e).context("migrating grove_catalog"))?;
        tx.execute("INSERT INTO schema_version VALUES ($1)", &[&(i as i32 + 1)])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn version(s: &Session) -> Result<Option<i32>> {
    let exists: bool = s
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let v: i32 = s
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await?
        .get(0);
    too_new(v)?;
    Ok(Some(v))
}

fn too_new(version: i32) -> Result<()> {
    if version > MIGRATIONS.len() as i32 {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("grove_catalog has schema version {version}, written by a newer Grove"),
        )
        .with_hint("upgrade Grove"));
    }
    Ok(())
}

/// Branch rows joined with pg_database (for `missing`) and the parent's name.
const SELECT_BRANCHES: &str = "
    SELECT b.id, b.name, b.parent_id, p.name AS parent, b.is_root, b.schema_only, b.protected,
           b.created_at, b.created_by, b.expires_at, b.parent_schema_fingerprint,
           d.oid IS NULL OR d.datconnlimit = -2 AS missing,
           CASE WHEN d.oid IS NOT NULL AND d.datconnlimit <> -2
                     AND has_database_privilege(d.oid, 'CONNECT')
                THEN pg_database_size(d.oid) END AS size_bytes,
           EXISTS (SELECT 1 FROM snapshots s WHERE s.branch_id = b.id AND s.kind = 'reset-undo')
               AS undo_available
      FROM branches b
      LEFT JOIN branches p ON p.id = b.parent_id
      LEFT JOIN pg_database d ON d.datname = b.name";

fn branch_from_row(r: &Row) -> Branch {
    let ts = |c: &str| {
        r.get::<_, Option<chrono::DateTime<chrono::Utc>>>(c)
            .map(|t| t.to_rfc3339())
    };
    Branch {
        id: r.get::<_, Uuid>("id").to_string(),
        name: r.get("name"),
        parent_id: r.get::<_, Option<Uuid>>("parent_id").map(|u| u.to_string()),
        parent: r.get("parent"),
        is_root: r.get("is_root"),
        schema_only: r.get("schema_only"),
        protected: r.get("protected"),
        created_at: ts("created_at").unwrap_or_default(),
        created_by: r.get("created_by"),
        expires_at: ts("expires_at"),
        parent_schema_fingerprint: r.get("parent_schema_fingerprint"),
        missing: r.get("missing"),
        size_bytes: r
            .get::<_, Option<i64>>("size_bytes")
            .map(|n| n.max(0) as u64),
        undo_available: r.get("undo_available"),
    }
}

pub async fn list(s: &Session) -> Result<Vec<Branch>> {
    let rows = s
        .query(&format!("{SELECT_BRANCHES} ORDER BY b.name"), &[])
        .await?;
    Ok(rows.iter().map(branch_from_row).collect())
}

pub async fn find(s: &Session, name: &str) -> Result<Option<Branch>> {
    let row = s
        .query_opt(&format!("{SELECT_BRANCHES} WHERE b.name = $1"), &[&name])
        .await?;
    Ok(row.as_ref().map(branch_from_row))
}

/// A tracked branch, or NotFound.
pub async fn get(s: &Session, name: &str) -> Result<Branch> {
    find(s, name).await?.ok_or_else(|| {
        ApiError::not_found(format!("no branch named \"{name}\""))
            .with_hint("`grove branch list` shows the branches; `grove branch import` tracks an existing database")
    })
}

/// A tracked branch whose database exists.
pub async fn get_present(s: &Session, name: &str) -> Result<Branch> {
    let b = get(s, name).await?;
    if b.missing {
        return Err(ApiError::not_found(format!(
            "the database of branch \"{name}\" is missing (dropped outside Grove)"
        ))
        .with_hint("delete the branch to stop tracking it"));
    }
    Ok(b)
}

/// The branch and all its descendants, deepest first (the order to remove them in).
pub async fn subtree(s: &Session, id: Uuid) -> Result<Vec<Branch>> {
    let rows = s
        .query(
            &format!(
                "WITH RECURSIVE t(id, depth) AS (
                     SELECT $1::uuid, 0
                     UNION ALL SELECT c.id, t.depth + 1 FROM branches c JOIN t ON c.parent_id = t.id)
                 {SELECT_BRANCHES} JOIN t ON t.id = b.id ORDER BY t.depth DESC, b.name"
            ),
            &[&id],
        )
        .await?;
    Ok(rows.iter().map(branch_from_row).collect())
}

/// Whether a database of this name exists on the server (valid or not).
pub async fn database_exists(s: &Session, name: &str) -> Result<bool> {
    Ok(s.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
        &[&name],
    )
    .await?
    .get(0))
}

/// Fails unless `name` is free both in the catalog and on the server.
pub async fn ensure_free(s: &Session, name: &str) -> Result<()> {
    if find(s, name).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::AlreadyExists,
            format!("a branch named \"{name}\" already exists"),
        ));
    }
    if database_exists(s, name).await? {
        return Err(ApiError::new(
            ErrorCode::AlreadyExists,
            format!("a database named \"{name}\" already exists on the server"),
        )
        .with_hint("choose another name, or import that database to track it"));
    }
    Ok(())
}

/// The branch row as JSON, kept in snapshots for restore and undo.
pub async fn row_json(s: &Session, id: Uuid) -> Result<serde_json::Value> {
    Ok(
        s.query_one("SELECT to_jsonb(b) FROM branches b WHERE id = $1", &[&id])
            .await?
            .get(0),
    )
}

pub async fn snapshots(s: &Session) -> Result<Vec<Snapshot>> {
    let rows = s
        .query(
            "SELECT id, branch_name, db_name, kind, created_at, keep_until
               FROM snapshots ORDER BY created_at DESC, db_name",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Snapshot {
            id: r.get::<_, Uuid>("id").to_string(),
            branch_name: r.get("branch_name"),
            db_name: r.get("db_name"),
            kind: if r.get::<_, &str>("kind") == "deleted" {
                SnapshotKind::Deleted
            } else {
                SnapshotKind::ResetUndo
            },
            created_at: r
                .get::<_, chrono::DateTime<chrono::Utc>>("created_at")
                .to_rfc3339(),
            keep_until: r
                .get::<_, chrono::DateTime<chrono::Utc>>("keep_until")
                .to_rfc3339(),
        })
        .collect())
}

/// Client sessions on a database, except Grove's own short-lived ones (which close before the
/// database is used as a template or renamed; Postgres waits a few seconds for those).
pub async fn sessions_on(s: &Session, db: &str) -> Result<Vec<BlockingSession>> {
    let rows = s
        .query(
            "SELECT pid, usename::text, coalesce(application_name, ''), client_addr::text,
                    backend_start::text, state, state_change::text
               FROM pg_stat_activity
              WHERE datname = $1 AND pid <> pg_backend_pid()
                AND backend_type = 'client backend' AND application_name <> $2
              ORDER BY backend_start",
            &[&db, &super::INTERNAL_APP],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| BlockingSession {
            pid: r.get(0),
            user: r.get(1),
            application_name: r.get(2),
            client_addr: r.get(3),
            backend_start: r.get(4),
            state: r.get(5),
            state_change: r.get(6),
        })
        .collect())
}

/// Finishes what a crashed Grove (or server) left half done. Runs under the operation lock,
/// so no temporary or snapshot database can be in use by a running operation.
pub async fn repair(s: &Session) -> Result<Vec<String>> {
    let mut done = Vec::new();
    // Snapshot rows whose database is gone or was half dropped.
    let forgotten = s
        .query(
            "DELETE FROM snapshots s WHERE NOT EXISTS (
                 SELECT 1 FROM pg_database d WHERE d.datname = s.db_name AND d.datconnlimit <> -2)
             RETURNING db_name",
            &[],
        )
        .await?;
    for r in forgotten {
        done.push(format!(
            "forgot snapshot {} (its database is gone)",
            r.get::<_, String>(0)
        ));
    }
    // Copies never published, snapshots no row refers to, and databases a crash left half dropped.
    let leftovers = s
        .query(
            "SELECT datname::text FROM pg_database d
              WHERE starts_with(datname, $1)
                 OR (starts_with(datname, $2)
                     AND NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.db_name = d.datname))
              ORDER BY 1",
            &[&super::TMP_PREFIX, &super::SNAP_PREFIX],
        )
        .await?;
    for r in leftovers {
        let db: String = r.get(0);
        drop_database(s, &db).await?;
        done.push(format!("dropped leftover database {db}"));
    }
    // A refresh still marked running was interrupted (operations hold the lock we hold).
    let interrupted = s
        .query(
            "UPDATE sources s SET last_outcome = 'failed', last_finished_at = now(),
                    last_error = 'interrupted (Grove or the server stopped during the refresh)'
               FROM branches b WHERE b.id = s.root_id AND s.last_outcome = 'running'
             RETURNING b.name",
            &[],
        )
        .await?;
    for r in interrupted {
        done.push(format!(
            "marked the interrupted refresh of {} as failed",
            r.get::<_, String>(0)
        ));
    }
    for line in &done {
        tracing::info!("repair: {line}");
    }
    Ok(done)
}

pub async fn drop_database(s: &Session, db: &str) -> Result<()> {
    s.batch_execute(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(db)
    ))
    .await
    .map_err(|e| ApiError::from(e).context(format!("dropping database {db}")))
}

/// Only user schemas: not pg_catalog, pg_toast, temp schemas or information_schema.
const USER_SCHEMA: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";
/// Objects not created by an extension (its configuration tables keep their rows).
const NOT_FROM_EXTENSION: &str = "NOT EXISTS (SELECT 1 FROM pg_depend e
      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')";

/// md5 over the ordered list of user tables/views, their columns and types.
pub async fn schema_fingerprint(s: &Session) -> Result<String> {
    let sql = format!(
        "SELECT md5(coalesce(string_agg(
                    format('%s.%s.%s %s', n.nspname, c.relname, a.attname,
                           format_type(a.atttypid, a.atttypmod)),
                    E'\\n' ORDER BY n.nspname, c.relname, a.attnum), ''))
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE a.attnum > 0 AND NOT a.attisdropped
            AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_SCHEMA}"
    );
    Ok(s.query_one(&sql, &[]).await?.get(0))
}

/// Empties every user table and restarts every user sequence (a schema-only branch).
pub async fn empty_tables(s: &Session) -> Result<()> {
    let names = |kinds: &str| {
        format!(
            "SELECT n.nspname::text, c.relname::text FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ({kinds}) AND NOT c.relispartition AND {USER_SCHEMA}
                AND {NOT_FROM_EXTENSION}
              ORDER BY 1, 2"
        )
    };
    let qualified = |r: &Row| format!("{}.{}", quote_ident(r.get(0)), quote_ident(r.get(1)));
    let tables: Vec<String> = s
        .query(&names("'r', 'p'"), &[])
        .await?
        .iter()
        .map(qualified)
        .collect();
    let sequences: Vec<String> = s
        .query(&names("'S'"), &[])
        .await?
        .iter()
        .map(qualified)
        .collect();
    let mut sql = String::from("BEGIN;\n");
    if !tables.is_empty() {
        sql.push_str(&format!("TRUNCATE {} CASCADE;\n", tables.join(", ")));
    }
    for seq in &sequences {
        sql.push_str(&format!("ALTER SEQUENCE {seq} RESTART;\n"));
    }
    sql.push_str("COMMIT;");
    s.batch_execute(&sql)
        .await
        .map_err(|e| ApiError::from(e).context("emptying the tables of the copy"))
}
