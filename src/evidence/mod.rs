//! Evidence for auditors (placeholder filled below).
