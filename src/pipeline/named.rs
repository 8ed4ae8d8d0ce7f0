//! The entry for texts that are not a JSON body: a query string's pairs, an upload's file
//! name, a form's text field. Each comes with the name it goes by and is inspected as that
//! member of a request: the same detectors, actions, JSON-inside-a-string walk and settling
//! as a body's strings. Callers hand over texts and get texts back; they never write JSON or
//! read it back.
//!
//! (Inside, the texts are laid out as a one-member document for the assemble step, the one
//! reader of texts the pipeline has; only this file knows it.)

use super::{inspect_document, DocumentKind, FindingCounts, Reading, Verdict};
use crate::config::{ActionTable, Policy};
use crate::json::{self, escape_into, Limits, Value};
use crate::openai::Unscannable;
use crate::reason::Reason;
use crate::redact::Renderer;

/// The texts that go by one name.
#[derive(Debug, Clone, Copy)]
pub enum Texts<'a> {
    /// One value (a file name, a form field).
    One(&'a str),
    /// A list of values read side by side but never joined (a query string's pairs).
    List(&'a [String]),
}

/// What the inspection of named texts decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedVerdict {
    /// Nothing to change.
    Forward,
    /// Something was rewritten: [`Rewritten::read`] has the new texts.
    Rewrite(Rewritten),
    /// Refused.
    Deny(Reason),
}

/// The result for named texts: the verdict and what the record needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedOutcome {
    /// What to do (what `enforce` mode would do).
    pub verdict: NamedVerdict,
    /// Findings, over every round.
    pub counts: FindingCounts,
    /// What was not scanned (base64 blobs, `data:` URLs).
    pub unscannable: Unscannable,
}

/// Rewritten texts, read on demand (a caller that refuses any rewrite never reads them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    doc: Vec<u8>,
}

/// The new texts: the name as it now reads, and each value in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTexts {
    /// The name (changed only when it held something the policy rewrites).
    pub name: String,
    /// The values, as many as were given.
    pub values: Vec<String>,
}

impl Rewritten {
    /// The new name and values. `ContentBlocked` when the rewrite no longer has one name;
    /// `InvalidBody` when it cannot be read back as the texts it was given as.
    pub fn read(&self) -> Result<NewTexts, Reason> {
        let src = std::str::from_utf8(&self.doc).map_err(|_| Reason::InvalidBody)?;
        let root = json::parse(src, &Limits::default()).map_err(|_| Reason::InvalidBody)?;
        let Value::Object(members) = &root else {
            return Err(Reason::InvalidBody);
        };
        let [member] = members.as_slice() else {
            return Err(Reason::ContentBlocked);
        };
        let text = |v: &Value| v.as_str(src).map(|s| s.into_owned());
        let values = match &member.value {
            Value::Array(items) => items.iter().map(text).collect::<Option<Vec<_>>>(),
            one => text(one).map(|s| vec![s]),
        };
        Ok(NewTexts {
            name: member.key.decode(src).into_owned(),
            values: values.ok_or(Reason::InvalidBody)?,
        })
    }
}

/// Inspects `texts` as the member `name` of a document of `kind` (`Request`: the API's
/// structural names, such as `model`, are sent as they are; `FreeForm`: every string is
/// read). They share `renderer` with the rest of the request.
pub fn inspect_named(
    policy: &Policy,
    actions: &ActionTable,
    name: &str,
    texts: Texts<'_>,
    kind: DocumentKind,
    renderer: &mut Renderer,
) -> NamedOutcome {
    let size = match texts {
        Texts::One(text) => text.len(),
        Texts::List(list) => list.iter().map(|t| t.len() + 3).sum(),
    };
    // Escapes rarely add more than an eighth.
    let mut doc = String::with_capacity(name.len() + size + size / 8 + 16);
    doc.push_str("{\"");
    escape_into(name, &mut doc);
    doc.push_str("\":");
    match texts {
        Texts::One(text) => quoted(text, &mut doc),
        Texts::List(list) => {
            doc.push('[');
            for (i, text) in list.iter().enumerate() {
                if i > 0 {
                    doc.push(',');
                }
                quoted(text, &mut doc);
            }
            doc.push(']');
        }
    }
    doc.push('}');
    let reading = Reading::document(kind);
    let outcome = inspect_document(policy, actions, reading, doc.as_bytes(), renderer);
    NamedOutcome {
        verdict: match outcome.verdict {
            Some(Verdict::Rewrite(doc)) => NamedVerdict::Rewrite(Rewritten { doc }),
            Some(Verdict::Deny(reason)) => NamedVerdict::Deny(reason),
            Some(Verdict::Forward) | None => NamedVerdict::Forward,
        },
        counts: outcome.counts,
        unscannable: outcome.unscannable,
    }
}

/// `text` as a JSON string.
fn quoted(text: &str, doc: &mut String) {
    doc.push('"');
    escape_into(text, doc);
    doc.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect(name: &str, texts: Texts<'_>, kind: DocumentKind) -> NamedOutcome {
        let p = Policy::from_json(b"{}").unwrap();
        let mut renderer = Renderer::new(p.detectors.rules(), &p.actions);
        inspect_named(&p, &p.actions, name, texts, kind, &mut renderer)
    }

    #[test]
    fn texts_come_back_as_texts_with_their_name() {
        let o = inspect(
            "filename",
            Texts::One("jane@example.com \"q\".txt"),
            DocumentKind::FreeForm,
        );
        let NamedVerdict::Rewrite(r) = &o.verdict else {
            panic!("{o:?}");
        };
        let new = r.read().unwrap();
        assert_eq!(new.name, "filename");
        assert_eq!(new.values, ["[EMAIL] \"q\".txt"]);
        assert_eq!(o.counts.total(), 1);

        let pairs = ["a=1".to_string(), "owner=jane@example.com".to_string()];
        let o = inspect("query", Texts::List(&pairs), DocumentKind::FreeForm);
        let NamedVerdict::Rewrite(r) = &o.verdict else {
            panic!("{o:?}");
        };
        assert_eq!(r.read().unwrap().values, ["a=1", "owner=[EMAIL]"]);
    }

    #[test]
    fn clean_texts_and_api_names_pass() {
        let o = inspect("model", Texts::One("gpt-4o"), DocumentKind::Request);
        assert_eq!(o.verdict, NamedVerdict::Forward);
        assert_eq!(o.counts.total(), 0);
        let o = inspect("prompt", Texts::One("hello"), DocumentKind::Request);
        assert_eq!(o.verdict, NamedVerdict::Forward);
    }

    #[test]
    fn a_name_that_held_a_value_is_rewritten_too() {
        let o = inspect("jane@example.com", Texts::One("x"), DocumentKind::Request);
        let NamedVerdict::Rewrite(r) = &o.verdict else {
            panic!("{o:?}");
        };
        assert_eq!(r.read().unwrap().name, "[EMAIL]");
    }
}
