//! The data a deploy drops, kept for a revert: whole tables the script drops, and the values
//! of columns it drops or retypes (with the row's key). Kept in a database of its own (so the
//! parent's schema is untouched), as text (`COPY` text format reads back into any type), with
//! a manifest table saying what each backup table holds.
use crate::conn::Session;
use crate::error::{ApiError, Result};
use crate::ident::quote_ident as qi;
use crate::schema::model::{Catalog, QualName, Table, TableKind};
use futures_util::{SinkExt, StreamExt};

/// One backup table.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Item {
    pub table: QualName,
    /// The row key (primary key, else a unique constraint); empty for a whole table.
    pub key: Vec<String>,
    /// The columns kept (for a whole table: every stored column).
    pub columns: Vec<String>,
    pub whole: bool,
}

/// What `parent → merged` drops. Values of a column of a table with no key cannot be put
/// back: those columns are listed in the second vector.
pub(super) fn plan(parent: &Catalog, merged: &Catalog) -> (Vec<Item>, Vec<String>) {
    let mut items = Vec::new();
    let mut keyless = Vec::new();
    for (q, t) in &parent.tables {
        if t.kind == TableKind::Partitioned {
            continue; // its rows are in its partitions
        }
        let stored: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.generated().is_none())
            .map(|c| c.name.to_string())
            .collect();
        let Some(m) = merged.tables.get(q) else {
            items.push(Item {
                table: q.clone(),
                key: Vec::new(),
                columns: stored,
                whole: true,
            });
            continue;
        };
        let lost: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.generated().is_none())
            .filter(|c| m.column(&c.name).is_none_or(|n| n.type_name != c.type_name))
            .map(|c| c.name.to_string())
            .collect();
        if lost.is_empty() {
            continue;
        }
        match row_key(t) {
            Some(key) if key.iter().all(|k| !lost.contains(k)) => items.push(Item {
                table: q.clone(),
                key,
                columns: lost,
                whole: false,
            }),
            _ => keyless.extend(lost.iter().map(|c| format!("{q}.{}", qi(c)))),
        }
    }
    (items, keyless)
}

/// The columns of the table's primary key, else of its first unique constraint.
fn row_key(t: &Table) -> Option<Vec<String>> {
    let pick = |kind: &str| {
        t.constraints
            .values()
            .find(|c| c.kind == kind)
            .and_then(|c| key_columns(&c.definition))
    };
    pick("p").or_else(|| pick("u"))
}

/// The column names of `PRIMARY KEY (a, "b c")` / `UNIQUE (…)` (None for anything fancier).
fn key_columns(def: &str) -> Option<Vec<String>> {
    let inner = def.split_once('(')?.1;
    let inner = inner.strip_suffix(')').unwrap_or(inner.split_once(')')?.0);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = inner.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            '(' | ')' if !quoted => return None,
            _ => cur.push(ch),
        }
    }
    out.push(cur.trim().to_string());
    (!out.iter().any(|c| c.is_empty())).then_some(out)
}

fn backup_table(n: usize) -> String {
    format!("t{n}")
}

/// Creates the manifest and copies every item from `src` (in its transaction) into `dst`.
pub(super) async fn save(src: &Session, dst: &Session, items: &[Item]) -> Result<u64> {
    dst.batch_execute(
        "CREATE TABLE manifest (n int PRIMARY KEY, schema_name text, table_name text,
                                key_columns text[], columns text[], whole boolean)",
    )
    .await?;
    let mut rows = 0;
    for (n, it) in items.iter().enumerate() {
        let all: Vec<&String> = it.key.iter().chain(&it.columns).collect();
        let defs: Vec<String> = (0..all.len()).map(|i| format!("c{i} text")).collect();
        dst.batch_execute(&format!(
            "CREATE TABLE {} ({})",
            backup_table(n),
            defs.join(", ")
        ))
        .await?;
        dst.execute(
            "INSERT INTO manifest VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &(n as i32),
                &it.table.schema.as_str(),
                &it.table.name.as_str(),
                &it.key,
                &it.columns,
                &it.whole,
            ],
        )
        .await?;
        let cols: Vec<String> = all.iter().map(|c| qi(c)).collect();
        let out = format!(
            "COPY (SELECT {} FROM ONLY {}) TO STDOUT",
            cols.join(", "),
            it.table
        );
        rows += pipe(
            src,
            &out,
            dst,
            &format!("COPY {} FROM STDIN", backup_table(n)),
        )
        .await?;
    }
    Ok(rows)
}

/// Reads the manifest of a backup database.
pub(super) async fn load(s: &Session) -> Result<Vec<Item>> {
    let rows = s
        .query(
            "SELECT schema_name, table_name, key_columns, columns, whole FROM manifest ORDER BY n",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Item {
            table: QualName::new(r.get::<_, String>(0), r.get::<_, String>(1)),
            key: r.get(2),
            columns: r.get(3),
            whole: r.get(4),
        })
        .collect())
}

/// Puts item `n` back into `dst` (in its transaction): a whole table's rows are inserted; a
/// column's values are set on the rows that still have their key.
pub(super) async fn restore(src: &Session, dst: &Session, n: usize, it: &Item) -> Result<u64> {
    let cols: Vec<String> = it.key.iter().chain(&it.columns).map(|c| qi(c)).collect();
    let out = format!("COPY {} TO STDOUT", backup_table(n));
    if it.whole {
        let into = format!("COPY {} ({}) FROM STDIN", it.table, cols.join(", "));
        return pipe(src, &out, dst, &into).await;
    }
    let tmp = format!("grove_restore_{n}");
    dst.batch_execute(&format!(
        "CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
        cols.join(", "),
        it.table
    ))
    .await?;
    let rows = pipe(src, &out, dst, &format!("COPY {tmp} FROM STDIN")).await?;
    let set: Vec<String> = it
        .columns
        .iter()
        .map(|c| format!("{0} = r.{0}", qi(c)))
        .collect();
    let on: Vec<String> = it
        .key
        .iter()
        .map(|c| format!("t.{0} = r.{0}", qi(c)))
        .collect();
    dst.batch_execute(&format!(
        "UPDATE {} AS t SET {} FROM {tmp} AS r WHERE {}",
        it.table,
        set.join(", "),
        on.join(" AND ")
    ))
    .await?;
    Ok(rows)
}

/// `COPY … TO STDOUT` on `src` streamed into `COPY … FROM STDIN` on `dst`.
async fn pipe(src: &Session, out: &str, dst: &Session, into: &str) -> Result<u64> {
    let stream = src.client.copy_out(out).await?;
    let sink = dst.client.copy_in(into).await?;
    futures_util::pin_mut!(stream);
    futures_util::pin_mut!(sink);
    while let Some(chunk) = stream.next().await {
        sink.send(chunk?).await?;
    }
    sink.as_mut().finish().await.map_err(ApiError::from)
}

#[cfg(test)]
mod tests {
    use super::key_columns;

    #[test]
    fn key_columns_of_constraint_definitions() {
        let k = |d: &str| key_columns(d);
        assert_eq!(k("PRIMARY KEY (id)"), Some(vec!["id".into()]));
        assert_eq!(k("PRIMARY KEY (a, b)"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(
            k(r#"UNIQUE ("we,ird", "x""y")"#),
            Some(vec!["we,ird".into(), "x\"y".into()])
        );
        assert_eq!(k("UNIQUE (lower(a))"), None);
    }
}
