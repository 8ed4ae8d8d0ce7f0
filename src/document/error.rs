//! The policy error: names the JSON path of the bad field, never the value found there.

use std::fmt;

/// A policy that cannot be loaded. `Display` prints one line naming the JSON path of the bad
/// field and what is wrong with it; it never contains a configured value (a keyword, a key, a
/// regex), so it is safe to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    path: String,
    message: String,
}

impl ConfigError {
    /// An error at `path` (dotted JSON path such as `detectors.actions.email`; empty for the root).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The dotted JSON path of the bad field (`.` for the document itself).
    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            "."
        } else {
            &self.path
        }
    }

    /// What is wrong, without the offending value.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid policy at `{}`: {}", self.path(), self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Rewrites a serde error message so that it keeps the schema facts (field names, expected
/// types, allowed variants) and drops whatever the document itself contained.
pub(crate) fn sanitize_serde_message(msg: &str) -> String {
    // serde_json appends " at line L column C"; the path already says where.
    let msg = match msg.find(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg),
        None => msg,
    };
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        return format!("unknown value{}", after_expected(rest));
    }
    if msg.starts_with("invalid type") {
        return format!("invalid type{}", after_expected(msg));
    }
    if msg.starts_with("invalid value") {
        return format!("invalid value{}", after_expected(msg));
    }
    if msg.starts_with("invalid length") {
        return format!("invalid length{}", after_expected(msg));
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        return format!("unknown field{}", after_expected(rest));
    }
    // Remaining serde messages ("missing field `x`", "duplicate field `x`", syntax errors) name
    // schema fields only. Anything else is reduced to a fixed text.
    if msg.starts_with("missing field")
        || msg.starts_with("duplicate field")
        || msg.starts_with("expected")
        || msg.starts_with("EOF")
        || msg.starts_with("trailing")
        || msg.starts_with("key must be")
        || msg.starts_with("control character")
        || msg.starts_with("invalid escape")
        || msg.starts_with("invalid number")
        || msg.starts_with("number out of range")
        || msg.starts_with("recursion limit")
        || msg.starts_with("lone leading surrogate")
        || msg.starts_with("unexpected end")
    {
        return msg.to_string();
    }
    "invalid value".to_string()
}

fn after_expected(msg: &str) -> String {
    match msg.find(", expected ") {
        Some(i) => format!(": expected {}", msg.get(i + 11..).unwrap_or("")),
        None => match msg.find("expected ") {
            Some(i) => format!(": {}", msg.get(i..).unwrap_or("")),
            None => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_never_survive_sanitizing() {
        let cases = [
            "unknown variant `s3cr3t`, expected one of `redact`, `block`",
            "invalid type: string \"s3cr3t\", expected u64 at line 1 column 9",
            "invalid value: integer `123456`, expected a byte count",
            "something new with s3cr3t inside",
        ];
        for c in cases {
            let out = sanitize_serde_message(c);
            assert!(!out.contains("s3cr3t") && !out.contains("123456"), "{out}");
        }
        assert_eq!(
            sanitize_serde_message("unknown variant `x`, expected one of `redact`, `block`"),
            "unknown value: expected one of `redact`, `block`"
        );
        assert_eq!(
            sanitize_serde_message("missing field `terms`"),
            "missing field `terms`"
        );
    }

    #[test]
    fn display_names_the_path() {
        let e = ConfigError::new("detectors.actions.email", "unknown value");
        assert_eq!(
            e.to_string(),
            "invalid policy at `detectors.actions.email`: unknown value"
        );
        assert_eq!(ConfigError::new("", "x").path(), ".");
    }
}
