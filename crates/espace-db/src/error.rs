//! Every engine failure mapped to the kind of [`StoreError`] it is, once
//! for both engines: a unique violation is a conflict naming its
//! constraint, a lock or a lost serialisation race is busy, a pool or
//! network failure is unavailable, a value that does not read back is a
//! decoding failure.

use espace_app::ports::StoreError;
use sqlx::error::ErrorKind;

/// SQLite's primary result codes for a locked database (the extended
/// codes carry them in their low byte).
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
/// PostgreSQL's SQLSTATEs worth a retry: serialization failure, deadlock,
/// lock not available.
const PG_RETRYABLE: [&str; 3] = ["40001", "40P01", "55P03"];

pub(crate) fn err(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(db) => {
            let message = db.message().to_owned();
            if db.kind() == ErrorKind::UniqueViolation {
                let constraint = db.constraint().map_or_else(
                    || {
                        message
                            .strip_prefix("UNIQUE constraint failed: ")
                            .unwrap_or(&message)
                            .to_owned()
                    },
                    str::to_owned,
                );
                return StoreError::Conflict { constraint };
            }
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let sqlite_busy = code
                .parse::<i64>()
                .is_ok_and(|c| matches!(c & 0xff, SQLITE_BUSY | SQLITE_LOCKED));
            if sqlite_busy || PG_RETRYABLE.contains(&code.as_str()) {
                StoreError::Busy(message)
            } else {
                StoreError::Other(format!("{message} ({code})"))
            }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => StoreError::Decode(e.to_string()),
        other => StoreError::Other(other.to_string()),
    }
}

/// A stored value that does not convert to its type (a timestamp out of
/// range, a malformed identifier).
pub(crate) fn decode(e: impl std::fmt::Display) -> StoreError {
    StoreError::Decode(e.to_string())
}

/// A failure that is not the engine's (a migration, a URL).
pub(crate) fn other(e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(e.to_string())
}
