// Rust: error types with thiserror for a storage client
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StorageError {
    #[error("object {key} not found in bucket {bucket}")]
    NotFound { bucket: String, key: String },
    #[error("credentials rejected (check AWS_PROFILE or the instance role)")]
    Unauthorized,
    #[error("request signature expired: clock skew of {skew_secs}s")]
    SignatureExpired { skew_secs: i64 },
    #[error("throttled, retry after {0:?}")]
    Throttled(std::time::Duration),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("unexpected status {status}: {body}")]
    Unexpected { status: u16, body: String },
}

impl StorageError {
    pub fn retryable(&self) -> bool {
        matches!(self, StorageError::Throttled(_) | StorageError::Io(_))
            || matches!(self, StorageError::Unexpected { status, .. } if *status >= 500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_are_retryable() {
        let e = StorageError::Unexpected { status: 503, body: "SlowDown".into() };
        assert!(e.retryable());
        assert!(!StorageError::Unauthorized.retryable());
    }
}
