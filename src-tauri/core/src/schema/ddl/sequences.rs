//! Sequences: their options (spelled only where they differ from the defaults for the
//! type and direction), option changes, and OWNED BY.
use super::{acl_changes, comment_if, qi};
use crate::schema::model::*;

fn type_bounds(data_type: &str) -> (i64, i64) {
    match data_type {
        "smallint" => (i16::MIN as i64, i16::MAX as i64),
        "integer" => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Sequence options, leaving out those equal to the defaults for the type and direction.
pub fn sequence_options(o: &SequenceOptions, with_type: bool) -> String {
    let (tmin, tmax) = type_bounds(&o.data_type);
    let asc = o.increment > 0;
    let (dmin, dmax) = if asc { (1, tmax) } else { (tmin, -1) };
    let dstart = if asc { o.min } else { o.max };
    let mut parts = Vec::new();
    if with_type && !o.data_type.is_empty() {
        parts.push(format!("AS {}", o.data_type));
    }
    if o.start != dstart {
        parts.push(format!("START WITH {}", o.start));
    }
    if o.increment != 1 {
        parts.push(format!("INCREMENT BY {}", o.increment));
    }
    if o.min != dmin {
        parts.push(format!("MINVALUE {}", o.min));
    }
    if o.max != dmax {
        parts.push(format!("MAXVALUE {}", o.max));
    }
    if o.cache != 1 {
        parts.push(format!("CACHE {}", o.cache));
    }
    if o.cycle {
        parts.push("CYCLE".into());
    }
    parts.join(" ")
}

/// The options that differ between two sequences, as `ALTER SEQUENCE` clauses. A type change
/// spells out the bounds, which PostgreSQL would otherwise keep or reset on its own.
pub fn sequence_option_changes(
    f: &SequenceOptions,
    t: &SequenceOptions,
    with_type: bool,
) -> Vec<String> {
    let mut parts = Vec::new();
    let type_changed = with_type && f.data_type != t.data_type;
    if type_changed {
        parts.push(format!("AS {}", t.data_type));
    }
    if f.increment != t.increment {
        parts.push(format!("INCREMENT BY {}", t.increment));
    }
    if type_changed || f.min != t.min {
        parts.push(format!("MINVALUE {}", t.min));
    }
    if type_changed || f.max != t.max {
        parts.push(format!("MAXVALUE {}", t.max));
    }
    if f.start != t.start {
        parts.push(format!("START WITH {}", t.start));
    }
    if f.cache != t.cache {
        parts.push(format!("CACHE {}", t.cache));
    }
    if f.cycle != t.cycle {
        parts.push(if t.cycle { "CYCLE" } else { "NO CYCLE" }.into());
    }
    parts
}

pub fn sequence_create(s: &Sequence, defaults: &Acl) -> Vec<String> {
    let opts = sequence_options(&s.options, true);
    let mut out = vec![format!(
        "CREATE {}SEQUENCE {}{}{};",
        if s.unlogged { "UNLOGGED " } else { "" },
        s.name.sql(),
        if opts.is_empty() { "" } else { " " },
        opts
    )];
    let target = format!("SEQUENCE {}", s.name.sql());
    comment_if(&mut out, &target, &s.comment);
    out.extend(acl_changes(&target, None, defaults, &s.acl, "CURRENT_USER"));
    out
}

pub fn sequence_owner(s: &Sequence) -> String {
    match &s.owned_by {
        Some((t, c)) => format!(
            "ALTER SEQUENCE {} OWNED BY {}.{};",
            s.name.sql(),
            t.sql(),
            qi(c)
        ),
        None => format!("ALTER SEQUENCE {} OWNED BY NONE;", s.name.sql()),
    }
}
