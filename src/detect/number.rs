//! Sensitive values sent as JSON numbers (`"ssn": 536225921`): card numbers by themselves;
//! SSNs, phone numbers and numeric national IDs when the member name says what they are.

use super::ids;
use super::rules::Engine;
use super::text::push;
use super::{Finding, RuleIdx};

fn key_has(key: &str, words: &[&str]) -> bool {
    let low = key.to_ascii_lowercase();
    words.iter().any(|w| low.contains(w))
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
    let checks: [(bool, Option<RuleIdx>); 8] = [
        (key_has(key, &["ssn", "social"]) && ids::ssn(d), ids.ssn),
        (
            key_has(key, &["bsn", "burgerservice"]) && ids::nl_bsn(d),
            ids.bsn,
        ),
        (key_has(key, &["pesel"]) && ids::pl_pesel(d), ids.pesel),
        (
            key_has(key, &["steuer", "tax_id", "taxid", "idnr", "tin"]) && ids::de_steuer_id(d),
            ids.steuer,
        ),
        (
            key_has(key, &["aadhaar", "aadhar", "uid"]) && ids::in_aadhaar(d),
            ids.aadhaar,
        ),
        (
            key_has(key, &["nir", "insee", "secu"]) && ids::fr_nir(d),
            ids.nir,
        ),
        (
            key_has(key, &["card", "pan", "ccnum", "cc_num"]) && (13..=19).contains(&d.len()),
            ids.card,
        ),
        (
            key_has(key, &["phone", "tel", "mobile", "cell", "fax", "msisdn"])
                && (7..=15).contains(&d.len()),
            ids.phone,
        ),
    ];
    for (ok, rule) in checks {
        if ok && hit(rule, out) {
            return;
        }
    }
}
