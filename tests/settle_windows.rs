//! Settling reads windows around the replacements of a long string, not the whole string
//! again: on long prose with values, context words and glue inserted at random places (the
//! corpus's chat text, which holds values of its own), a rewrite must hold nothing a fresh
//! pass would redact (the property the `settle` fuzz target checks, here on fixed seeds).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/properties.rs"]
mod properties;

use ocf_devkit::corpus::{chat_text, Rng};

/// Values, the words and delimiters that introduce them, and glue.
const INSERTS: &[&str] = &[
    "jane.doe@example.com",
    "a@b.io",
    "4111 1111 1111 1111",
    "4111111111111111",
    "378282246310005",
    "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    "AKIAIOSFODNN7EXAMPLE",
    "123-45-6789",
    "536225921",
    "+1 415 555 0132",
    "DE89 3704 0044 0532 0130 00",
    "ssn ",
    "SSN: ",
    "password: ",
    "api_key=",
    "\"name\": \"db_password\", \"value\": \"",
    "date of birth: ",
    "born on ",
    "12 March 1990",
    "phone ",
    "-----BEGIN PRIVATE KEY-----\n",
    "\n-----END PRIVATE KEY-----",
    "\nssn_no,name,city\n",
    "\n536225921,Ann,Leeds\n",
    ",",
    "\n",
    "",
    "1",
    "12",
    "-",
    "@",
    ".",
    "x",
    "\u{200b}",
    "[",
    "]",
    " 1111",
];

fn long_body(r: &mut Rng) -> Vec<u8> {
    let mut msgs = Vec::new();
    for _ in 0..r.range(1, 2) {
        let mut text = chat_text(r.next_u64(), r.range(80, 160) * 1024);
        for _ in 0..r.range(0, 40) {
            let what = INSERTS[r.below(INSERTS.len())];
            let mut at = r.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, what);
        }
        msgs.push(serde_json::json!({"role": "user", "content": text}));
    }
    serde_json::json!({"model": "gpt-4o", "messages": msgs})
        .to_string()
        .into_bytes()
}

#[test]
fn rewrites_of_long_strings_settle_to_nothing_left_to_redact() {
    let policy = properties::default_policy();
    let ep = properties::endpoint(0);
    let mut r = Rng::new(23);
    for _ in 0..12 {
        properties::check_body(&policy, &ep, &long_body(&mut r), true);
    }
}

#[test]
fn a_value_whose_context_a_replacement_brings_close_is_found_in_the_next_round() {
    // Round one: the context word is too far from the value (a long address between them);
    // replaced, the address leaves it close enough, and only a rescan that reads from the
    // context word (words away from the replacement) to the value finds it. In a string
    // long enough to be read in windows.
    let policy = properties::default_policy();
    let ep = properties::endpoint(0);
    let prose = chat_text(5, 120 * 1024);
    let cut = (0..=4000)
        .rev()
        .find(|&i| prose.is_char_boundary(i))
        .unwrap();
    let email = "jane.doe.with.a.rather.long.address@mail.example.com";
    for (context, value) in [
        ("SSN", "536225921"),
        ("SSN of", "536225921"),
        ("date of birth", "12 March 1990"),
        ("born", "12/03/1990"),
    ] {
        for words in 0..4 {
            let text = format!(
                "{} {context} {}{email} {value} {}",
                &prose[..cut],
                "on file ".repeat(words),
                &prose[cut..]
            );
            let body = serde_json::json!({"model": "gpt-4o", "messages": [
                {"role": "user", "content": text}]});
            properties::check_body(&policy, &ep, body.to_string().as_bytes(), true);
        }
    }
}

#[test]
fn a_value_next_to_a_replacement_is_found_however_far_its_context_reaches() {
    // A value whose context word is separated from it by a replaced value, with filler of
    // every length around, in a string long enough to be read in windows.
    let policy = properties::default_policy();
    let ep = properties::endpoint(0);
    let prose = chat_text(5, 120 * 1024);
    let cut = (0..=4000)
        .rev()
        .find(|&i| prose.is_char_boundary(i))
        .unwrap();
    for (before, value) in [
        ("SSN a@b.io ", "536225921"),
        ("password: a@b.io", "Xq7#vLp2!zR9"),
        ("4111111111111111a@b.io", "4111111111111111"),
        ("date of birth: jane@example.com ", "12 March 1990"),
        ("card jane@example.com 4111 1111", " 1111 1111"),
    ] {
        for filler in [0, 1, 40, 300, 1025, 10_240, 20_480, 21_000] {
            let text = format!(
                "{}{before}{}{value} {}",
                &prose[..cut],
                "z".repeat(filler),
                &prose[cut..]
            );
            let body = serde_json::json!({"model": "gpt-4o", "messages": [
                {"role": "user", "content": text}]});
            properties::check_body(&policy, &ep, body.to_string().as_bytes(), true);
        }
    }
}
