//! Views and materialized views.
use super::tables::column_comment_target;
use super::{acl_changes, comment_if, qi};
use crate::schema::model::*;

pub fn view_keyword(v: &View) -> &'static str {
    if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

pub fn view_body(v: &View) -> String {
    super::stable_reparse(v.definition.trim_end().trim_end_matches(';'))
}

/// `CREATE [OR REPLACE] VIEW` / `CREATE MATERIALIZED VIEW` alone.
pub fn view_statement(v: &View, or_replace: bool) -> String {
    let with = if v.options.is_empty() || (or_replace && !v.materialized) {
        String::new()
    } else {
        format!(" WITH ({})", v.options.join(", "))
    };
    if v.materialized {
        format!(
            "CREATE MATERIALIZED VIEW {}{with} AS\n{};",
            v.name.sql(),
            view_body(v)
        )
    } else {
        format!(
            "CREATE {}VIEW {}{with} AS\n{};",
            if or_replace { "OR REPLACE " } else { "" },
            v.name.sql(),
            view_body(v)
        )
    }
}

pub fn view_create(v: &View, defaults: &Acl) -> Vec<String> {
    let mut out = vec![view_statement(v, false)];
    out.extend(view_extras(v, defaults));
    out
}

/// Column defaults, comments and privileges of a view.
pub fn view_extras(v: &View, defaults: &Acl) -> Vec<String> {
    let mut out = Vec::new();
    for c in &v.columns {
        if let Some(d) = &c.default {
            out.push(format!(
                "ALTER VIEW {} ALTER COLUMN {} SET DEFAULT {d};",
                v.name.sql(),
                qi(&c.name)
            ));
        }
    }
    comment_if(
        &mut out,
        &format!("{} {}", view_keyword(v), v.name.sql()),
        &v.comment,
    );
    for c in &v.columns {
        comment_if(
            &mut out,
            &column_comment_target(&v.name, &c.name),
            &c.comment,
        );
    }
    let target = format!("TABLE {}", v.name.sql());
    out.extend(acl_changes(&target, None, defaults, &v.acl, "CURRENT_USER"));
    for c in &v.columns {
        out.extend(acl_changes(
            &target,
            Some(&qi(&c.name)),
            &Acl::new(),
            &c.acl,
            "CURRENT_USER",
        ));
    }
    out
}
