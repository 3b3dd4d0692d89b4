//! The branch engine for one server: sessions, the operation lock, copying, reading.
use super::progress::{self, cancelled_error, Op};
use super::types::*;
use super::{catalog, fault, Cancel, CATALOG_DB, INTERNAL_APP, OPERATION_LOCK, TMP_PREFIX};
use crate::conn::{self, ConnectOptions, ConnectionFields, Session};
use crate::copy;
use crate::error::{ApiError, ErrorCode, Result};
use crate::ident::quote_ident;
use crate::schema::MigrationStatement;
use std::future::Future;
use std::time::Duration;
use uuid::Uuid;

pub(super) fn q(name: &str) -> String {
    quote_ident(name)
}

pub(super) fn new_name(prefix: &str) -> String {
    format!("{prefix}{}", Uuid::new_v4().simple())
}

pub(super) fn uuid_of(b: &Branch) -> Result<Uuid> {
    Uuid::parse_str(&b.id).map_err(|e| ApiError::internal(format!("bad branch id {}: {e}", b.id)))
}

/// "object in use" from CREATE DATABASE or RENAME becomes a Conflict.
pub(super) fn busy(e: impl Into<ApiError>) -> ApiError {
    let mut e = e.into();
    if e.sqlstate.as_deref() == Some("55006") {
        e.code = ErrorCode::Conflict;
    }
    e
}

pub(super) fn refuse_protected(b: &Branch, what: &str) -> Result<()> {
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
pub(crate) struct Locked {
    pub(crate) s: Session,
    pub(super) pid: i32,
    pub(super) repaired: Vec<String>,
}

/// The branch engine for one server. Cheap to clone; every operation opens its own sessions.
#[derive(Clone)]
pub struct Branches {
    pub(super) server: ConnectionFields,
    pub(super) password: Option<String>,
    pub(super) client: String,
    pub(super) cancel: Cancel,
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

    pub(super) async fn connect(&self, db: &str) -> Result<Session> {
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
    pub(super) async fn existing_catalog(&self) -> Result<Option<Session>> {
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
    pub(super) async fn catalog(&self) -> Result<Session> {
        let mut s = match self.connect(CATALOG_DB).await {
            Ok(s) => s,
            Err(e) if e.sqlstate.as_deref() == Some("3D000") => {
                let admin = self.connect(&self.server.database).await?;
                // template0: nobody can be connected to it (template1 may be in use).
                let sql = format!("CREATE DATABASE {} TEMPLATE template0", q(CATALOG_DB));
                match admin.batch_execute(&sql).await {
                    Ok(()) => {}
                    // Created meanwhile by another Grove: a concurrent CREATE DATABASE of the
                    // same name may fail on pg_database's unique index instead.
                    Err(e)
                        if e.code()
                            == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE)
                            || e.code()
                                == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {}
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
    pub(crate) async fn begin(&self, op: &Op<'_>) -> Result<Locked> {
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
    pub(super) async fn watch<T>(
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
    pub(super) async fn settle(
        &self,
        s: &Session,
        db: &str,
        protected: bool,
        on_busy: OnBusy,
    ) -> Result<()> {
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

    /// Copies the parent `p` to a new temporary database: online (its sessions left alone), or
    /// as a template once its sessions are dealt with as `on_busy` says.
    pub(super) async fn copy_parent(
        &self,
        l: &Locked,
        op: &Op<'_>,
        p: &Branch,
        on_busy: OnBusy,
        online: bool,
    ) -> Result<String> {
        if online {
            return self.copy_online(l, op, &p.name).await;
        }
        self.settle(&l.s, &p.name, p.protected, on_busy).await?;
        self.copy(l, op, &p.name).await
    }

    /// Copies `source` to a new temporary database and returns its name. On failure or
    /// cancellation nothing is left behind.
    pub(super) async fn copy(&self, l: &Locked, op: &Op<'_>, source: &str) -> Result<String> {
        let tmp = new_name(TMP_PREFIX);
        let (size, owner, may_own) = source_facts(l, source).await?;
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

    /// Copies `source` to a new temporary database with the online copy engine (its sessions
    /// are left alone; the copy is consistent as of one instant) and returns its name. Built
    /// under the lock with Grove's temporary prefix, so repair drops it if we die. On failure or
    /// cancellation nothing is left behind.
    pub(super) async fn copy_online(
        &self,
        l: &Locked,
        op: &Op<'_>,
        source: &str,
    ) -> Result<String> {
        let (size, owner, may_own) = source_facts(l, source).await?;
        let from = copy::Endpoint {
            fields: self.server.with_database(source),
            password: self.password.clone(),
        };
        let label = format!("\"{source}\"");
        let (tmp, _) = self
            .copy_from(l, op, from, Default::default(), &label, Some(size))
            .await?;
        if may_own {
            let sql = format!("ALTER DATABASE {} OWNER TO {}", q(&tmp), q(&owner));
            if let Err(e) = l.s.batch_execute(&sql).await {
                self.drop_quietly(&l.s, &tmp).await;
                return Err(ApiError::from(e).context(format!("copying {label} online")));
            }
        }
        Ok(tmp)
    }

    /// Copies the database `from` (on this server or another) with the online copy engine,
    /// tables and rows as `selection` says, to a new temporary database on this server; returns
    /// its name and what was copied. On failure or cancellation nothing is left behind.
    pub(super) async fn copy_from(
        &self,
        l: &Locked,
        op: &Op<'_>,
        from: copy::Endpoint,
        selection: copy::TableSelection,
        label: &str,
        size: Option<u64>,
    ) -> Result<(String, copy::CopyResult)> {
        let tmp = new_name(TMP_PREFIX);
        let req = copy::CopyRequest {
            source: from,
            target: copy::Endpoint {
                fields: self.server.clone(),
                password: self.password.clone(),
            },
            build_as: tmp.clone(),
            publish_as: None,
            workers: ONLINE_WORKERS,
            selection,
            split_above_pages: copy::SPLIT_PAGES,
        };
        op.report("copying", Some(format!("copying {label} online")), size);
        let report = |p: &copy::CopyProgress| {
            if p.phase == "copying rows" {
                // The new database exists and rows stream from the source.
                fault::point(&format!("{}:during-copy", op.name));
            }
            op.report_copy(
                "copying",
                Some(online_detail(label, p)),
                size,
                Some(p.into()),
            );
        };
        let copied = copy::copy_database(&req, &report, self.cancel.cancelled()).await;
        match copied {
            Ok(r) => Ok((tmp, r)),
            Err(e) => {
                self.drop_quietly(&l.s, &tmp).await;
                if e.code == ErrorCode::Cancelled {
                    return Err(cancelled_error());
                }
                Err(e.context(format!("copying {label} online")))
            }
        }
    }

    /// Prepares a fresh copy: empties it for a schema-only branch, and fingerprints its schema.
    pub(super) async fn prepare(&self, op: &Op<'_>, db: &str, schema_only: bool) -> Result<String> {
        let s = self.connect(db).await?;
        if schema_only {
            op.phase("emptying tables");
            catalog::empty_tables(&s).await?;
        }
        catalog::schema_fingerprint(&s).await
    }

    /// The schema of a fresh copy of a parent (schema::stored), kept as the branch's merge base.
    pub(super) async fn merge_base(&self, op: &Op<'_>, db: &str) -> Result<Vec<u8>> {
        op.phase("recording the parent's schema");
        let s = self.connect(db).await?;
        let cat = crate::schema::introspect(&s.client).await?;
        crate::schema::stored::encode(&cat)
    }

    /// Runs a migration script on a fresh copy (a rebase replaying the child's changes).
    pub(super) async fn replay(
        &self,
        op: &Op<'_>,
        db: &str,
        script: &[MigrationStatement],
    ) -> Result<()> {
        if script.is_empty() {
            return Ok(());
        }
        op.phase("replaying the branch's changes");
        let s = self.connect(db).await?;
        for (i, st) in script.iter().enumerate() {
            op.check()?;
            s.batch_execute(&st.sql).await.map_err(|e| {
                ApiError::from(e).context(format!("statement {} of the replay: {}", i + 1, st.sql))
            })?;
        }
        Ok(())
    }

    pub(crate) async fn drop_quietly(&self, s: &Session, db: &str) {
        if let Err(e) = catalog::drop_database(s, db).await {
            tracing::warn!("{e} (the next operation retries)");
        }
    }

    // ----- for other modules working on the server (deploy requests) -----

    pub(crate) async fn catalog_if_exists(&self) -> Result<Option<Session>> {
        self.existing_catalog().await
    }

    pub(crate) async fn catalog_session(&self) -> Result<Session> {
        self.catalog().await
    }

    pub(crate) fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    pub(crate) fn client(&self) -> &str {
        &self.client
    }

    /// A new name with Grove's temporary prefix (repair drops such databases).
    pub(crate) fn temp_name(&self) -> String {
        new_name(TMP_PREFIX)
    }

    /// A session to `db` that never counts as blocking.
    pub(crate) async fn connect_internal(&self, db: &str) -> Result<Session> {
        self.connect(db).await
    }

    /// `CREATE DATABASE name TEMPLATE source` (fails at once when `source` is in use).
    pub(crate) async fn template_copy(&self, s: &Session, name: &str, source: &str) -> Result<()> {
        s.batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY",
            q(name),
            q(source)
        ))
        .await
        .map_err(busy)
    }

    /// An empty database.
    pub(crate) async fn create_empty(&self, s: &Session, name: &str) -> Result<()> {
        s.batch_execute(&format!("CREATE DATABASE {} TEMPLATE template0", q(name)))
            .await
            .map_err(ApiError::from)
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
}

/// How many tables an online copy of a busy parent copies at once.
const ONLINE_WORKERS: usize = 2;

/// "copying rows of "p" online: 3/10 tables, 12.0 MB, 4.0 MB/s, about 9 s left".
fn online_detail(source: &str, p: &copy::CopyProgress) -> String {
    let mut d = format!("{} of {source} online", p.phase);
    if p.tables_total > 0 {
        let rate: f64 = p.active.iter().map(|t| t.bytes_per_sec).sum();
        d += &format!(
            ": {}/{} tables, {:.1} MB",
            p.tables_done,
            p.tables_total,
            p.bytes as f64 / 1e6
        );
        if rate > 0.0 {
            d += &format!(", {:.1} MB/s", rate / 1e6);
        }
        if let Some(eta) = p.active.iter().filter_map(|t| t.eta_ms).max() {
            d += &format!(", about {} s left", eta.div_ceil(1000));
        }
    }
    d
}

/// Swaps `tmp` in as branch `b` in a transaction the caller commits: `b`'s database becomes an
/// undoable reset-undo snapshot, `tmp` takes its name, and its schema fingerprint and merge
/// base (None for a root) are recorded.
pub(super) async fn swap_in<'a>(
    l: &'a mut Locked,
    b: &Branch,
    tmp: &str,
    fingerprint: &str,
    base: Option<&[u8]>,
) -> Result<tokio_postgres::Transaction<'a>> {
    let id = uuid_of(b)?;
    let before = catalog::row_json(&l.s, id).await?;
    let snap = new_name(super::SNAP_PREFIX);
    let tx = l.s.client.transaction().await?;
    tx.batch_execute(&format!(
        "ALTER DATABASE {name} RENAME TO {snap}; ALTER DATABASE {tmp} RENAME TO {name};",
        name = q(&b.name),
        snap = q(&snap),
        tmp = q(tmp)
    ))
    .await
    .map_err(busy)?;
    tx.execute(
        "INSERT INTO snapshots (id, branch_id, branch_name, db_name, kind, branch, keep_until)
         VALUES ($1, $2, $3, $4, 'reset-undo', $5, now() + make_interval(secs => $6))",
        &[
            &Uuid::new_v4(),
            &id,
            &b.name,
            &snap,
            &before,
            &super::KEEP_SNAPSHOTS.as_secs_f64(),
        ],
    )
    .await?;
    tx.execute(
        "UPDATE branches SET parent_schema_fingerprint = $2, base_schema = $3 WHERE id = $1",
        &[&id, &fingerprint, &base],
    )
    .await?;
    Ok(tx)
}

pub(super) fn busy_error(db: &str, sessions: &[BlockingSession], hint: &str) -> ApiError {
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

/// What a copy needs to know of its source: its size, its owner, and whether Grove's user may
/// give the copy that owner.
async fn source_facts(l: &Locked, source: &str) -> Result<(u64, String, bool)> {
    let row =
        l.s.query_one(
            "SELECT pg_database_size(oid), pg_get_userbyid(datdba)::text,
                    pg_has_role(datdba, 'MEMBER') FROM pg_database WHERE datname = $1",
            &[&source],
        )
        .await?;
    Ok((row.get::<_, i64>(0).max(0) as u64, row.get(1), row.get(2)))
}
