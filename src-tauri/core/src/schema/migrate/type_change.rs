//! Column type changes: which conversions are free (binary coercible), which rewrite the
//! table, which lose data and which may fail, the `ALTER COLUMN … TYPE` statement with its
//! hazards, and the default storage of a type. All by the type names `format_type` prints.
use super::hazards::{rewrite_lock, rows_note};
use crate::schema::ddl::qi;
use crate::schema::model::{Catalog, Column, Table, TypeKind};
use crate::schema::statement::{hazard, stmt, Hazard, HazardKind, MigrationStatement};

/// A type name split into its base (modifiers removed), its modifiers and whether it is an
/// array: `numeric(10,2)[]` → (`numeric`, [10, 2], true).
pub(super) fn split_type(t: &str) -> (String, Vec<i64>, bool) {
    let array = t.ends_with("[]");
    let t = t.trim_end_matches("[]");
    let Some(open) = t.find('(') else {
        return (t.to_string(), Vec::new(), array);
    };
    let close = t[open..].find(')').map(|c| open + c).unwrap_or(t.len());
    let mods = t[open + 1..close]
        .split(',')
        .filter_map(|m| m.trim().parse().ok())
        .collect();
    let base = format!("{}{}", &t[..open], t.get(close + 1..).unwrap_or(""));
    (base.trim().to_string(), mods, array)
}

fn int_width(base: &str) -> Option<u8> {
    match base {
        "smallint" => Some(2),
        "integer" => Some(4),
        "bigint" => Some(8),
        _ => None,
    }
}

fn float_width(base: &str) -> Option<u8> {
    match base {
        "real" => Some(4),
        "double precision" => Some(8),
        _ => None,
    }
}

/// What `ALTER COLUMN … TYPE` from one type to another does to the table and its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TypeChange {
    /// Binary coercible: no rewrite, nothing can fail.
    Safe,
    /// Every value converts, but the table is rewritten.
    Rewrite,
    /// Values may be lost or rejected (how, in words); the table is rewritten.
    Narrowing(&'static str),
    /// Between an array and a non-array type: no cast for most values; rewrites.
    NoCast,
    /// Between unrelated types: fails if a value does not convert; rewrites.
    MayNotConvert,
}

/// Length limit of a character type (None: unlimited).
fn char_length(base: &str, mods: &[i64]) -> Option<i64> {
    if base == "text" || (base == "character varying" && mods.is_empty()) {
        None
    } else {
        mods.first().copied().or(Some(1))
    }
}

/// Classifies a change of type `from` → `to` (`format_type` spellings).
pub(super) fn classify(from: &str, to: &str) -> TypeChange {
    let (fb, fm, fa) = split_type(from);
    let (tb, tm, ta) = split_type(to);
    if fa != ta {
        return TypeChange::NoCast;
    }
    let varlen = |b: &str| matches!(b, "character varying" | "text" | "character");
    if varlen(&fb) && varlen(&tb) {
        let shorter = match (char_length(&fb, &fm), char_length(&tb, &tm)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(f), Some(t)) => t < f,
        };
        if shorter {
            return TypeChange::Narrowing("truncates longer values");
        }
        // varchar(n) → varchar(m ≥ n), varchar → text and back: no rewrite.
        if fb != "character" && tb != "character" {
            return TypeChange::Safe;
        }
        return TypeChange::Rewrite;
    }
    if fb == "numeric" && tb == "numeric" {
        return classify_numeric(&fm, &tm);
    }
    if let (Some(f), Some(t)) = (int_width(&fb), int_width(&tb)) {
        if t < f {
            return TypeChange::Narrowing("rejects values out of range");
        }
        return TypeChange::Rewrite;
    }
    if let (Some(f), Some(t)) = (float_width(&fb), float_width(&tb)) {
        if t < f {
            return TypeChange::Narrowing("loses precision");
        }
        return TypeChange::Rewrite;
    }
    if fb == tb {
        // Same type, different modifier (timestamp precision, bit length, …).
        if let (Some(f), Some(t)) = (fm.first(), tm.first()) {
            if t < f {
                return TypeChange::Narrowing("loses precision or rejects values");
            }
        }
        return TypeChange::Rewrite;
    }
    TypeChange::MayNotConvert
}

/// numeric(p, s) → numeric(p', s'): unconstrained or same scale with room is free.
fn classify_numeric(fm: &[i64], tm: &[i64]) -> TypeChange {
    let narrowing = TypeChange::Narrowing("may round values or reject large ones");
    if tm.is_empty() {
        return TypeChange::Safe;
    }
    if fm.is_empty() {
        return narrowing;
    }
    let (fp, fs) = (fm[0], fm.get(1).copied().unwrap_or(0));
    let (tp, ts) = (tm[0], tm.get(1).copied().unwrap_or(0));
    if ts < fs || tp - ts < fp - fs {
        return narrowing;
    }
    if ts == fs {
        return TypeChange::Safe;
    }
    TypeChange::Rewrite
}

/// Hazards of `ALTER COLUMN … TYPE`: no rewrite when binary coercible, data loss when
/// narrowing, a possible failure when converting between unrelated types.
pub(super) fn type_change_hazards(table: &Table, col: &str, from: &str, to: &str) -> Vec<Hazard> {
    let what = format!("{}.{}", table.name.sql(), qi(col));
    let mut out = match classify(from, to) {
        TypeChange::Safe => return Vec::new(),
        TypeChange::Rewrite => Vec::new(),
        TypeChange::Narrowing(detail) => vec![hazard(
            HazardKind::DataLoss,
            format!("narrowing {what} from {from} to {to} {detail}"),
        )],
        TypeChange::NoCast => vec![hazard(
            HazardKind::MayFail,
            format!("converting {what} from {from} to {to} fails for values without a cast"),
        )],
        TypeChange::MayNotConvert => vec![hazard(
            HazardKind::MayFail,
            format!("converting {what} from {from} to {to} fails if a value does not convert"),
        )],
    };
    out.push(hazard(
        HazardKind::TableRewrite,
        format!(
            "changing {what} from {from} to {to} rewrites the table{}",
            rows_note(table)
        ),
    ));
    out.push(rewrite_lock(&table.name.sql()));
    out
}

/// Enums have no casts to other types except through text: a change of type from or to an
/// enum converts through text.
pub(super) fn converts_through_text(
    from: &Catalog,
    to: &Catalog,
    from_type: &str,
    to_type: &str,
) -> bool {
    let is_enum = |cat: &Catalog, ty: &str| {
        let base = ty.trim_end_matches("[]");
        cat.types
            .values()
            .any(|t| t.type_name == base && matches!(t.kind, TypeKind::Enum { .. }))
    };
    from_type != to_type && (is_enum(from, from_type) || is_enum(to, to_type))
}

/// The type a domain stands for (domains of domains followed), modifiers removed; other
/// types as they are.
fn base_of(cat: &Catalog, ty: &str) -> String {
    let mut ty = split_type(ty).0;
    for _ in 0..8 {
        let domain = cat.types.values().find_map(|t| match &t.kind {
            TypeKind::Domain(d) if t.type_name == ty => Some(split_type(&d.base_type).0),
            _ => None,
        });
        match domain {
            Some(b) => ty = b,
            None => break,
        }
    }
    ty
}

/// Does `USING col::to` convert a value of type `from` (both `format_type` spellings)? By
/// FROM's server's casts: the same type, a cast (or binary coercion) in `pg_cast`, arrays by
/// their elements, and anything to or from a string type (through text). When either type is
/// unknown to the cast table (or no casts were read) it is assumed to convert: a conversion
/// that fails stops the migration, a column wrongly dropped and added would lose its data.
pub(super) fn castable(cat: &Catalog, from: &str, to: &str) -> bool {
    if cat.casts.is_empty() {
        return true;
    }
    let (fa, ta) = (from.ends_with("[]"), to.ends_with("[]"));
    let (fb, tb) = (base_of(cat, from), base_of(cat, to));
    let string = |t: &str| cat.string_types.contains(t);
    if (string(&fb) && !fa) || (string(&tb) && !ta) {
        return true;
    }
    if fa != ta {
        return false;
    }
    let known = |t: &str| {
        string(t)
            || cat.types.values().any(|u| u.type_name == t)
            || cat.casts.iter().any(|(a, b)| a == t || b == t)
    };
    fb == tb
        || !known(&fb)
        || !known(&tb)
        || cat.casts.contains(&(fb.clone(), tb.clone()))
        || (fa && (string(&fb) || string(&tb)))
}

/// `ALTER COLUMN … TYPE … USING …` turning column `a` of `ft` into `b` of `tt`. `via_text`
/// converts through text (enums, and the columns of a recreated enum).
pub(super) fn type_change_statement(
    ft: &Table,
    tt: &Table,
    a: &Column,
    b: &Column,
    via_text: bool,
) -> MigrationStatement {
    let table = tt.name.sql();
    let col = qi(&b.name);
    let coll = b
        .collation()
        .map(|c| format!(" COLLATE {c}"))
        .unwrap_or_default();
    let using = if via_text {
        let text = if b.type_name.ends_with("[]") {
            "text[]"
        } else {
            "text"
        };
        format!(" USING {col}::{text}::{}", b.type_name)
    } else if a.type_name != b.type_name {
        format!(" USING {col}::{}", b.type_name)
    } else {
        String::new()
    };
    let mut s = stmt(format!(
        "ALTER TABLE {table} ALTER COLUMN {col} TYPE {}{coll}{using};",
        b.type_name
    ));
    if a.type_name != b.type_name {
        s.hazards = type_change_hazards(ft, &b.name, &a.type_name, &b.type_name);
    } else if via_text {
        s.hazards.push(hazard(
            HazardKind::TableRewrite,
            format!(
                "converting {table}.{col} to the recreated {} rewrites the table{}",
                b.type_name,
                rows_note(ft)
            ),
        ));
        s.hazards.push(hazard(
            HazardKind::MayFail,
            format!(
                "fails if {table}.{col} holds a value the new {} lacks",
                b.type_name
            ),
        ));
    } else {
        s.hazards.push(hazard(
            HazardKind::TableRewrite,
            format!("changing the collation of {table}.{col} rebuilds its indexes"),
        ));
    }
    s
}

/// The storage a column of `type_name` has by default (`p` plain or `x` extended).
pub(super) fn default_storage(type_name: &str) -> &'static str {
    let (b, _, arr) = split_type(type_name);
    if arr {
        return "x";
    }
    match b.as_str() {
        "smallint"
        | "integer"
        | "bigint"
        | "real"
        | "double precision"
        | "boolean"
        | "date"
        | "timestamp without time zone"
        | "timestamp with time zone"
        | "time without time zone"
        | "uuid"
        | "oid"
        | "\"char\""
        | "money"
        | "interval"
        | "point" => "p",
        _ => "x",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_support::{column, table};

    #[test]
    fn knows_which_type_changes_have_a_cast() {
        use crate::schema::model::{Domain, QualName, TypeDef};
        let mut cat = Catalog::default();
        assert!(castable(&cat, "integer", "date"), "no casts read: assumed");
        for (a, b) in [
            ("integer", "bigint"),
            ("boolean", "integer"),
            ("date", "timestamp without time zone"),
        ] {
            cat.casts.insert((a.into(), b.into()));
        }
        cat.string_types.insert("text".into());
        cat.string_types.insert("character varying".into());
        let name = QualName::new("public", "d");
        cat.types.insert(
            name.clone(),
            TypeDef {
                name,
                type_name: "public.d".into(),
                kind: TypeKind::Domain(Domain {
                    base_type: "integer".into(),
                    collation: None,
                    default: None,
                    not_null: false,
                    checks: Default::default(),
                }),
                owner: "o".into(),
                comment: None,
                acl: Default::default(),
            },
        );
        assert!(castable(&cat, "integer", "bigint"));
        assert!(!castable(&cat, "integer", "date"));
        assert!(!castable(&cat, "date", "boolean"));
        assert!(castable(&cat, "integer", "text") && castable(&cat, "text", "date"));
        assert!(castable(&cat, "character varying(10)", "integer[]"));
        assert!(castable(&cat, "integer[]", "text"));
        assert!(castable(&cat, "integer[]", "bigint[]"));
        assert!(!castable(&cat, "integer[]", "date[]"));
        assert!(!castable(&cat, "integer", "integer[]"));
        assert!(
            castable(&cat, "numeric(10,2)", "numeric(12,2)"),
            "same type"
        );
        assert!(
            castable(&cat, "interval", "interval year"),
            "unknown: assumed"
        );
        assert!(castable(&cat, "public.d", "bigint"), "a domain by its base");
        assert!(!castable(&cat, "public.d", "date"));
    }

    #[test]
    fn classifies_type_changes() {
        let t = table("t", -1.0);
        let kinds = |a: &str, b: &str| {
            type_change_hazards(&t, "c", a, b)
                .into_iter()
                .map(|h| h.kind)
                .collect::<Vec<_>>()
        };
        assert!(kinds("character varying(10)", "character varying(20)").is_empty());
        assert!(kinds("character varying(10)", "text").is_empty());
        assert!(kinds("numeric(10,2)", "numeric(12,2)").is_empty());
        assert!(
            kinds("character varying(20)", "character varying(10)").contains(&HazardKind::DataLoss)
        );
        assert!(kinds("text", "character varying(10)").contains(&HazardKind::DataLoss));
        assert!(kinds("bigint", "integer").contains(&HazardKind::DataLoss));
        assert!(kinds("integer", "bigint").contains(&HazardKind::TableRewrite));
        assert!(!kinds("integer", "bigint").contains(&HazardKind::DataLoss));
        assert!(kinds("text", "integer").contains(&HazardKind::MayFail));
        assert_eq!(
            split_type("timestamp(3) without time zone").0,
            "timestamp without time zone"
        );
    }

    #[test]
    fn binary_coercible_changes_are_safe() {
        for (from, to) in [
            ("character varying(10)", "character varying(20)"),
            ("character varying(10)", "character varying"),
            ("character varying(10)", "text"),
            ("text", "character varying"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric"),
            ("text[]", "character varying[]"),
        ] {
            assert_eq!(classify(from, to), TypeChange::Safe, "{from} → {to}");
        }
    }

    #[test]
    fn widening_conversions_rewrite_without_losing_data() {
        for (from, to) in [
            ("integer", "bigint"),
            ("smallint", "integer"),
            ("real", "double precision"),
            ("numeric(10,2)", "numeric(12,4)"),
            ("character(3)", "character(5)"),
            ("character(3)", "text"),
            (
                "timestamp(3) without time zone",
                "timestamp(6) without time zone",
            ),
        ] {
            assert_eq!(classify(from, to), TypeChange::Rewrite, "{from} → {to}");
        }
    }

    #[test]
    fn narrowing_conversions_lose_data() {
        for (from, to, how) in [
            ("bigint", "integer", "rejects values out of range"),
            ("double precision", "real", "loses precision"),
            ("text", "character varying(10)", "truncates longer values"),
            (
                "character varying(20)",
                "character(5)",
                "truncates longer values",
            ),
            (
                "numeric",
                "numeric(10,2)",
                "may round values or reject large ones",
            ),
            (
                "numeric(10,2)",
                "numeric(10,1)",
                "may round values or reject large ones",
            ),
            (
                "numeric(10,2)",
                "numeric(9,2)",
                "may round values or reject large ones",
            ),
            ("bit(8)", "bit(4)", "loses precision or rejects values"),
        ] {
            assert_eq!(
                classify(from, to),
                TypeChange::Narrowing(how),
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn conversions_without_a_cast_may_fail() {
        assert_eq!(classify("integer", "integer[]"), TypeChange::NoCast);
        assert_eq!(classify("text[]", "text"), TypeChange::NoCast);
        assert_eq!(classify("text", "integer"), TypeChange::MayNotConvert);
        assert_eq!(classify("integer", "boolean"), TypeChange::MayNotConvert);
        let t = table("t", 3.0);
        let h = type_change_hazards(&t, "c", "integer", "integer[]");
        assert_eq!(
            h.iter().map(|h| h.kind).collect::<Vec<_>>(),
            [
                HazardKind::MayFail,
                HazardKind::TableRewrite,
                HazardKind::LongLock
            ]
        );
        assert_eq!(
            h[1].message,
            "changing \"public\".\"t\".\"c\" from integer to integer[] rewrites the table (about 3 rows)"
        );
    }

    #[test]
    fn the_statement_converts_through_text_when_asked() {
        let t = table("t", -1.0);
        let (a, b) = (column("c", "public.mood"), column("c", "public.mood"));
        let s = type_change_statement(&t, &t, &a, &b, true);
        assert_eq!(
            s.sql,
            "ALTER TABLE \"public\".\"t\" ALTER COLUMN \"c\" TYPE public.mood USING \"c\"::text::public.mood;"
        );
        assert_eq!(s.hazards.len(), 2);
        let b = column("c", "bigint");
        let a = column("c", "integer");
        let s = type_change_statement(&t, &t, &a, &b, false);
        assert_eq!(
            s.sql,
            "ALTER TABLE \"public\".\"t\" ALTER COLUMN \"c\" TYPE bigint USING \"c\"::bigint;"
        );
        let mut b = a.clone();
        b.more_mut().collation = Some("\"C\"".into());
        let s = type_change_statement(&t, &t, &a, &b, false);
        assert_eq!(
            s.sql,
            "ALTER TABLE \"public\".\"t\" ALTER COLUMN \"c\" TYPE integer COLLATE \"C\";"
        );
        assert_eq!(s.hazards[0].kind, HazardKind::TableRewrite);
    }

    #[test]
    fn default_storage_is_plain_for_fixed_size_types() {
        assert_eq!(default_storage("integer"), "p");
        assert_eq!(default_storage("timestamp(3) with time zone"), "p");
        assert_eq!(default_storage("integer[]"), "x");
        assert_eq!(default_storage("text"), "x");
    }
}
