//! Sensitive values sent as JSON numbers (`"ssn": 536225921`): card numbers by themselves;
//! SSNs, phone numbers and numeric national IDs when the member name says what they are.

use super::ids;
use super::rules::Engine;
use super::text::push;
use super::{Finding, RuleIdx};

/// Whether `key` holds one of `words` (lower case), ignoring ASCII case.
fn key_has(key: &str, words: &[&str]) -> bool {
    let k = key.as_bytes();
    words.iter().any(|w| {
        k.windows(w.len())
            .any(|x| x.eq_ignore_ascii_case(w.as_bytes()))
    })
}

pub(crate) fn scan_number(e: &Engine, raw: &str, key: Option<&str>, out: &mut Vec<Finding>) {
    let d = raw.as_bytes();
    if d.is_empty() || d.len() > 24 || !d.iter().all(u8::is_ascii_digit) {
        return;
    }
    let ids = &e.ids;
    let hit = |rule: Option<RuleIdx>, out: &mut Vec<Finding>| {
        push(out, rule, 0, raw.len());
        rule.is_some()
    };
    if ids::card(d) && hit(ids.card, out) {
        return;
    }
    let Some(key) = key else { return };
    // The value's own test first: it is cheap and fails for most numbers; the key is
    // searched only for a value that passes.
    let checks: [(bool, Option<RuleIdx>); 8] = [
        (ids::ssn(d) && key_has(key, &["ssn", "social"]), ids.ssn),
        (
            ids::nl_bsn(d) && key_has(key, &["bsn", "burgerservice"]),
            ids.bsn,
        ),
        (ids::pl_pesel(d) && key_has(key, &["pesel"]), ids.pesel),
        (
            ids::de_steuer_id(d) && key_has(key, &["steuer", "tax_id", "taxid", "idnr", "tin"]),
            ids.steuer,
        ),
        (
            ids::in_aadhaar(d) && key_has(key, &["aadhaar", "aadhar", "uid"]),
            ids.aadhaar,
        ),
        (
            ids::fr_nir(d) && key_has(key, &["nir", "insee", "secu"]),
            ids.nir,
        ),
        (
            (13..=19).contains(&d.len()) && key_has(key, &["card", "pan", "ccnum", "cc_num"]),
            ids.card,
        ),
        (
            (7..=15).contains(&d.len())
                && key_has(key, &["phone", "tel", "mobile", "cell", "fax", "msisdn"]),
            ids.phone,
        ),
    ];
    for (ok, rule) in checks {
        if ok && hit(rule, out) {
            return;
        }
    }
}
