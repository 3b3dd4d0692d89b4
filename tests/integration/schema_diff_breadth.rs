//! Schema diff breadth against real PostgreSQL 15 and 18: aggregates, default privileges,
//! domains whose CHECK calls a function, the position of added columns, indexes of
//! partitioned tables, enum values used in the migration that adds them, type changes
//! without a cast.
use crate::for_each_version;
use crate::schema_diff::{apply_and_recheck, diff, load, position};

#[tokio::test]
async fn a_domain_whose_check_calls_a_function_is_created_after_the_function() {
    for_each_version!(|pg| {
        let a = load(pg, "SELECT 1").await;
        let b = load(
            pg,
            "CREATE FUNCTION valid_id(v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
                 AS $$ BEGIN RETURN v LIKE 'id\\_%'; END $$;
             CREATE DOMAIN custom_id AS text CHECK (valid_id(VALUE));
             CREATE TABLE t (id custom_id);",
        )
        .await;
        let d = diff(&a, &b).await;
        assert!(
            position(&d, "FUNCTION public.valid_id") < position(&d, "CREATE DOMAIN"),
            "{}",
            d.migration_sql()
        );
        apply_and_recheck(&a, &b, &d).await;
    });
}
