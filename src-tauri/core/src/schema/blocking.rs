//! CPU-heavy schema work (assembling a catalog from its rows, diffing and planning) runs on
//! tokio's blocking pool, never on the async runtime's few worker threads; and a bug there
//! (a panic) reaches the caller as an error instead of taking the process down.
use crate::error::{ApiError, Result};
use std::any::Any;

/// Runs `work` on the blocking pool; a panic becomes an internal error with its message.
pub(crate) async fn off_runtime<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        let text = if e.is_panic() {
            panic_text(e.into_panic())
        } else {
            e.to_string()
        };
        ApiError::internal(format!("the schema diff failed unexpectedly: {text}"))
    })
}

/// The message a panic was raised with.
fn panic_text(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => s.to_string(),
            Err(_) => "(a panic without a message)".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[tokio::test]
    async fn a_panic_becomes_an_internal_error_with_its_message() {
        let e = off_runtime(|| -> u32 { panic!("planner bug: node {} missing", 7) })
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Internal);
        assert_eq!(
            e.message,
            "the schema diff failed unexpectedly: planner bug: node 7 missing"
        );
        let e = off_runtime(|| -> u32 { panic!("static text") })
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "the schema diff failed unexpectedly: static text"
        );
    }

    #[tokio::test]
    async fn a_result_comes_back_unchanged() {
        assert_eq!(off_runtime(|| 6 * 7).await.unwrap(), 42);
    }
}
