//! Functions and procedures.
use super::{acl_changes, comment_if};
use crate::schema::model::*;

pub fn function_keyword(f: &Function) -> &'static str {
    if f.kind == "p" {
        "PROCEDURE"
    } else {
        "FUNCTION"
    }
}

pub fn function_statement(f: &Function) -> String {
    let def = f.definition.trim_end();
    if def.ends_with(';') {
        def.to_string()
    } else {
        format!("{def};")
    }
}

pub fn function_create(f: &Function, defaults: &Acl) -> Vec<String> {
    let mut out = vec![function_statement(f)];
    let target = format!("{} {}", function_keyword(f), f.id.sql());
    comment_if(&mut out, &target, &f.comment);
    out.extend(acl_changes(&target, None, defaults, &f.acl, "CURRENT_USER"));
    out
}
