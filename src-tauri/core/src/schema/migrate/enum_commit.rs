//! Enum values added with `ALTER TYPE … ADD VALUE` cannot be used before the transaction that
//! added them commits ("unsafe use of new value"). When a later statement of the migration
//! uses one (its label as a literal: a default, a check, a view, an index predicate, a
//! `BEGIN ATOMIC` body…), the additions move to the front and a `COMMIT` follows them,
//! flagged: the migration then runs as two transactions. Otherwise nothing changes.
use crate::ident::quote_literal;
use crate::schema::statement::{hazard, stmt, HazardKind, MigrationStatement};
use std::collections::BTreeSet;

/// `statements`, split after the enum value `additions` (their SQL) when a statement uses one
/// of the added `labels`.
pub(super) fn commit_added_enum_values(
    statements: Vec<MigrationStatement>,
    additions: &BTreeSet<String>,
    labels: &BTreeSet<String>,
) -> Vec<MigrationStatement> {
    if additions.is_empty() {
        return statements;
    }
    let literals: Vec<String> = labels.iter().map(|l| quote_literal(l)).collect();
    let adds = statements.iter().any(|s| additions.contains(&s.sql));
    let uses = statements.iter().any(|s| {
        !additions.contains(&s.sql) && literals.iter().any(|l| s.sql.contains(l.as_str()))
    });
    if !adds || !uses {
        return statements;
    }
    let (added, rest): (Vec<_>, Vec<_>) = statements
        .into_iter()
        .partition(|s| additions.contains(&s.sql));
    // Session settings (`SET …`, not transactional) stay first.
    let settings = rest
        .iter()
        .take_while(|s| s.sql.starts_with("SET "))
        .count();
    let mut rest = rest.into_iter();
    let mut out: Vec<MigrationStatement> = rest.by_ref().take(settings).collect();
    out.extend(added);
    out.push(stmt("COMMIT;").with(hazard(
        HazardKind::MayFail,
        "enum values added above are used below: they must be committed first, so the \
         migration runs as two transactions (the values stay if the rest fails)",
    )));
    out.push(stmt("BEGIN;"));
    out.extend(rest);
    out.push(stmt("COMMIT;"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(v: &[MigrationStatement]) -> Vec<&str> {
        v.iter().map(|s| s.sql.as_str()).collect()
    }

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    const ADD: &str = "ALTER TYPE \"s\".\"st\" ADD VALUE 'done';";

    #[test]
    fn values_used_later_are_committed_first() {
        let v = vec![
            stmt("SET check_function_bodies = false;"),
            stmt("CREATE TABLE x ();"),
            stmt(ADD),
            stmt("ALTER TABLE t ALTER COLUMN c SET DEFAULT 'done'::s.st;"),
        ];
        let out = commit_added_enum_values(v, &set(&[ADD]), &set(&["done"]));
        assert_eq!(
            sql(&out),
            [
                "SET check_function_bodies = false;",
                ADD,
                "COMMIT;",
                "BEGIN;",
                "CREATE TABLE x ();",
                "ALTER TABLE t ALTER COLUMN c SET DEFAULT 'done'::s.st;",
                "COMMIT;"
            ]
        );
        assert_eq!(out[2].hazards[0].kind, HazardKind::MayFail);
    }

    #[test]
    fn values_not_used_leave_the_migration_as_it_is() {
        let v = vec![stmt("CREATE TABLE x ();"), stmt(ADD)];
        let out = commit_added_enum_values(v, &set(&[ADD]), &set(&["done"]));
        assert_eq!(sql(&out), ["CREATE TABLE x ();", ADD]);
    }
}
