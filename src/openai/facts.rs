//! Facts about a request body that policy and the audit record need: model, stream, store and
//! the stateful fields. Read from the top-level object only.

use crate::json::Value;

/// The `store` field as sent. Only a literal `false` means false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Store {
    /// Not sent.
    #[default]
    Absent,
    /// Literal `false`.
    False,
    /// Literal `true`.
    True,
    /// Anything else (`"false"`, `0`, `null`, ...): not false.
    Other,
}

/// What the body says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// `model`, when it is a string.
    pub model: Option<String>,
    /// `stream: true`.
    pub stream: bool,
    /// `store`.
    pub store: Store,
    /// `previous_response_id` present (and not null).
    pub previous_response_id: bool,
    /// `conversation` present (and not null).
    pub conversation: bool,
    /// `background: true`.
    pub background: bool,
}

/// Reads the facts from the top-level object.
pub fn read(src: &str, root: &Value) -> Facts {
    let present = |k: &str| !matches!(root.get(src, k), None | Some(Value::Null));
    Facts {
        model: root
            .get(src, "model")
            .and_then(|v| v.as_str(src))
            .map(|s| s.into_owned()),
        stream: matches!(root.get(src, "stream"), Some(Value::Bool(true))),
        store: match root.get(src, "store") {
            None => Store::Absent,
            Some(Value::Bool(false)) => Store::False,
            Some(Value::Bool(true)) => Store::True,
            Some(_) => Store::Other,
        },
        previous_response_id: present("previous_response_id"),
        conversation: present("conversation"),
        background: matches!(root.get(src, "background"), Some(Value::Bool(true))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse, Limits};

    fn facts(src: &str) -> Facts {
        read(src, &parse(src, &Limits::default()).unwrap())
    }

    #[test]
    fn only_literal_false_is_false() {
        assert_eq!(facts(r#"{"store":false}"#).store, Store::False);
        assert_eq!(facts(r#"{"store":true}"#).store, Store::True);
        for s in [
            r#"{"store":"false"}"#,
            r#"{"store":0}"#,
            r#"{"store":null}"#,
        ] {
            assert_eq!(facts(s).store, Store::Other, "{s}");
        }
        assert_eq!(facts("{}").store, Store::Absent);
    }

    #[test]
    fn reads_model_stream_and_state() {
        let f = facts(
            r#"{"model":"gpt-4.1","stream":true,"previous_response_id":"resp_1","conversation":null}"#,
        );
        assert_eq!(f.model.as_deref(), Some("gpt-4.1"));
        assert!(f.stream && f.previous_response_id && !f.conversation && !f.background);
    }
}
