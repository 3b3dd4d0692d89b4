//! Branches: databases on one server, arranged in a tree Grove keeps on that server (in its
//! `grove_catalog` database), so everyone pointing Grove at the server sees the same tree.
//!
//! A child is `CREATE DATABASE … TEMPLATE parent STRATEGY FILE_COPY` (copy-on-write with
//! PostgreSQL 18's `file_copy_method = clone`). CREATE/DROP DATABASE are not transactional but
//! `ALTER DATABASE … RENAME` is, so every change is built under a temporary name and then
//! published together with its catalog row in one transaction. Mutations on a server are
//! serialised by an advisory lock held for the whole operation; each operation first repairs
//! what a crashed one left behind (see `catalog::repair`).
mod catalog;
mod fault;
mod progress;

pub use fault::FAULT_STEPS;
pub use progress::{no_progress, Cancel, OpProgress, Progress, ProgressFn};

use crate::conn::{self, ConnectOptions, ConnectionFields, Session};
use crate::error::{ApiError, ErrorCode, Result};
use crate::grove::Grove;
use crate::ident::{quote_ident, validate_name};
use progress::{cancelled_error, Op};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::time::Duration;
use ts_rs::TS;
use uuid::Uuid;

/// The database holding Grove's catalog on every server it manages.
pub const CATALOG_DB: &str = "grove_catalog";
/// Names Grove keeps for itself; branch names may not start with it.
pub const INTERNAL_PREFIX: &str = "grove_";
const TMP_PREFIX: &str = "grove_tmp_";
const SNAP_PREFIX: &str = "grove_snap_";
const RESERVED_NAMES: [&str; 4] = ["postgres", "template0", "template1", CATALOG_DB];
/// application_name of Grove's own sessions, which never count as blocking.
const INTERNAL_APP: &str = "grove-internal";
/// ("grove" + 1) Held (session level, in grove_catalog) for the whole of every mutating operation.
const OPERATION_LOCK: i64 = 0x0067_726f_7665_0001;
/// How long reset-undo and deleted snapshots are kept before housekeeping drops them.
pub const KEEP_SNAPSHOTS: Duration = Duration::from_secs(24 * 3600);

/// A branch as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct Branch {
    pub id: String,
    /// Also the database name.
    pub name: String,
    pub parent_id: Option<String>,
    /// The parent's name; None for a root (an imported database).
    pub parent: Option<String>,
    pub is_root: bool,
    pub schema_only: bool,
    pub protected: bool,
    /// RFC 3339.
    pub created_at: String,
    /// "role (client)".
    pub created_by: String,
    pub expires_at: Option<String>,
    /// md5 of the parent's tables, columns and types when the branch was made or last reset.
    pub parent_schema_fingerprint: Option<String>,
    /// The database was dropped outside Grove.
    pub missing: bool,
    #[ts(type = "number | null")]
    pub size_bytes: Option<u64>,
    /// A reset can be undone.
    pub undo_available: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum SnapshotKind {
    /// The branch as it was before a reset.
    ResetUndo,
    /// A deleted branch, restorable until `keep_until`.
    Deleted,
}

/// A database Grove keeps for a while so a reset or delete can be undone.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct Snapshot {
    pub id: String,
    pub branch_name: String,
    pub db_name: String,
    pub kind: SnapshotKind,
    pub created_at: String,
    pub keep_until: String,
}

/// A session that keeps a database from being copied or renamed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct BlockingSession {
    pub pid: i32,
    pub user: Option<String>,
    pub application_name: String,
    pub client_addr: Option<String>,
    pub backend_start: Option<String>,
    pub state: Option<String>,
    pub state_change: Option<String>,
}

impl std::fmt::Display for BlockingSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {}", self.pid)?;
        if let Some(u) = &self.user {
            write!(f, " user {u}")?;
        }
        if !self.application_name.is_empty() {
            write!(f, " app \"{}\"", self.application_name)?;
        }
        if let Some(a) = &self.client_addr {
            write!(f, " from {a}")?;
        }
        if let Some(t) = &self.backend_start {
            write!(f, " since {t}")?;
        }
        Ok(())
    }
}

/// What to do about other sessions on a database an operation must copy or rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum OnBusy {
    /// Fail with `Conflict`, listing them.
    #[default]
    Fail,
    /// Terminate them, except on protected branches.
    Terminate,
    /// Terminate them, even on protected branches.
    Force,
}

/// A database on the server, for choosing what to import.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct DatabaseInfo {
    pub name: String,
    #[ts(type = "number | null")]
    pub size_bytes: Option<u64>,
    /// Already a branch in Grove's tree.
    pub tracked: bool,
}

/// What `delete` did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct DeleteOutcome {
    /// Branches removed (their databases kept as snapshots until housekeeping drops them).
    pub deleted: Vec<String>,
    /// Root branches no longer tracked; their databases are untouched.
    pub untracked: Vec<String>,
}

/// What `housekeeping` did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct HousekeepingReport {
    pub expired_deleted: Vec<String>,
    /// "name: reason" for expired branches that were kept.
    pub expired_kept: Vec<String>,
    pub snapshots_dropped: Vec<String>,
    /// Leftovers of interrupted operations that were cleaned up.
    pub repaired: Vec<String>,
}

/// Checks a branch name: a valid identifier, not one Grove or PostgreSQL keeps for itself.
pub fn validate_branch_name(name: &str) -> Result<()> {
    validate_name("branch", name).map_err(ApiError::invalid)?;
    if name.to_lowercase().starts_with(INTERNAL_PREFIX) {
        return Err(ApiError::invalid(format!(
            "branch names may not start with \"{INTERNAL_PREFIX}\" (reserved for Grove's own databases)"
        )));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(ApiError::invalid(format!(
            "\"{name}\" is reserved and cannot be a branch name"
        )));
    }
    Ok(())
}

fn q(name: &str) -> String {
    quote_ident(name)
}

fn new_name(prefix: &str) -> String {
    format!("{prefix}{}", Uuid::new_v4().simple())
}

fn uuid_of(b: &Branch) -> Result<Uuid> {
    Uuid::parse_str(&b.id).map_err(|e| ApiError::internal(format!("bad branch id {}: {e}", b.id)))
}

/// "object in use" from CREATE DATABASE or RENAME becomes a Conflict.
fn busy(e: impl Into<ApiError>) -> ApiError {
    let mut e = e.into();
    if e.sqlstate.as_deref() == Some("55006") {
        e.code = ErrorCode::Conflict;
    }
    e
}

fn refuse_protected(b: &Branch, what: &str) -> Result<()> {
    if b.protected {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("branch \"{}\" is protected: it cannot be {what}", b.name),
        )
        .with_hint("unprotect it first"));
    }
    Ok(())
}

/// A session to grove_catalog holding the operation lock (released when it closes).
struct Locked {
    s: Session,
    pid: i32,
    repaired: Vec<String>,
}

/// The branch engine for one server. Cheap to clone; every operation opens its own sessions.
#[derive(Clone)]
pub struct Branches {
    server: ConnectionFields,
    password: Option<String>,
    client: String,
    cancel: Cancel,
}

impl Branches {
    /// `server` names the maintenance database (used only to create grove_catalog).
    pub fn new(server: ConnectionFields, password: Option<String>) -> Self {
        Branches {
            server,
            password,
            client: "grove".into(),
            cancel: Cancel::default(),
        }
    }

    /// Who is recorded in `created_by` next to the database role, e.g. "grove-cli".
    pub fn with_client(mut self, client: impl Into<String>) -> Self {
        self.client = client.into();
        self
    }

    /// Operations run with this handle stop (cleanly) when it is cancelled.
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    pub fn server(&self) -> &ConnectionFields {
        &self.server
    }

    async fn connect(&self, db: &str) -> Result<Session> {
        let opts = ConnectOptions {
            application_name: INTERNAL_APP.into(),
            ..Default::default()
        };
        conn::connect(
            &self.server.with_database(db),
            self.password.as_deref(),
            &opts,
        )
        .await
    }

    /// A session to grove_catalog if it exists: reading must not create databases on a server
    /// the user only looked at.
    async fn existing_catalog(&self) -> Result<Option<Session>> {
        match self.connect(CATALOG_DB).await {
            Ok(mut s) => {
                catalog::migrate(&mut s).await?;
                Ok(Some(s))
            }
            Err(e) if e.sqlstate.as_deref() == Some("3D000") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A session to grove_catalog, creating and migrating it when needed.
    async fn catalog(&self) -> Result<Session> {
        let mut s = match self.connect(CATALOG_DB).await {
            Ok(s) => s,
            Err(e) if e.sqlstate.as_deref() == Some("3D000") => {
                let admin = self.connect(&self.server.database).await?;
                // template0: nobody can be connected to it (template1 may be in use).
                let sql = format!("CREATE DATABASE {} TEMPLATE template0", q(CATALOG_DB));
                match admin.batch_execute(&sql).await {
                    Ok(()) => {}
                    Err(e)
                        if e.code()
                            == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => {}
                    Err(e) => {
                        return Err(ApiError::from(e).context("creating the grove_catalog database"))
                    }
                }
                drop(admin);
                self.connect(CATALOG_DB).await?
            }
            Err(e) => return Err(e),
        };
        catalog::migrate(&mut s).await?;
        Ok(s)
    }

    /// Takes the operation lock and repairs leftovers of interrupted operations.
    async fn begin(&self, op: &Op<'_>) -> Result<Locked> {
        op.check()?;
        let s = self.catalog().await?;
        // If this process dies or the network goes, the server should notice soon and release
        // the lock (keepalives; and checks during a long statement, where supported).
        s.batch_execute("SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3")
            .await?;
        let _ = s
            .batch_execute("SET client_connection_check_interval = '2s'")
            .await;
        let pid: i32 = s.query_one("SELECT pg_backend_pid()", &[]).await?.get(0);
        let got: bool = s
            .query_one("SELECT pg_try_advisory_lock($1)", &[&OPERATION_LOCK])
            .await?
            .get(0);
        if !got {
            let phase = "waiting for another Grove operation on this server";
            op.phase(phase);
            let lock = s.execute("SELECT pg_advisory_lock($1)", &[&OPERATION_LOCK]);
            self.watch(pid, op, phase, None, lock).await?;
        }
        fault::point("lock:acquired");
        let repaired = catalog::repair(&s).await?;
        Ok(Locked { s, pid, repaired })
    }

    /// Runs one long statement on the lock session: reports every TICK, and on cancellation
    /// cancels it on the server.
    async fn watch<T>(
        &self,
        pid: i32,
        op: &Op<'_>,
        phase: &str,
        bytes_total: Option<u64>,
        fut: impl Future<Output = std::result::Result<T, tokio_postgres::Error>>,
    ) -> Result<T> {
        let ticker = async {
            let mut every = tokio::time::interval(progress::TICK);
            every.tick().await; // the first tick is immediate
            loop {
                every.tick().await;
                op.report(phase, None, bytes_total);
            }
        };
        tokio::pin!(fut);
        tokio::select! {
            r = &mut fut => r.map_err(busy),
            _ = ticker => unreachable!("the ticker never ends"),
            _ = self.cancel.cancelled() => {
                // Postgres stops the statement and removes what it had copied.
                if let Ok(other) = self.connect(CATALOG_DB).await {
                    let _ = other.execute("SELECT pg_cancel_backend($1)", &[&pid]).await;
                }
                let _ = fut.await;
                Err(cancelled_error())
            }
        }
    }

    /// Deals with other sessions on `db` before it is copied or renamed.
    async fn settle(&self, s: &Session, db: &str, protected: bool, on_busy: OnBusy) -> Result<()> {
        let mut sessions = catalog::sessions_on(s, db).await?;
        // A client that just disconnected leaves its backend listed for a moment.
        for _ in 0..10 {
            if sessions.is_empty() || on_busy != OnBusy::Fail {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            sessions = catalog::sessions_on(s, db).await?;
        }
        if sessions.is_empty() {
            return Ok(());
        }
        let may_terminate = match on_busy {
            OnBusy::Fail => false,
            OnBusy::Terminate => !protected,
            OnBusy::Force => true,
        };
        if may_terminate {
            for b in &sessions {
                s.execute("SELECT pg_terminate_backend($1, 5000)", &[&b.pid])
                    .await?;
            }
            let left = catalog::sessions_on(s, db).await?;
            if left.is_empty() {
                return Ok(());
            }
            return Err(busy_error(db, &left, "they did not end when terminated"));
        }
        let hint = if protected && on_busy == OnBusy::Terminate {
            "it is a protected branch: terminating its sessions needs force (--force)"
        } else {
            "close them, or terminate them (--terminate)"
        };
        Err(busy_error(db, &sessions, hint))
    }

    /// Copies `source` to a new temporary database and returns its name. On failure or
    /// cancellation nothing is left behind.
    async fn copy(&self, l: &Locked, op: &Op<'_>, source: &str) -> Result<String> {
        let tmp = new_name(TMP_PREFIX);
        let row =
            l.s.query_one(
                "SELECT pg_database_size(oid), pg_get_userbyid(datdba)::text,
                        pg_has_role(datdba, 'MEMBER') FROM pg_database WHERE datname = $1",
                &[&source],
            )
            .await?;
        let size = row.get::<_, i64>(0).max(0) as u64;
        let (owner, may_own): (String, bool) = (row.get(1), row.get(2));
        // Keep the source's owner when we are allowed to give it away.
        let owner = if may_own {
            format!(" OWNER {}", q(&owner))
        } else {
            String::new()
        };
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY{owner}",
            q(&tmp),
            q(source)
        );
        op.report("copying", Some(format!("copying \"{source}\"")), Some(size));
        let create = l.s.batch_execute(&sql);
        let copied = tokio::select! {
            biased; // the first poll sends the statement, then the fault point may fire
            r = self.watch(l.pid, op, "copying", Some(size), create) => r,
            _ = async {
                fault::point(&format!("{}:during-copy", op.name));
                std::future::pending::<()>().await
            } => unreachable!(),
        };
        if let Err(e) = copied {
            self.drop_quietly(&l.s, &tmp).await;
            return Err(e.context(format!("copying \"{source}\"")));
        }
        Ok(tmp)
    }

    /// Prepares a fresh copy: empties it for a schema-only branch, and fingerprints its schema.
    async fn prepare(&self, op: &Op<'_>, db: &str, schema_only: bool) -> Result<String> {
        let s = self.connect(db).await?;
        if schema_only {
            op.phase("emptying tables");
            catalog::empty_tables(&s).await?;
        }
        catalog::schema_fingerprint(&s).await
    }

    async fn drop_quietly(&self, s: &Session, db: &str) {
        if let Err(e) = catalog::drop_database(s, db).await {
            tracing::warn!("{e} (the next operation retries)");
        }
    }

    // ----- reading -----

    /// The branch tree, reconciled with the server: a database dropped outside Grove is
    /// listed with `missing: true`.
    pub async fn list(&self) -> Result<Vec<Branch>> {
        match self.existing_catalog().await? {
            Some(s) => catalog::list(&s).await,
            None => Ok(Vec::new()),
        }
    }

    pub async fn get(&self, name: &str) -> Result<Branch> {
        catalog::get(&self.catalog().await?, name).await
    }

    /// Whether Grove's catalog exists on this server (without creating it).
    pub async fn has_catalog(&self) -> Result<bool> {
        Ok(self.existing_catalog().await?.is_some())
    }

    /// The server's user databases (not templates, not Grove's own), marking tracked ones.
    pub async fn databases(&self) -> Result<Vec<DatabaseInfo>> {
        let s = self.connect(&self.server.database).await?;
        let tracked: std::collections::HashSet<String> =
            self.list().await?.into_iter().map(|b| b.name).collect();
        let rows = s
            .query(
                "SELECT datname::text,
                        CASE WHEN has_database_privilege(oid, 'CONNECT') THEN pg_database_size(oid) END
                   FROM pg_database
                  WHERE NOT datistemplate AND datallowconn AND datname NOT LIKE 'grove\\_%'
                  ORDER BY datname",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let name: String = r.get(0);
                DatabaseInfo {
                    tracked: tracked.contains(&name),
                    size_bytes: r.get::<_, Option<i64>>(1).map(|v| v as u64),
                    name,
                }
            })
            .collect())
    }

    /// Reset-undo and deleted snapshots, newest first.
    pub async fn snapshots(&self) -> Result<Vec<Snapshot>> {
        match self.existing_catalog().await? {
            Some(s) => catalog::snapshots(&s).await,
            None => Ok(Vec::new()),
        }
    }

    /// The sessions that would block copying or renaming this branch's database.
    pub async fn blocking_sessions(&self, name: &str) -> Result<Vec<BlockingSession>> {
        let s = self.catalog().await?;
        let b = catalog::get(&s, name).await?;
        catalog::sessions_on(&s, &b.name).await
    }

    /// A postgres:// URI for the branch; the password only when asked for.
    pub async fn url(&self, name: &str, with_password: bool) -> Result<String> {
        let b = self.get(name).await?;
        let password = if with_password {
            self.password.as_deref()
        } else {
            None
        };
        Ok(self.server.with_database(&b.name).to_uri(password))
    }

    // ----- changing -----

    /// Tracks an existing database as a root branch; with `name`, renames it first.
    pub async fn import(
        &self,
        database: &str,
        name: Option<&str>,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        let name = name.unwrap_or(database);
        validate_branch_name(name)?;
        if RESERVED_NAMES.contains(&database) || database.starts_with(INTERNAL_PREFIX) {
            return Err(ApiError::invalid(format!(
                "\"{database}\" is a system or Grove database and cannot be imported"
            )));
        }
        let op = Op::new("import", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        if catalog::find(&l.s, database).await?.is_some() {
            return Err(ApiError::new(
                ErrorCode::AlreadyExists,
                format!("\"{database}\" is already a branch"),
            ));
        }
        let valid: Option<bool> =
            l.s.query_opt(
                "SELECT datconnlimit <> -2 FROM pg_database WHERE datname = $1",
                &[&database],
            )
            .await?
            .map(|r| r.get(0));
        if valid != Some(true) {
            return Err(ApiError::not_found(format!(
                "no database named \"{database}\" on the server"
            )));
        }
        if name != database {
            catalog::ensure_free(&l.s, name).await?;
            self.settle(&l.s, database, false, OnBusy::Fail).await?;
        }
        op.phase("reading the schema");
        let fingerprint = self.prepare(&op, database, false).await?;
        op.check()?;
        op.phase("publishing");
        let tx = l.s.client.transaction().await?;
        if name != database {
            tx.batch_execute(&format!(
                "ALTER DATABASE {} RENAME TO {}",
                q(database),
                q(name)
            ))
            .await
            .map_err(busy)?;
        }
        tx.execute(
            "INSERT INTO branches (id, name, is_root, created_by, parent_schema_fingerprint)
             VALUES ($1, $2, true, current_user || ' (' || $3 || ')', $4)",
            &[&Uuid::new_v4(), &name, &self.client, &fingerprint],
        )
        .await?;
        fault::point("import:before-commit");
        tx.commit().await.map_err(busy)?;
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Creates `name` as a copy of `parent` (schema only: same schema, no rows, sequences
    /// restarted).
    pub async fn create(
        &self,
        name: &str,
        parent: &str,
        schema_only: bool,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        validate_branch_name(name)?;
        let op = Op::new("create", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let p = catalog::get_present(&l.s, parent).await?;
        catalog::ensure_free(&l.s, name).await?;
        self.settle(&l.s, &p.name, p.protected, on_busy).await?;
        let tmp = self.copy(&l, &op, &p.name).await?;
        let published = async {
            fault::point("create:after-copy");
            let fingerprint = self.prepare(&op, &tmp, schema_only).await?;
            fault::point("create:after-prepare");
            op.check()?;
            op.phase("publishing");
            let tx = l.s.client.transaction().await?;
            tx.batch_execute(&format!("ALTER DATABASE {} RENAME TO {}", q(&tmp), q(name))).await.map_err(busy)?;
            tx.execute(
                "INSERT INTO branches (id, name, parent_id, schema_only, created_by, parent_schema_fingerprint)
                 VALUES ($1, $2, $3, $4, current_user || ' (' || $5 || ')', $6)",
                &[&Uuid::new_v4(), &name, &uuid_of(&p)?, &schema_only, &self.client, &fingerprint],
            )
            .await?;
            fault::point("create:before-commit");
            tx.commit().await.map_err(busy)?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(e) = published {
            self.drop_quietly(&l.s, &tmp).await;
            return Err(e);
        }
        fault::point("create:after-rename");
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Replaces the branch with a fresh copy of its parent. The old state is kept as a
    /// snapshot (`undo_reset`) for `KEEP_SNAPSHOTS`.
    pub async fn reset(
        &self,
        name: &str,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        let op = Op::new("reset", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let b = catalog::get_present(&l.s, name).await?;
        refuse_protected(&b, "reset")?;
        let parent = b.parent.as_deref().ok_or_else(|| {
            ApiError::invalid(format!(
                "\"{name}\" is a root branch: it has no parent to reset from"
            ))
        })?;
        let p = catalog::get_present(&l.s, parent).await?;
        self.settle(&l.s, &p.name, p.protected, on_busy).await?;
        self.settle(&l.s, &b.name, false, on_busy).await?;
        let tmp = self.copy(&l, &op, &p.name).await?;
        let swapped = async {
            fault::point("reset:after-copy");
            let fingerprint = self.prepare(&op, &tmp, b.schema_only).await?;
            op.check()?;
            // Sessions may have connected to the branch while we copied.
            self.settle(&l.s, &b.name, false, on_busy).await?;
            op.phase("swapping");
            let id = uuid_of(&b)?;
            let before = catalog::row_json(&l.s, id).await?;
            let snap = new_name(SNAP_PREFIX);
            let tx = l.s.client.transaction().await?;
            tx.batch_execute(&format!(
                "ALTER DATABASE {name} RENAME TO {snap}; ALTER DATABASE {tmp} RENAME TO {name};",
                name = q(&b.name),
                snap = q(&snap),
                tmp = q(&tmp)
            ))
            .await
            .map_err(busy)?;
            tx.execute(
                "INSERT INTO snapshots (id, branch_id, branch_name, db_name, kind, branch, keep_until)
                 VALUES ($1, $2, $3, $4, 'reset-undo', $5, now() + make_interval(secs => $6))",
                &[&Uuid::new_v4(), &id, &b.name, &snap, &before, &KEEP_SNAPSHOTS.as_secs_f64()],
            )
            .await?;
            tx.execute("UPDATE branches SET parent_schema_fingerprint = $2 WHERE id = $1", &[&id, &fingerprint])
                .await?;
            fault::point("reset:before-commit");
            tx.commit().await.map_err(busy)?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(e) = swapped {
            self.drop_quietly(&l.s, &tmp).await;
            return Err(e);
        }
        fault::point("reset:after-swap");
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Brings back the state before the latest reset; the reset result is dropped.
    pub async fn undo_reset(
        &self,
        name: &str,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        let op = Op::new("undo-reset", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let b = catalog::get_present(&l.s, name).await?;
        refuse_protected(&b, "reset")?;
        let id = uuid_of(&b)?;
        let snap =
            l.s.query_opt(
                "SELECT id, db_name, branch->>'parent_schema_fingerprint' FROM snapshots
                  WHERE branch_id = $1 AND kind = 'reset-undo' ORDER BY created_at DESC LIMIT 1",
                &[&id],
            )
            .await?
            .ok_or_else(|| {
                ApiError::not_found(format!("branch \"{name}\" has no reset to undo"))
            })?;
        let (snap_id, snap_db, fingerprint): (Uuid, String, Option<String>) =
            (snap.get(0), snap.get(1), snap.get(2));
        self.settle(&l.s, &b.name, false, on_busy).await?;
        op.check()?;
        op.phase("swapping");
        // The reset result goes to a name no snapshot row refers to: repair drops it if we die.
        let discard = new_name(SNAP_PREFIX);
        let tx = l.s.client.transaction().await?;
        tx.batch_execute(&format!(
            "ALTER DATABASE {name} RENAME TO {discard}; ALTER DATABASE {snap} RENAME TO {name};",
            name = q(&b.name),
            discard = q(&discard),
            snap = q(&snap_db)
        ))
        .await
        .map_err(busy)?;
        tx.execute("DELETE FROM snapshots WHERE id = $1", &[&snap_id])
            .await?;
        tx.execute(
            "UPDATE branches SET parent_schema_fingerprint = $2 WHERE id = $1",
            &[&id, &fingerprint],
        )
        .await?;
        fault::point("undo:before-commit");
        tx.commit().await.map_err(busy)?;
        fault::point("undo:after-swap");
        op.phase("dropping the reset copy");
        self.drop_quietly(&l.s, &discard).await;
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Deletes a branch (with `recursive`, its descendants too). Databases are renamed to
    /// snapshots, restorable until housekeeping drops them; roots are only untracked.
    pub async fn delete(
        &self,
        name: &str,
        recursive: bool,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<DeleteOutcome> {
        let op = Op::new("delete", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let b = catalog::get(&l.s, name).await?;
        let doomed = catalog::subtree(&l.s, uuid_of(&b)?).await?;
        if doomed.len() > 1 && !recursive {
            let children: Vec<&str> = doomed
                .iter()
                .filter(|d| d.parent_id.as_deref() == Some(b.id.as_str()))
                .map(|d| d.name.as_str())
                .collect();
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "branch \"{name}\" has child branches: {}",
                    children.join(", ")
                ),
            )
            .with_hint("delete them first, or delete recursively (--recursive)"));
        }
        for d in &doomed {
            refuse_protected(d, "deleted")?;
        }
        let outcome = self.retire(&mut l, &op, &doomed, on_busy).await?;
        op.phase("done");
        Ok(outcome)
    }

    /// Removes branches from the tree in one transaction (`doomed` deepest first).
    async fn retire(
        &self,
        l: &mut Locked,
        op: &Op<'_>,
        doomed: &[Branch],
        on_busy: OnBusy,
    ) -> Result<DeleteOutcome> {
        for d in doomed.iter().filter(|d| !d.missing && !d.is_root) {
            self.settle(&l.s, &d.name, false, on_busy).await?;
        }
        op.check()?;
        op.phase("deleting");
        let mut outcome = DeleteOutcome {
            deleted: Vec::new(),
            untracked: Vec::new(),
        };
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        for d in doomed {
            let id = uuid_of(d)?;
            rows.push((id, catalog::row_json(&l.s, id).await?));
            ids.push(id);
        }
        let tx = l.s.client.transaction().await?;
        for (d, (id, row)) in doomed.iter().zip(&rows) {
            if d.is_root {
                outcome.untracked.push(d.name.clone());
                continue;
            }
            if !d.missing {
                let snap = new_name(SNAP_PREFIX);
                tx.batch_execute(&format!(
                    "ALTER DATABASE {} RENAME TO {}",
                    q(&d.name),
                    q(&snap)
                ))
                .await
                .map_err(busy)?;
                tx.execute(
                    "INSERT INTO snapshots (id, branch_id, branch_name, db_name, kind, branch, keep_until)
                     VALUES ($1, $2, $3, $4, 'deleted', $5, now() + make_interval(secs => $6))",
                    &[&Uuid::new_v4(), id, &d.name, &snap, row, &KEEP_SNAPSHOTS.as_secs_f64()],
                )
                .await?;
            }
            outcome.deleted.push(d.name.clone());
        }
        tx.execute("DELETE FROM branches WHERE id = ANY($1)", &[&ids])
            .await?;
        fault::point("delete:before-commit");
        tx.commit().await.map_err(busy)?;
        fault::point("delete:after-rename");
        Ok(outcome)
    }

    /// Brings back the most recently deleted branch of this name (under its old parent if
    /// that still exists, else as a detached branch).
    pub async fn restore(&self, name: &str, progress: ProgressFn<'_>) -> Result<Branch> {
        let op = Op::new("restore", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let snap =
            l.s.query_opt(
                "SELECT id, db_name, branch FROM snapshots
                  WHERE branch_name = $1 AND kind = 'deleted' ORDER BY created_at DESC LIMIT 1",
                &[&name],
            )
            .await?
            .ok_or_else(|| {
                ApiError::not_found(format!("no deleted branch named \"{name}\" to restore"))
            })?;
        let (snap_id, snap_db, mut row): (Uuid, String, serde_json::Value) =
            (snap.get(0), snap.get(1), snap.get(2));
        catalog::ensure_free(&l.s, name).await?;
        let parent_alive = match row
            .get("parent_id")
            .and_then(|v| v.as_str())
            .and_then(|p| Uuid::parse_str(p).ok())
        {
            Some(p) => {
                l.s.query_one(
                    "SELECT EXISTS (SELECT 1 FROM branches WHERE id = $1)",
                    &[&p],
                )
                .await?
                .get(0)
            }
            None => false,
        };
        if !parent_alive {
            row["parent_id"] = serde_json::Value::Null;
        }
        row["name"] = name.into();
        row["expires_at"] = serde_json::Value::Null;
        op.phase("restoring");
        let tx = l.s.client.transaction().await?;
        tx.batch_execute(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            q(&snap_db),
            q(name)
        ))
        .await
        .map_err(busy)?;
        tx.execute(
            "INSERT INTO branches SELECT * FROM jsonb_populate_record(NULL::branches, $1)",
            &[&row],
        )
        .await?;
        tx.execute("DELETE FROM snapshots WHERE id = $1", &[&snap_id])
            .await?;
        fault::point("restore:before-commit");
        tx.commit().await.map_err(busy)?;
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Renames a branch and its database.
    pub async fn rename(
        &self,
        old: &str,
        new: &str,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        validate_branch_name(new)?;
        let op = Op::new("rename", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let b = catalog::get_present(&l.s, old).await?;
        refuse_protected(&b, "renamed")?;
        catalog::ensure_free(&l.s, new).await?;
        self.settle(&l.s, &b.name, false, on_busy).await?;
        op.check()?;
        let id = uuid_of(&b)?;
        let tx = l.s.client.transaction().await?;
        tx.batch_execute(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            q(&b.name),
            q(new)
        ))
        .await
        .map_err(busy)?;
        tx.execute("UPDATE branches SET name = $2 WHERE id = $1", &[&id, &new])
            .await?;
        tx.execute(
            "UPDATE snapshots SET branch_name = $2 WHERE branch_id = $1",
            &[&id, &new],
        )
        .await?;
        fault::point("rename:before-commit");
        tx.commit().await.map_err(busy)?;
        op.phase("done");
        catalog::get(&l.s, new).await
    }

    /// Protected branches cannot be reset, deleted, renamed or expired, and their sessions
    /// are only terminated with `OnBusy::Force`.
    pub async fn set_protected(&self, name: &str, protected: bool) -> Result<Branch> {
        let op = Op::new(
            if protected { "protect" } else { "unprotect" },
            no_progress(),
            &self.cancel,
        );
        let l = self.begin(&op).await?;
        let b = catalog::get(&l.s, name).await?;
        l.s.execute(
            "UPDATE branches SET protected = $2 WHERE id = $1",
            &[&uuid_of(&b)?, &protected],
        )
        .await?;
        catalog::get(&l.s, name).await
    }

    /// Marks the branch for deletion by housekeeping after `after` (None: never).
    pub async fn expire(&self, name: &str, after: Option<Duration>) -> Result<Branch> {
        let op = Op::new("expire", no_progress(), &self.cancel);
        let l = self.begin(&op).await?;
        let b = catalog::get(&l.s, name).await?;
        if after.is_some() {
            if b.is_root {
                return Err(ApiError::invalid(format!(
                    "\"{name}\" is a root branch (an imported database); Grove does not expire those"
                )));
            }
            refuse_protected(&b, "expired")?;
        }
        let secs = after.map(|d| d.as_secs_f64());
        l.s.execute(
            "UPDATE branches SET expires_at = now() + make_interval(secs => $2) WHERE id = $1",
            &[&uuid_of(&b)?, &secs],
        )
        .await?;
        catalog::get(&l.s, name).await
    }

    /// Deletes expired branches (never protected ones, nor ones with children), drops
    /// snapshots past their time, and cleans up after interrupted operations.
    pub async fn housekeeping(&self, progress: ProgressFn<'_>) -> Result<HousekeepingReport> {
        let op = Op::new("housekeeping", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let mut report = HousekeepingReport {
            repaired: std::mem::take(&mut l.repaired),
            ..Default::default()
        };
        op.phase("deleting expired branches");
        let expired: Vec<String> = l
            .s
            .query(
                "WITH RECURSIVE tree(id, depth) AS (
                     SELECT id, 0 FROM branches WHERE parent_id IS NULL
                     UNION ALL SELECT b.id, tree.depth + 1 FROM branches b JOIN tree ON b.parent_id = tree.id)
                 SELECT b.name FROM branches b JOIN tree USING (id)
                  WHERE b.expires_at <= now() ORDER BY tree.depth DESC, b.name",
                &[],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for name in expired {
            let b = catalog::get(&l.s, &name).await?;
            let doomed = catalog::subtree(&l.s, uuid_of(&b)?).await?;
            if b.protected || b.is_root {
                report.expired_kept.push(format!(
                    "{name}: {}",
                    if b.protected { "protected" } else { "root" }
                ));
            } else if doomed.len() > 1 {
                report
                    .expired_kept
                    .push(format!("{name}: has child branches"));
            } else {
                // The owner asked for it to go at this time; sessions do not keep it alive.
                match self.retire(&mut l, &op, &doomed, OnBusy::Terminate).await {
                    Ok(_) => report.expired_deleted.push(name),
                    Err(e) => report.expired_kept.push(format!("{name}: {}", e.message)),
                }
            }
        }
        op.phase("dropping old snapshots");
        let old =
            l.s.query(
                "SELECT id, db_name FROM snapshots WHERE keep_until <= now() ORDER BY created_at",
                &[],
            )
            .await?;
        for r in old {
            let (id, db): (Uuid, String) = (r.get(0), r.get(1));
            // Row first: if we die before the DROP, repair drops the unreferenced database.
            l.s.execute("DELETE FROM snapshots WHERE id = $1", &[&id])
                .await?;
            fault::point("housekeeping:after-unregister");
            catalog::drop_database(&l.s, &db).await?;
            report.snapshots_dropped.push(db);
        }
        op.phase("done");
        Ok(report)
    }
}

fn busy_error(db: &str, sessions: &[BlockingSession], hint: &str) -> ApiError {
    let list: Vec<String> = sessions.iter().map(ToString::to_string).collect();
    ApiError::new(
        ErrorCode::Conflict,
        format!(
            "database \"{db}\" is in use by {} other session{}: {}",
            sessions.len(),
            if sessions.len() == 1 { "" } else { "s" },
            list.join("; ")
        ),
    )
    .with_hint(hint)
}

impl Grove {
    /// Housekeeping on the running local server and every saved server that answers; servers
    /// Grove's catalog was never created on are left alone. Failures are logged, not raised.
    pub async fn housekeeping_everywhere(&self) {
        let mut targets: Vec<Option<String>> = Vec::new();
        if self.local.current().await.is_some() {
            targets.push(None);
        }
        if let Ok(list) = self.list_connections().await {
            targets.extend(list.into_iter().map(|c| Some(c.id)));
        }
        for server in targets {
            let run = async {
                let b = self
                    .branches(server.as_deref())
                    .await?
                    .with_client("Grove housekeeping");
                if !b.has_catalog().await? {
                    return Ok(HousekeepingReport::default());
                }
                b.housekeeping(no_progress()).await
            };
            match run.await {
                Ok(r) if r.expired_deleted.is_empty() && r.snapshots_dropped.is_empty() => {}
                Ok(r) => tracing::info!(
                    "housekeeping on {}: {r:?}",
                    server.as_deref().unwrap_or("local")
                ),
                Err(e) => tracing::debug!(
                    "housekeeping on {} skipped: {}",
                    server.as_deref().unwrap_or("local"),
                    e.message
                ),
            }
        }
    }

    /// The branch engine for a server selection (see `Grove::server`).
    pub async fn branches(&self, server: Option<&str>) -> Result<Branches> {
        let s = self.server(server).await?;
        Ok(Branches::new(s.fields, s.password))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names() {
        for ok in [
            "dev/alex",
            "preview/pr-123",
            "Ünïcödé 🌳",
            "a\"b",
            "x\"; DROP DATABASE y; --",
            "Postgres",
        ] {
            assert!(validate_branch_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " x",
            "x\n",
            "a\0b",
            "grove_tmp_x",
            "GROVE_x",
            "postgres",
            "template1",
            "grove_catalog",
        ] {
            assert_eq!(
                validate_branch_name(bad).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{bad:?}"
            );
        }
        assert!(validate_branch_name(&"x".repeat(64))
            .unwrap_err()
            .message
            .contains("63 bytes"));
    }

    #[test]
    fn fault_steps_are_unique() {
        let mut steps = FAULT_STEPS.to_vec();
        steps.sort();
        steps.dedup();
        assert_eq!(steps.len(), FAULT_STEPS.len());
    }
}
