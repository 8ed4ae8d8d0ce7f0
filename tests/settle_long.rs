//! Settling long strings: on long prose with values, context words and glue inserted at
//! random places (the corpus's chat text, which holds values of its own), and on long logs,
//! code and delimited tables with values and breaks, a rewrite must hold nothing a fresh pass
//! would redact (the property the `settle` fuzz target checks, here on fixed seeds). The
//! rescan reads windows around the replacements (`pipeline/reach.rs`): a table's header is the
//! context of every row of the run of rows below it, however long (`detect/table.rs`), and the
//! pass carries digit groups forward, so a window takes whole table runs and whole runs of
//! digit groups; these tests hold it to the full rescan's answer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/properties.rs"]
mod properties;

use ocf_devkit::corpus::{chat_text, generate, Rng};

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
    " jane%40example.com ",
    " jane&#64;example.com ",
    " ssn%2Cname ",
    " 536228351%2Cbob ",
    " name%3Ddb_password ",
    " value%3DZx9kQ2vL7mPqW3rT ",
    "%0A",
    "&#10;",
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
    // context word (words away from the replacement) to the value finds it. In a long
    // string.
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
    // every length around, in a long string.
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

/// Words of prose without values (so a test places every value itself).
fn plain_prose(bytes: usize) -> String {
    let words = "the quick brown fox jumps over the lazy dog and then it rests a while ";
    let mut s = words.repeat(bytes / words.len() + 1);
    s.truncate(bytes);
    s
}

fn check_text(text: &str) {
    let policy = properties::default_policy();
    let ep = properties::endpoint(0);
    let body = serde_json::json!({"model": "gpt-4o", "messages": [
        {"role": "user", "content": text}]});
    properties::check_body(&policy, &ep, body.to_string().as_bytes(), true);
}

#[test]
fn a_replacement_that_joins_a_table_again_gives_every_row_below_its_header() {
    // Round one: a date of birth with a comma gives its row one delimiter more, so the rows
    // under it are no rows of the table above, and their SSNs have no context. Replaced, the
    // row has the table's shape again: the header (far more than 64 lines and 8 KiB up,
    // reached through the rows a date in the first column keeps looking up) is the context of
    // every SSN below. A rescan that reads from near the replacement misses them all.
    for (above, below, before, after) in [
        (2000, 20, 20_000, 60_000),
        (100, 5, 90_000, 10),
        (600, 300, 40_000, 40_000),
        (3000, 1, 1000, 100_000),
    ] {
        for (header, first) in [("when,ssn", "2021-03-1"), ("id,ssn", "53622")] {
            let mut text = plain_prose(before);
            text.push_str("\n\n");
            text.push_str(header);
            text.push('\n');
            for i in 0..above {
                text.push_str(&format!("{first}{},n/a\n", 1000 + i % 9000));
            }
            text.push_str("x,date of birth: March 12, 1990\n");
            for i in 0..below {
                text.push_str(&format!("7,53622{:04}\n", 5900 + i % 4000));
            }
            text.push('\n');
            text.push_str(&plain_prose(after));
            check_text(&text);
        }
    }
}

#[test]
fn a_customer_pattern_with_no_prefix_reaches_across_the_string() {
    // A pattern with no literal prefix runs over the whole text and its match may be as long:
    // a phone number that kept `Patient … diagnosis` apart is replaced, and the match spans
    // 800 bytes up to the replacement and past it (found by a third review).
    let p = plain_prose(15_000);
    let near = plain_prose(700);
    let policy = openai_compliance_filter::config::Policy::from_json(
        br#"{"unknown_endpoints":"inspect","detectors":{"patterns":[
            {"id":"pd","regex":"[Pp]atient[^0-9]{0,2000}?diagnosis"},
            {"id":"memo","regex":"[M]EMO [a-z .]{600,2000}\\[EMAIL\\]"}]}}"#,
    )
    .unwrap();
    let ep = properties::endpoint(0);
    for text in [
        format!("{p} Patient {near} call 415 555 0132 {near} diagnosis {p}"),
        format!("{p} MEMO {near} jane.doe@example.com {p}"),
    ] {
        let body =
            serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": text}]});
        properties::check_body(&policy, &ep, body.to_string().as_bytes(), true);
    }
}

#[test]
fn a_table_with_full_width_delimiters_is_read_whole() {
    // The detectors read a folded view, where `，` `、` `｜` are `,` `,` `|`: a table the
    // string's own bytes do not show. Round one: a long email fills the header cell's first
    // 96 bytes, so `ssn_no` is no context; replaced, the header names the SSN column of rows
    // far more than a window below (found by a second review).
    let p = plain_prose(12_000);
    let email = format!(
        "{}x@{}.example.com",
        "janedoe.".repeat(7),
        "mailserver".repeat(4)
    );
    for (head, d) in [
        ("ssn_no\u{ff0c}name\u{ff0c}city", "\u{ff0c}"),
        ("ssn_no,name,city", "\u{3001}"),
        ("ssn_no \u{ff5c} name \u{ff5c} city", " \u{ff5c} "),
    ] {
        let mut rows: String = (0..40).map(|k| format!("n/a{d}Ann{k}{d}Leeds\n")).collect();
        rows.extend((0..20).map(|k| format!("536225921{d}Ann{k}{d}Leeds\n")));
        check_text(&format!("{p}\n\n{email} {head}\n{rows}\n{p}"));
    }
}

#[test]
fn a_replacement_of_an_encoded_form_brings_far_forms_together() {
    // The decoded forms of a string (`%2C`, `%40`, `&#64;`, base64) are read as one text, one
    // form per line. Round one: an email between a header and a row breaks their table (and a
    // secret's name from its value); replaced, it leaves the decoded text, and the header is
    // the context of the row's SSN, 20 KB away in the string (found by a second pair of eyes).
    let p = plain_prose(10_000);
    for email in ["jane%40example.com", "jane&#64;example.com"] {
        check_text(&format!("ssn%2Cname {p} {email} {p} 536228351%2Cbob {p}"));
        check_text(&format!(
            "{p} ssn%2Cname {p} {email} {p} 536228351%2Cbob {p}"
        ));
        check_text(&format!(
            "name%3Ddb_password {p} {email} {p} value%3DZx9kQ2vL7mPqW3rT {p}"
        ));
    }
}

/// A long text of one kind: a log, code, a delimited table with a header, or prose; values of
/// every rule (the corpus's samples) spread through it, and rows broken and mended by values
/// that hold the delimiter.
fn long_text(r: &mut Rng, bytes: usize) -> String {
    let samples = generate(r.next_u64(), 400, false);
    let sample = |r: &mut Rng| samples[r.below(samples.len())].text.replace('\n', " ");
    let mut out = String::new();
    let kind = r.below(4);
    let mut line = 0usize;
    // A comma-delimited table half the time: a date of birth with a comma breaks its rows.
    let delim = *r.pick(&[",", ",", ",", ";", "\t", " | "]);
    // A column a rule reads its header for, one it does not, and `id`, in any order.
    let mut header = [
        "id",
        *r.pick(&["ssn", "dob", "date of birth", "aadhaar_no", "PESEL"]),
        *r.pick(&["email", "iban", "note", "phone"]),
    ];
    for i in (1..header.len()).rev() {
        header.swap(i, r.below(i + 1));
    }
    let rare = *r.pick(&[0.0, 0.0005, 0.003, 0.05]);
    let (turn, mut turned) = (r.range(bytes / 4, bytes), false);
    if kind == 2 {
        out.push_str(&header.join(delim));
        out.push('\n');
    }
    while out.len() < bytes {
        line += 1;
        match kind {
            0 => out.push_str(&format!(
                "2024-05-{:02}T12:{:02}:{:02}Z INFO req={} user={} ip=10.0.{}.{} {}\n",
                1 + line % 28,
                line % 60,
                (line * 7) % 60,
                r.next_u64() % 100_000,
                if r.chance(0.1) {
                    sample(r)
                } else {
                    "svc".into()
                },
                line % 250,
                (line * 3) % 250,
                if r.chance(0.05) {
                    sample(r)
                } else {
                    "ok".into()
                },
            )),
            1 => {
                let v = if r.chance(0.1) {
                    sample(r)
                } else {
                    format!("v{line}")
                };
                out.push_str(&match r.below(5) {
                    0 => format!("    let password = \"{v}\";\n"),
                    1 => format!("API_KEY={v}\n"),
                    2 => format!("    config.set(\"db_password\", \"{v}\")\n"),
                    3 => "\n".into(),
                    _ => format!("    // {v}\n"),
                });
            }
            2 => {
                // The rule's column is empty down to `turn`, then filled (a value each row
                // whose header is its only context); at the turn, often, a row that a date of
                // birth with a comma breaks. The `id` column's numbers are looked up under their
                // header row after row. Other values are rare: the replacements are far apart.
                let filled = out.len() >= turn;
                let mend = filled && !turned && r.chance(0.7);
                turned |= filled;
                let cells: Vec<String> = header
                    .iter()
                    .map(|h| match (*h, filled, r.chance(rare)) {
                        ("id", ..) => format!("53622{:04}", 1000 + r.below(9000)),
                        ("ssn", true, _) => format!("53622{:04}", 1000 + r.below(9000)),
                        ("dob" | "date of birth", true, _) => format!(
                            "19{}-0{}-1{}",
                            50 + r.below(49),
                            1 + r.below(9),
                            r.below(10)
                        ),
                        ("aadhaar_no", true, _) => "543137926476".into(),
                        ("PESEL", true, _) => "93102233283".into(),
                        ("email" | "iban" | "note" | "phone", ..) if mend => {
                            "date of birth: March 12, 1990".into()
                        }
                        ("email" | "iban" | "note" | "phone", _, true) => match r.below(3) {
                            0 => sample(r),
                            1 => "date of birth: March 12, 1990".into(),
                            _ => String::new(),
                        },
                        _ => format!("n/a {}", r.below(100)),
                    })
                    .collect();
                out.push_str(&cells.join(delim));
                out.push('\n');
            }
            _ => {
                out.push_str(&plain_prose(r.range(40, 400)));
                out.push_str(&sample(r));
                out.push_str(if r.chance(0.3) { "\n\n" } else { " " });
            }
        }
    }
    out
}

#[test]
fn rewrites_of_long_logs_code_and_tables_settle_to_nothing_left_to_redact() {
    let mut r = Rng::new(31);
    for _ in 0..48 {
        let size = r.range(80, 200) * 1024;
        let mut text = plain_prose(r.range(0, 30_000));
        text.push('\n');
        text.push_str(&long_text(&mut r, size));
        check_text(&text);
    }
}
