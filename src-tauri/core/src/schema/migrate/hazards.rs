//! What can go wrong when a statement runs: one rule per kind of statement, each returning the
//! hazards to show above it. Pure functions of the catalog objects involved, so the rules
//! can be read (and tested) in one place; hazards of column type changes are with the type
//! change rules (`type_change`).
use crate::schema::ddl::qi;
use crate::schema::model::{Column, Constraint, QualName, SequenceOptions, Table};
use crate::schema::statement::{hazard, Hazard, HazardKind};

/// ` (about N rows)` when the table was analysed, else nothing.
pub(super) fn rows_note(t: &Table) -> String {
    if t.estimated_rows >= 0.0 {
        format!(" (about {} rows)", t.estimated_rows.round() as i64)
    } else {
        String::new()
    }
}

/// The lock held while `table` (SQL-spelled) is rewritten.
pub(super) fn rewrite_lock(table: &str) -> Hazard {
    hazard(
        HazardKind::LongLock,
        format!("ACCESS EXCLUSIVE lock on {table} for the whole rewrite"),
    )
}

/// `ALTER SEQUENCE` to a smaller range fails when the current value is outside it.
pub(super) fn sequence_range_narrowing(
    seq: &QualName,
    from: &SequenceOptions,
    to: &SequenceOptions,
) -> Option<Hazard> {
    (to.max < from.max || to.min > from.min).then(|| {
        hazard(
            HazardKind::MayFail,
            format!(
                "narrowing the range of {} fails if its current value is outside the new range",
                seq.sql()
            ),
        )
    })
}

/// `VALIDATE CONSTRAINT` scans the table.
pub(super) fn validate_constraint(table: &QualName, constraint: &str, rows: &Table) -> Hazard {
    hazard(
        HazardKind::LongLock,
        format!(
            "validating {} scans {}{}",
            qi(constraint),
            table.sql(),
            rows_note(rows)
        ),
    )
}

/// `ALTER DOMAIN … SET NOT NULL` checks every column of the domain.
pub(super) fn domain_set_not_null(domain: &str) -> Hazard {
    hazard(
        HazardKind::MayFail,
        format!("fails if a column of domain {domain} holds NULL"),
    )
}

/// `ALTER DOMAIN … ADD CONSTRAINT` checks every value of the domain.
pub(super) fn domain_add_check(domain: &str, check: &str) -> Hazard {
    hazard(
        HazardKind::MayFail,
        format!("fails if a value of domain {domain} violates {}", qi(check)),
    )
}

/// `ATTACH PARTITION` scans the partition (`name`, SQL-spelled) to check its bound.
pub(super) fn attach_partition(name: &str, rows: &Table) -> Hazard {
    hazard(
        HazardKind::LongLock,
        format!(
            "attaching {name} scans it to check the partition bound{}",
            rows_note(rows)
        ),
    )
}

/// `SET LOGGED` / `SET UNLOGGED` rewrites the table.
pub(super) fn persistence_change(name: &str, rows: &Table) -> Vec<Hazard> {
    vec![
        hazard(
            HazardKind::TableRewrite,
            format!("changing persistence rewrites {name}{}", rows_note(rows)),
        ),
        rewrite_lock(name),
    ]
}

/// `SET EXPRESSION` on a stored generated column recomputes every row.
pub(super) fn recompute_generated(table: &str, col: &str, rows: &Table) -> Hazard {
    hazard(
        HazardKind::TableRewrite,
        format!(
            "recomputing {table}.{col} rewrites the table{}",
            rows_note(rows)
        ),
    )
}

/// `SET NOT NULL` scans the table under a lock, and fails on a NULL.
pub(super) fn set_not_null(table: &str, col: &str, rows: &Table) -> Vec<Hazard> {
    vec![
        hazard(
            HazardKind::LongLock,
            format!(
                "SET NOT NULL scans {table}{} under an ACCESS EXCLUSIVE lock",
                rows_note(rows)
            ),
        ),
        hazard(
            HazardKind::MayFail,
            format!("fails if {table}.{col} holds NULL"),
        ),
    ]
}

pub(super) fn drop_extension(name: &str) -> Hazard {
    hazard(
        HazardKind::DataLoss,
        format!("dropping extension {} drops its objects", qi(name)),
    )
}

pub(super) fn drop_table(table: &QualName, rows: &Table) -> Hazard {
    hazard(
        HazardKind::DataLoss,
        format!(
            "dropping table {} deletes its rows{}",
            table.sql(),
            rows_note(rows)
        ),
    )
}

/// Dropping a column loses its values, unless they are computed (generated columns).
pub(super) fn drop_column(table: &QualName, col: &str, generated: bool) -> Option<Hazard> {
    (!generated).then(|| {
        hazard(
            HazardKind::DataLoss,
            format!(
                "dropping column {}.{} deletes its values",
                table.sql(),
                qi(col)
            ),
        )
    })
}

/// A column whose new type has no cast from the old: dropped and added again, empty.
pub(super) fn no_cast(table: &QualName, col: &str, from: &str, to: &str) -> Hazard {
    hazard(
        HazardKind::DataLoss,
        format!(
            "there is no cast from {from} to {to}: column {}.{} is dropped and added again \
             without its values",
            table.sql(),
            qi(col)
        ),
    )
}

pub(super) fn drop_materialized_view(view: &QualName) -> Hazard {
    hazard(
        HazardKind::DataLoss,
        format!(
            "dropping materialized view {} discards its contents",
            view.sql()
        ),
    )
}

/// A default computed per row: PostgreSQL must write it into every existing row.
fn volatile_default(default: &str) -> bool {
    default.contains("nextval(")
        || default.contains("random(")
        || default.contains("clock_timestamp(")
        || default.contains("gen_random_uuid(")
}

/// `ADD COLUMN` (as `col` is added, with or without its default) to an existing table: NOT
/// NULL without a value fails on rows; a value computed per row rewrites the table.
pub(super) fn add_column(table: &QualName, col: &Column, existing: &Table) -> Vec<Hazard> {
    let mut out = Vec::new();
    if col.not_null
        && col.default.is_none()
        && col.identity().is_none()
        && col.generated().is_none()
    {
        out.push(hazard(
            HazardKind::MayFail,
            format!(
                "adding NOT NULL column {} without a default fails if {} has rows{}",
                qi(&col.name),
                table.sql(),
                rows_note(existing)
            ),
        ));
    }
    let computed_per_row = col.identity().is_some()
        || (col.generated().is_some() && col.generated_kind() != Some("VIRTUAL"))
        || col.default.as_deref().is_some_and(volatile_default);
    if computed_per_row {
        out.push(hazard(
            HazardKind::TableRewrite,
            format!(
                "a column computed per row rewrites {}{}",
                table.sql(),
                rows_note(existing)
            ),
        ));
        out.push(rewrite_lock(&table.sql()));
    }
    out
}

/// `ADD CONSTRAINT` on an existing table: a validated constraint checks every row under a
/// lock (an index build for keys and exclusions); NOT VALID ones check nothing.
pub(super) fn add_constraint(
    table: &QualName,
    name: &str,
    con: &Constraint,
    existing: &Table,
) -> Vec<Hazard> {
    if !con.validated {
        return Vec::new();
    }
    let rows = rows_note(existing);
    let (c, q) = (qi(name), table.sql());
    let lock = match con.kind.as_str() {
        "p" | "u" | "x" => format!("building the index of {c} blocks writes to {q}{rows}"),
        "f" => format!(
            "validating foreign key {c} scans {q}{rows} and locks both tables against writes; ADD … NOT VALID then VALIDATE avoids the long lock"
        ),
        _ => format!(
            "validating {c} scans {q}{rows} under an ACCESS EXCLUSIVE lock; ADD … NOT VALID then VALIDATE avoids the long lock"
        ),
    };
    vec![
        hazard(HazardKind::LongLock, lock),
        hazard(
            HazardKind::MayFail,
            format!("fails if existing rows of {q} violate {c}"),
        ),
    ]
}

/// `CREATE INDEX` on an existing table or materialized view blocks writes while it builds.
pub(super) fn create_index(table: &QualName, rows_note: String) -> Hazard {
    hazard(
        HazardKind::LongLock,
        format!(
            "CREATE INDEX without CONCURRENTLY blocks writes to {}{} while it builds; on a live table run CREATE INDEX CONCURRENTLY outside a transaction instead",
            table.sql(),
            rows_note
        ),
    )
}

pub(super) fn create_materialized_view(view: &QualName) -> Hazard {
    hazard(
        HazardKind::LongLock,
        format!(
            "creating materialized view {} runs its query to fill it",
            view.sql()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::Identity;
    use crate::schema::test_support::{column, constraint, table};

    fn kinds(v: &[Hazard]) -> Vec<HazardKind> {
        v.iter().map(|h| h.kind).collect()
    }

    #[test]
    fn row_counts_are_noted_only_when_known() {
        assert_eq!(rows_note(&table("t", -1.0)), "");
        assert_eq!(rows_note(&table("t", 1234.4)), " (about 1234 rows)");
        assert_eq!(rows_note(&table("t", 0.0)), " (about 0 rows)");
    }

    #[test]
    fn adding_a_not_null_column_without_a_value_may_fail() {
        let t = table("t", 10.0);
        let mut c = column("c", "integer");
        assert!(add_column(&t.name, &c, &t).is_empty());
        c.not_null = true;
        let h = add_column(&t.name, &c, &t);
        assert_eq!(kinds(&h), [HazardKind::MayFail]);
        assert_eq!(
            h[0].message,
            "adding NOT NULL column \"c\" without a default fails if \"public\".\"t\" has rows (about 10 rows)"
        );
        c.default = Some("0".into());
        assert!(add_column(&t.name, &c, &t).is_empty(), "a constant default");
    }

    #[test]
    fn a_column_computed_per_row_rewrites_the_table() {
        let t = table("t", -1.0);
        let rewrite = [HazardKind::TableRewrite, HazardKind::LongLock];
        let mut c = column("c", "bigint");
        c.default = Some("nextval('public.s'::regclass)".into());
        assert_eq!(kinds(&add_column(&t.name, &c, &t)), rewrite);
        c.default = Some("now()".into());
        assert!(add_column(&t.name, &c, &t).is_empty(), "now() is stable");
        let mut c = column("c", "uuid");
        c.default = Some("gen_random_uuid()".into());
        assert_eq!(kinds(&add_column(&t.name, &c, &t)), rewrite);
        let mut c = column("c", "integer");
        c.not_null = true;
        c.more_mut().identity = Some(Identity {
            always: true,
            sequence: QualName::new("public", "t_c_seq"),
            options: SequenceOptions {
                data_type: "integer".into(),
                start: 1,
                increment: 1,
                min: 1,
                max: i32::MAX as i64,
                cache: 1,
                cycle: false,
            },
        });
        assert_eq!(kinds(&add_column(&t.name, &c, &t)), rewrite);
        let mut c = column("c", "integer");
        c.more_mut().generated = Some("(a * 2)".into());
        c.more_mut().generated_kind = Some("STORED".into());
        assert_eq!(kinds(&add_column(&t.name, &c, &t)), rewrite);
        c.more_mut().generated_kind = Some("VIRTUAL".into());
        assert!(
            add_column(&t.name, &c, &t).is_empty(),
            "virtual: computed on read"
        );
    }

    #[test]
    fn a_validated_constraint_locks_and_may_fail_a_not_valid_one_does_not() {
        let t = table("t", -1.0);
        for kind in ["p", "u", "x", "f", "c"] {
            let mut con = constraint("k", kind, "CHECK (true)");
            assert_eq!(
                kinds(&add_constraint(&t.name, "k", &con, &t)),
                [HazardKind::LongLock, HazardKind::MayFail],
                "{kind}"
            );
            con.validated = false;
            assert!(add_constraint(&t.name, "k", &con, &t).is_empty(), "{kind}");
        }
        let fk = constraint("k", "f", "FOREIGN KEY (a) REFERENCES public.u(a)");
        let h = add_constraint(&t.name, "k", &fk, &t);
        assert!(
            h[0].message.contains("locks both tables"),
            "{}",
            h[0].message
        );
        let pk = constraint("k", "p", "PRIMARY KEY (a)");
        let h = add_constraint(&t.name, "k", &pk, &t);
        assert_eq!(
            h[0].message,
            "building the index of \"k\" blocks writes to \"public\".\"t\""
        );
    }

    #[test]
    fn drops_that_lose_data_say_so() {
        let t = table("t", 5.0);
        assert_eq!(drop_table(&t.name, &t).kind, HazardKind::DataLoss);
        assert_eq!(
            drop_table(&t.name, &t).message,
            "dropping table \"public\".\"t\" deletes its rows (about 5 rows)"
        );
        assert!(drop_column(&t.name, "c", false).is_some());
        assert!(
            drop_column(&t.name, "g", true).is_none(),
            "generated: recomputable"
        );
        assert_eq!(drop_extension("x").kind, HazardKind::DataLoss);
        assert_eq!(
            drop_materialized_view(&QualName::new("s", "mv")).kind,
            HazardKind::DataLoss
        );
    }

    #[test]
    fn only_a_smaller_sequence_range_may_fail() {
        let s = QualName::new("public", "s");
        let o = SequenceOptions {
            data_type: "bigint".into(),
            start: 1,
            increment: 1,
            min: 1,
            max: 1000,
            cache: 1,
            cycle: false,
        };
        let wider = SequenceOptions {
            max: 2000,
            ..o.clone()
        };
        let lower_max = SequenceOptions {
            max: 500,
            ..o.clone()
        };
        let higher_min = SequenceOptions {
            min: 10,
            ..o.clone()
        };
        assert!(sequence_range_narrowing(&s, &o, &wider).is_none());
        assert!(sequence_range_narrowing(&s, &o, &o).is_none());
        assert!(sequence_range_narrowing(&s, &o, &lower_max).is_some());
        assert!(sequence_range_narrowing(&s, &o, &higher_min).is_some());
    }
}
