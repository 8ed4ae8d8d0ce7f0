//! Seeded generator of labelled text for quality tests and benchmarks: realistic chat
//! sentences with positives for every built-in detector (some hidden behind zero-width
//! characters or full-width / Arabic-Indic digits) and hard negatives (UUIDs, hashes, dates,
//! versions, ISBNs, order numbers, model names, arithmetic). Deterministic for a seed; uses no
//! external data. Not part of the filter: only tests, benches and tools call it.

use openai_compliance_filter::detect::formats::{
    self, luhn, mod97, verhoeff, Charset, KEYWORD_KEYS, PREFIX_KEYS,
};

/// A small deterministic PRNG (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// One element of a non-empty slice (the first when empty cannot happen).
    #[allow(clippy::indexing_slicing)]
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        let i = self.below(xs.len());
        &xs[i]
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn string_of(&mut self, set: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(*self.pick(set))).collect()
    }
}

/// One expected finding: byte span in the sample text and the rule id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Start byte.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// Rule id.
    pub rule: &'static str,
}

/// A labelled text.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// The text.
    pub text: String,
    /// Every sensitive span in it.
    pub expected: Vec<Expected>,
}

impl Sample {
    fn say(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn secret(&mut self, rule: &'static str, v: &str) {
        let start = self.text.len();
        self.text.push_str(v);
        self.expected.push(Expected {
            start,
            end: self.text.len(),
            rule,
        });
    }
}

/// The customer rules the corpus exercises (merge into a policy's `detectors` section).
pub const CUSTOM_RULES_JSON: &str = r#"{
  "keywords": [
    {"id": "project_names", "terms": ["Project Falcon", "BlueHarbor", "orion-x"]}
  ],
  "patterns": [
    {"id": "employee_id", "regex": "EMP-[0-9]{6}\\b"}
  ]
}"#;

const FILLER: &[&str] = &[
    "Can you help me rewrite this paragraph so it sounds more professional?",
    "Here is the summary of yesterday's meeting with the design team.",
    "I tried the approach you suggested but the build still fails on CI.",
    "Please translate the following into French and keep the tone friendly.",
    "Thanks, that worked! One more question about the deployment.",
    "The customer reported that the export button does nothing on Safari.",
    "Summarise the attached notes in three bullet points.",
    "We need to migrate the old cron jobs before the end of the quarter.",
    "Write a short poem about autumn in the city.",
    "What is the difference between a mutex and a semaphore?",
    "Our quarterly revenue grew by 12% compared to last year.",
    "Could you draft a polite reply declining the invitation?",
    "The meeting moved to Thursday at 3pm in room B.",
    "Explain it like I am five, please.",
    "Let's keep the function small and add a unit test for the edge case.",
];

fn pad(r: &mut Rng, s: &mut Sample) {
    let n = r.range(0, 2);
    for _ in 0..n {
        s.say(r.pick::<&str>(FILLER));
        s.say(" ");
    }
}

// ---------------------------------------------------------------------------------------------
// Value generators.

fn card(r: &mut Rng) -> String {
    loop {
        let (prefix, len) = *r.pick(&[
            ("4", 16),
            ("51", 16),
            ("55", 16),
            ("2221", 16),
            ("34", 15),
            ("37", 15),
            ("6011", 16),
            ("4", 19),
        ]);
        let mut d = format!("{prefix}{}", r.digits(len - prefix.len() - 1));
        for c in 0..10u8 {
            let cand = format!("{d}{c}");
            if luhn(cand.as_bytes()) {
                d = cand;
                break;
            }
        }
        if !formats::card(d.as_bytes()) {
            continue;
        }
        let b = d.as_bytes();
        let groups = |sizes: &[usize], sep: &str| {
            let mut out = Vec::new();
            let mut k = 0;
            for &s in sizes {
                out.push(String::from_utf8_lossy(b.get(k..k + s).unwrap_or(&[])).into_owned());
                k += s;
            }
            out.join(sep)
        };
        return match (len, r.below(3)) {
            (_, 0) => d,
            (15, k) => groups(&[4, 6, 5], if k == 1 { " " } else { "-" }),
            (19, k) => groups(&[4, 4, 4, 4, 3], if k == 1 { " " } else { "-" }),
            (_, k) => groups(&[4, 4, 4, 4], if k == 1 { " " } else { "-" }),
        };
    }
}

fn bad_card(r: &mut Rng) -> String {
    loop {
        let d = format!("4{}", r.digits(15));
        if !luhn(d.as_bytes()) {
            return if r.chance(0.5) {
                d
            } else {
                let b = d.as_bytes();
                let g: Vec<String> = b
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                g.join(" ")
            };
        }
    }
}

fn iban(r: &mut Rng) -> String {
    let (cc, bban) = match r.below(6) {
        0 => ("DE", r.digits(18)),
        1 => (
            "GB",
            format!(
                "{}{}",
                r.string_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4),
                r.digits(14)
            ),
        ),
        2 => ("FR", r.digits(23)),
        3 => (
            "NL",
            format!(
                "{}{}",
                r.string_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4),
                r.digits(10)
            ),
        ),
        4 => ("ES", r.digits(20)),
        _ => (
            "IT",
            format!(
                "{}{}",
                r.string_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1),
                r.digits(22)
            ),
        ),
    };
    let rem = mod97(format!("{bban}{cc}00").bytes()).unwrap_or(0);
    let s = format!("{cc}{:02}{bban}", 98 - rem);
    if r.chance(0.5) {
        s
    } else {
        let g: Vec<String> = s
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        g.join(" ")
    }
}

fn ssn_digits(r: &mut Rng) -> String {
    loop {
        let d = format!(
            "{:03}{:02}{:04}",
            r.range(1, 899),
            r.range(1, 99),
            r.range(1, 9999)
        );
        if formats::ssn(d.as_bytes()) {
            return d;
        }
    }
}

fn phone(r: &mut Rng) -> String {
    let us = |r: &mut Rng| (r.range(200, 989), r.range(200, 999), r.range(0, 9999));
    match r.below(14) {
        0 => {
            let (a, b, c) = us(r);
            format!("({a}) {b}-{c:04}")
        }
        1 => {
            let (a, b, c) = us(r);
            format!("{a}-{b}-{c:04}")
        }
        2 => {
            let (a, b, c) = us(r);
            format!("{a}.{b}.{c:04}")
        }
        3 => {
            let (a, b, c) = us(r);
            format!("+1 {a} {b} {c:04}")
        }
        4 => {
            let (a, b, c) = us(r);
            format!("+1-{a}-{b}-{c:04}")
        }
        5 => format!("020 {} {}", r.digits(4), r.digits(4)),
        6 => format!("07{} {}", r.digits(3), r.digits(6)),
        7 => format!("+44 20 {} {}", r.digits(4), r.digits(4)),
        8 => format!("+44 7{} {}", r.digits(3), r.digits(6)),
        9 => format!("030 {}", r.digits(8)),
        10 => format!("+49 30 {}", r.digits(8)),
        11 => format!("0151 {}", r.digits(8)),
        12 => format!(
            "0{} {} {} {} {}",
            r.range(1, 9),
            r.digits(2),
            r.digits(2),
            r.digits(2),
            r.digits(2)
        ),
        _ => format!(
            "+33 6 {} {} {} {}",
            r.digits(2),
            r.digits(2),
            r.digits(2),
            r.digits(2)
        ),
    }
}

fn ipv4(r: &mut Rng) -> String {
    loop {
        let a = r.range(1, 223);
        if a == 127 {
            continue;
        }
        return format!(
            "{a}.{}.{}.{}",
            r.range(0, 255),
            r.range(0, 255),
            r.range(1, 254)
        );
    }
}

fn ipv6(r: &mut Rng) -> String {
    let h = |r: &mut Rng| format!("{:x}", r.range(1, 0xffff));
    match r.below(3) {
        0 => (0..8).map(|_| h(r)).collect::<Vec<_>>().join(":"),
        1 => format!("2001:db8:{}:{}::{}", h(r), h(r), h(r)),
        _ => format!("fe80::{}:{}:{}:{}", h(r), h(r), h(r), h(r)),
    }
}

const MONTHS_EN: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_DE: &[&str] = &[
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_FR: &[&str] = &[
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn dob(r: &mut Rng, s: &mut Sample) {
    let (y, m, d) = (r.range(1940, 2010), r.range(1, 12), r.range(1, 28));
    let month = |names: &[&str]| names.get(m - 1).copied().unwrap_or("May").to_string();
    let (intro, v) = match r.below(9) {
        0 => ("I was born on ", format!("{d} {} {y}", month(MONTHS_EN))),
        7 => ("Patient D.O.B. ", format!("{m:02}/{d:02}/{y}")),
        1 => ("DOB: ", format!("{y}-{m:02}-{d:02}")),
        2 => ("Date of birth: ", format!("{d:02}/{m:02}/{y}")),
        3 => ("She was born ", format!("{} {d}, {y}", month(MONTHS_EN))),
        4 => ("Geburtsdatum: ", format!("{d:02}.{m:02}.{y}")),
        5 => ("Er ist am ", format!("{d}. {} {y}", month(MONTHS_DE))),
        6 => ("Il est né le ", format!("{d} {} {y}", month(MONTHS_FR))),
        _ => ("Date de naissance : ", format!("{d:02}/{m:02}/{y}")),
    };
    s.say(intro);
    s.secret("date_of_birth", &v);
    s.say(if intro.starts_with("Er ist") {
        " geboren."
    } else {
        "."
    });
}

fn nino(r: &mut Rng) -> String {
    loop {
        let a = *r.pick(b"ABCEGHJKLMNOPRSTWXYZ");
        let b = *r.pick(b"ABCEGHJKLMNPRSTWXYZ");
        let d = r.digits(6);
        let suf = *r.pick(b"ABCD");
        let c = format!("{}{}{d}{}", char::from(a), char::from(b), char::from(suf));
        if !formats::uk_nino(c.as_bytes()) {
            continue;
        }
        if r.chance(0.5) {
            return c;
        }
        let db = d.as_bytes();
        let part = |i: usize| String::from_utf8_lossy(db.get(i..i + 2).unwrap_or(&[])).into_owned();
        return format!(
            "{}{} {} {} {} {}",
            char::from(a),
            char::from(b),
            part(0),
            part(2),
            part(4),
            char::from(suf)
        );
    }
}

fn bsn(r: &mut Rng) -> String {
    loop {
        let d = format!("{}{}", r.range(1, 9), r.digits(8));
        if formats::nl_bsn(d.as_bytes()) {
            return d;
        }
    }
}

fn dni(r: &mut Rng) -> String {
    const L: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    if r.chance(0.7) {
        let n = r.range(10_000_000, 99_999_999);
        let l = char::from(*L.get(n % 23).unwrap_or(&b'T'));
        if r.chance(0.3) {
            format!("{n}-{l}")
        } else {
            format!("{n}{l}")
        }
    } else {
        let p = r.below(3);
        let n = r.range(1_000_000, 9_999_999);
        let l = char::from(*L.get((p * 10_000_000 + n) % 23).unwrap_or(&b'T'));
        format!(
            "{}{n}{l}",
            char::from(b"XYZ".get(p).copied().unwrap_or(b'X'))
        )
    }
}

fn codice_fiscale(r: &mut Rng) -> String {
    loop {
        let up = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let body = format!(
            "{}{}{}{:02}{}{}",
            r.string_of(up, 6),
            r.digits(2),
            char::from(*r.pick(b"ABCDEHLMPRST")),
            r.range(1, 71),
            char::from(*r.pick(up)),
            r.digits(3)
        );
        for c in b'A'..=b'Z' {
            let cand = format!("{body}{}", char::from(c));
            if formats::it_codice_fiscale(cand.as_bytes()) {
                return cand;
            }
        }
    }
}

fn pesel(r: &mut Rng) -> String {
    loop {
        let y = r.range(0, 99);
        let m = r.range(1, 12) + if r.chance(0.3) { 20 } else { 0 };
        let d = format!("{y:02}{m:02}{:02}{}", r.range(1, 28), r.digits(4));
        for c in 0..10 {
            let cand = format!("{d}{c}");
            if formats::pl_pesel(cand.as_bytes()) {
                return cand;
            }
        }
    }
}

fn nir(r: &mut Rng) -> String {
    let body = format!(
        "{}{:02}{:02}{:02}{:03}{:03}",
        r.range(1, 2),
        r.range(0, 99),
        r.range(1, 12),
        r.range(1, 95),
        r.range(1, 999),
        r.range(1, 999)
    );
    let n: u64 = body.parse().unwrap_or(0);
    let s = format!("{body}{:02}", 97 - n % 97);
    if r.chance(0.5) {
        return s;
    }
    let b = s.as_bytes();
    let mut parts = Vec::new();
    let mut k = 0;
    for sz in [1, 2, 2, 2, 3, 3, 2] {
        parts.push(String::from_utf8_lossy(b.get(k..k + sz).unwrap_or(&[])).into_owned());
        k += sz;
    }
    parts.join(" ")
}

fn steuer_id(r: &mut Rng) -> String {
    loop {
        let mut pool: Vec<u8> = (b'0'..=b'9').collect();
        let drop = r.below(10);
        pool.remove(drop);
        let dup = *r.pick(&pool);
        pool.push(dup);
        for i in (1..pool.len()).rev() {
            let j = r.below(i + 1);
            pool.swap(i, j);
        }
        let d = String::from_utf8_lossy(&pool).into_owned();
        for c in 0..10 {
            let cand = format!("{d}{c}");
            if formats::de_steuer_id(cand.as_bytes()) {
                return cand;
            }
        }
    }
}

fn aadhaar(r: &mut Rng) -> String {
    loop {
        let d = format!("{}{}", r.range(2, 9), r.digits(10));
        for c in 0..10 {
            let cand = format!("{d}{c}");
            if verhoeff(cand.as_bytes()) {
                let b = cand.as_bytes();
                let g =
                    |i: usize| String::from_utf8_lossy(b.get(i..i + 4).unwrap_or(&[])).into_owned();
                return format!("{} {} {}", g(0), g(4), g(8));
            }
        }
    }
}

fn b64url(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(*A.get(idx as usize).unwrap_or(&b'A')));
        }
    }
    out
}

fn jwt(r: &mut Rng) -> String {
    let alg = r.pick(&["HS256", "RS256", "ES256"]);
    let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
    let payload = format!(
        r#"{{"sub":"{}","name":"user{}","iat":{}}}"#,
        r.digits(8),
        r.digits(3),
        r.range(1_600_000_000, 1_800_000_000)
    );
    let sig = r.string_of(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        43,
    );
    format!(
        "{}.{}.{sig}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes())
    )
}

fn pem(r: &mut Rng) -> String {
    let label = *r.pick(&[
        "RSA PRIVATE KEY",
        "PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
    ]);
    let mut s = format!("-----BEGIN {label}-----\n");
    for _ in 0..r.range(3, 8) {
        s.push_str(&r.string_of(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            64,
        ));
        s.push('\n');
    }
    s.push_str(&r.string_of(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        20,
    ));
    s.push_str("==\n");
    s.push_str(&format!("-----END {label}-----"));
    s
}

fn strong_password(r: &mut Rng) -> String {
    loop {
        let n = r.range(12, 24);
        let v = r.string_of(
            b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%^*_-",
            n,
        );
        let b = v.as_bytes();
        if b.iter().any(u8::is_ascii_digit)
            && b.iter().any(u8::is_ascii_uppercase)
            && b.iter().any(u8::is_ascii_lowercase)
        {
            return v;
        }
    }
}

/// A random body for a charset: mixed classes, ends with a digit where the set has digits.
fn body(r: &mut Rng, cs: Charset, n: usize) -> String {
    let set: Vec<u8> = cs
        .alphabet()
        .into_iter()
        .filter(|b| !matches!(b, b'.' | b'-' | b'_' | b'/' | b'+' | b'~'))
        .collect();
    let mut v = r.string_of(&set, n.saturating_sub(1));
    if cs.has(b'7') {
        v.push('7');
    } else {
        v.push(char::from(*r.pick(&set)));
    }
    v
}

/// Every provider-key rule id the generator produces.
pub fn provider_key_ids() -> Vec<&'static str> {
    let mut v: Vec<&str> = PREFIX_KEYS.iter().map(|k| k.id).collect();
    v.extend(KEYWORD_KEYS.iter().map(|k| k.id));
    v.extend([
        "twilio_api_key",
        "telegram_bot_token",
        "azure_client_secret",
    ]);
    v.dedup();
    v
}

fn provider_key(r: &mut Rng, s: &mut Sample) {
    let n_prefix = PREFIX_KEYS.len();
    let n_kw = KEYWORD_KEYS.len();
    let k = r.below(n_prefix + n_kw + 3);
    let intro = *r.pick(&[
        "Here is my key: ",
        "I set the key to ",
        "export KEY=",
        "the config has ",
        "token -> ",
    ]);
    if let Some(spec) = PREFIX_KEYS.get(k) {
        let prefix = *r.pick(spec.prefixes);
        let n = r.range(spec.min, spec.max.min(spec.min + 40));
        let b = match spec.id {
            "sendgrid_api_key" => format!(
                "{}.{}",
                body(r, Charset::Url, 22),
                body(r, Charset::Url, 43)
            ),
            "slack_webhook" => format!(
                "T{}/B{}/{}",
                body(r, Charset::Upper, 8),
                body(r, Charset::Upper, 8),
                body(r, Charset::Alnum, 24)
            ),
            "discord_webhook" => format!("{}/{}", r.digits(18), body(r, Charset::Alnum, 68)),
            "azure_storage_key" => format!("{}==", body(r, Charset::Alnum, 86)),
            "mailgun_api_key" | "databricks_token" | "shopify_token" => {
                body(r, Charset::HexLower, n)
            }
            // Bodies with a layout of their own (see `body_ok` in secrets.rs).
            "atlassian_api_token" => format!(
                "{}={}",
                body(r, Charset::Url, n.saturating_sub(9)),
                body(r, Charset::Hex, 8).to_ascii_uppercase()
            ),
            "sentry_token" if spec.body == Charset::B64Under => format!(
                "{}_{}",
                body(r, Charset::B64, n.saturating_sub(44)),
                body(r, Charset::B64, 43)
            ),
            "langsmith_api_key" => format!(
                "{}_{}",
                body(r, Charset::HexLower, 32),
                body(r, Charset::HexLower, 10)
            ),
            "pinecone_api_key" => format!(
                "{}_{}",
                body(r, Charset::Alnum, 6),
                body(r, Charset::Alnum, n.saturating_sub(7))
            ),
            "onepassword_secret_key" => [6, 6, 5, 5, 5, 5]
                .iter()
                .map(|&k| body(r, Charset::Upper, k))
                .collect::<Vec<_>>()
                .join("-"),
            _ => body(r, spec.body, n),
        };
        match spec.id {
            "azure_storage_key" => {
                s.say("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=");
                s.secret(spec.id, &b);
                s.say(";EndpointSuffix=core.windows.net");
            }
            "slack_webhook" | "discord_webhook" => {
                s.say("Post alerts to https://");
                s.secret(spec.id, &format!("{prefix}{b}"));
                s.say(" please.");
            }
            "terraform_token" => {
                s.say(intro);
                s.secret(
                    spec.id,
                    &format!("{}{prefix}{b}", body(r, Charset::Alnum, 14)),
                );
                s.say(" ok");
            }
            _ => {
                s.say(intro);
                s.secret(spec.id, &format!("{prefix}{b}"));
                s.say(if r.chance(0.5) { " thanks" } else { "." });
            }
        }
        return;
    }
    if let Some(spec) = KEYWORD_KEYS.get(k - n_prefix) {
        let kw = *r.pick(spec.keywords);
        let v = match spec.id {
            "aws_secret_access_key" => loop {
                let v = body(r, Charset::Alnum, 40);
                let b = v.as_bytes();
                if b.iter().any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase) {
                    break v;
                }
            },
            "heroku_api_key" => format!(
                "{}-{}-{}-{}-{}",
                body(r, Charset::HexLower, 8),
                body(r, Charset::HexLower, 4),
                body(r, Charset::HexLower, 4),
                body(r, Charset::HexLower, 4),
                body(r, Charset::HexLower, 12)
            ),
            "discord_bot_token" => format!(
                "M{}.{}.{}",
                body(r, Charset::Alnum, 23),
                body(r, Charset::Alnum, 6),
                body(r, Charset::Alnum, 38)
            ),
            "mailchimp_api_key" => {
                format!("{}-us{}", body(r, Charset::HexLower, 32), r.range(1, 20))
            }
            "okta_api_token" => format!("00{}", body(r, Charset::Alnum, 40)),
            "azure_storage_key" => format!("{}==", body(r, Charset::Alnum, 86)),
            "newrelic_key" => format!("{}NRAL", body(r, Charset::HexLower, 36)),
            "npm_token" => format!(
                "{}-{}-{}-{}-{}",
                body(r, Charset::HexLower, 8),
                body(r, Charset::HexLower, 4),
                body(r, Charset::HexLower, 4),
                body(r, Charset::HexLower, 4),
                body(r, Charset::HexLower, 12)
            ),
            "atlassian_api_token" => loop {
                let v = body(r, Charset::Alnum, 24);
                let b = v.as_bytes();
                if b.iter().any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase) {
                    break v;
                }
            },
            _ => {
                let n = r.range(spec.min, spec.max);
                body(r, spec.body, n)
            }
        };
        s.say(&format!("{kw} = "));
        s.secret(spec.id, &v);
        s.say("\n");
        return;
    }
    match k - n_prefix - n_kw {
        0 => {
            s.say("twilio sid ");
            s.secret(
                "twilio_api_key",
                &format!("SK{}", body(r, Charset::HexLower, 32)),
            );
        }
        1 => {
            s.say("bot: ");
            s.secret(
                "telegram_bot_token",
                &format!(
                    "{}:AA{}",
                    r.range(100_000_000, 999_999_999),
                    body(r, Charset::Url, 33)
                ),
            );
        }
        _ => {
            s.say("client secret ");
            s.secret(
                "azure_client_secret",
                &format!(
                    "{}{}Q~{}",
                    body(r, Charset::Alnum, 3),
                    r.below(10),
                    body(r, Charset::Alnum, 34)
                ),
            );
        }
    }
    s.say(" end");
}

// ---------------------------------------------------------------------------------------------
// Evasion.

fn fullwidth(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

fn arabic_digits(v: &str) -> String {
    v.chars()
        .map(|c| {
            c.to_digit(10)
                .and_then(|d| char::from_u32(0x0660 + d))
                .unwrap_or(c)
        })
        .collect()
}

fn zero_width(r: &mut Rng, v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    if chars.len() < 3 {
        return v.to_string();
    }
    let at = r.range(1, chars.len() - 1);
    let inv = *r.pick(&[
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{00AD}', '\u{2060}', '\u{FEFF}', '\u{200E}',
    ]);
    let mut out: String = chars.iter().take(at).collect();
    out.push(inv);
    out.extend(chars.iter().skip(at));
    out
}

/// Applies an evasion to the last expected value of `s` (rewriting the text after it).
fn evade(r: &mut Rng, s: &mut Sample, digits_only: bool) {
    let Some(last) = s.expected.last().cloned() else {
        return;
    };
    let Some(v) = s.text.get(last.start..last.end).map(str::to_string) else {
        return;
    };
    let tail = s.text.get(last.end..).unwrap_or("").to_string();
    let nv = match r.below(3) {
        0 => zero_width(r, &v),
        1 => fullwidth(&v),
        _ if digits_only => arabic_digits(&v),
        _ => zero_width(r, &v),
    };
    s.text.truncate(last.start);
    s.text.push_str(&nv);
    let end = s.text.len();
    s.text.push_str(&tail);
    if let Some(e) = s.expected.last_mut() {
        e.end = end;
    }
}

// ---------------------------------------------------------------------------------------------
// Hard negatives.

fn hex(r: &mut Rng, n: usize) -> String {
    r.string_of(b"0123456789abcdef", n)
}

fn negative(r: &mut Rng, s: &mut Sample) {
    let t = match r.below(22) {
        0 => format!(
            "The request id was {}-{}-4{}-a{}-{}.",
            hex(r, 8),
            hex(r, 4),
            hex(r, 3),
            hex(r, 3),
            hex(r, 12)
        ),
        1 => format!("Fixed in commit {} on main.", hex(r, 40)),
        2 => format!("sha256: {}", hex(r, 64)),
        3 => format!(
            "The log line says 2024-0{}-1{}T12:3{}:45Z and then it crashed.",
            r.range(1, 9),
            r.range(0, 9),
            r.range(0, 9)
        ),
        4 => format!(
            "Unix time {} is when the job started.",
            r.range(1_600_000_000, 1_800_000_000)
        ),
        5 => format!(
            "Upgrade to v{}.{}.{} or version {}.{}.{}.{} before Friday.",
            r.range(1, 20),
            r.range(0, 30),
            r.range(0, 99),
            r.range(1, 20),
            r.range(0, 9),
            r.range(0, 999),
            r.range(0, 9999)
        ),
        6 => "ISBN 978-3-16-148410-0 is the second edition; the first was ISBN 0-306-40615-2."
            .to_string(),
        7 => format!(
            "My test card 4111 1111 1111 1112 was declined, and so was {}.",
            bad_card(r)
        ),
        8 => format!(
            "Order #{} shipped; order number {} is pending (PO-2024-{}).",
            r.digits(9),
            r.range(1_000_000_000, 9_999_999_999_u64 as usize),
            r.digits(6)
        ),
        9 => "Compare gpt-4o-2024-08-06 with gpt-4.1-mini and claude-3-5-sonnet-20241022."
            .to_string(),
        10 => format!(
            "If 1234 + {} = x, and 12 * 34 = 408, what is (3 + 4) * {}?",
            r.digits(4),
            r.range(2, 99)
        ),
        11 => format!(
            "The meeting is on {:02}/{:02}/{} at {}:{:02}.",
            r.range(1, 28),
            r.range(1, 12),
            r.range(2020, 2030),
            r.range(8, 18),
            r.range(0, 59)
        ),
        12 => format!(
            "It costs $1,{:03}.{:02} which is {}.{}% more.",
            r.range(0, 999),
            r.range(0, 99),
            r.range(1, 99),
            r.range(0, 9)
        ),
        13 => "Run it on localhost:8080 and ping @maria in the channel, or mail admin@localhost."
            .to_string(),
        14 => "Use std::vector<int> and call reset_password() when the token expires.".to_string(),
        15 => format!(
            "The MAC is 00:1a:2b:{}:{}:{} and the colour is #ff{}.",
            hex(r, 2),
            hex(r, 2),
            hex(r, 2),
            hex(r, 4)
        ),
        16 => "The password must have 12 characters; the secret is out; token count: 4096."
            .to_string(),
        17 => format!(
            "Python {}.{}.{} on build 10.0.19041.{}.",
            r.range(2, 3),
            r.range(0, 12),
            r.range(0, 9),
            r.range(100, 999)
        ),
        18 => format!(
            "Invoice INV-{}-{} totals {} EUR.",
            r.range(2019, 2025),
            r.digits(5),
            r.range(100, 99_999)
        ),
        19 => format!(
            "Tracking number 1Z{}{} arrives {}-{:02}-{:02}.",
            r.string_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4),
            r.digits(10),
            r.range(2023, 2026),
            r.range(1, 12),
            r.range(1, 28)
        ),
        20 => format!(
            "Page {} of {}, line {}, column {}.",
            r.range(1, 300),
            r.range(300, 900),
            r.range(1, 10_000),
            r.range(1, 120)
        ),
        _ => format!(
            "Born to run: the {} tour sold {} tickets.",
            r.range(1975, 1990),
            r.range(10_000, 999_999)
        ),
    };
    s.say(&t);
    s.say(" ");
}

// ---------------------------------------------------------------------------------------------
// Samples.

/// Every built-in rule id that [`generate`] produces positives for.
pub fn covered_rules() -> Vec<&'static str> {
    let mut v = vec![
        "email",
        "phone_number",
        "payment_card",
        "iban",
        "us_ssn",
        "ip_address",
        "date_of_birth",
        "uk_nino",
        "nl_bsn",
        "es_dni",
        "it_codice_fiscale",
        "pl_pesel",
        "fr_nir",
        "de_steuer_id",
        "in_aadhaar",
        "jwt",
        "private_key",
        "url_credentials",
        "generic_secret",
        "project_names",
        "employee_id",
    ];
    v.extend(provider_key_ids());
    v
}

/// One positive sentence for a randomly chosen detector (provider keys as one group).
fn positive(r: &mut Rng, s: &mut Sample, with_custom: bool) {
    let kinds = if with_custom { 22 } else { 20 };
    // Provider keys (77 rules) get extra weight so each one has a real sample.
    let k = match r.below(kinds + 8) {
        k if k >= kinds => 19,
        k => k,
    };
    let mut digits_only = false;
    match k {
        0 => {
            let user = r.pick(&[
                "john.smith",
                "a.garcia",
                "li_wei",
                "marie-claire",
                "ops+alerts",
                "k.nakamura",
            ]);
            let dom = r.pick(&[
                "example.com",
                "mail.acme.co.uk",
                "corp.example.org",
                "gmail.com",
                "uni-heidelberg.de",
            ]);
            s.say("You can reach me at ");
            s.secret("email", &format!("{user}@{dom}"));
            s.say(" any time.");
        }
        1 => {
            s.say(r.pick::<&str>(&[
                "Call me on ",
                "My number is ",
                "Ruf mich an: ",
                "Mon numéro : ",
                "Phone: ",
            ]));
            s.secret("phone_number", &phone(r));
            s.say(" after 6.");
            digits_only = true;
        }
        2 => {
            s.say("Charge it to my card ");
            s.secret("payment_card", &card(r));
            s.say(", exp 09/27.");
            digits_only = true;
        }
        3 => {
            s.say("Wire the money to IBAN ");
            s.secret("iban", &iban(r));
            s.say(" by Monday.");
        }
        4 => {
            if r.chance(0.6) {
                let d = ssn_digits(r);
                let dashed = format!(
                    "{}-{}-{}",
                    d.get(..3).unwrap_or(""),
                    d.get(3..5).unwrap_or(""),
                    d.get(5..).unwrap_or("")
                );
                s.say("Applicant number ");
                s.secret("us_ssn", &dashed);
            } else {
                s.say("My SSN is ");
                s.secret("us_ssn", &ssn_digits(r));
            }
            s.say(".");
            digits_only = true;
        }
        5 => {
            s.say("The server at ");
            let v = if r.chance(0.6) { ipv4(r) } else { ipv6(r) };
            digits_only = !v.contains(':');
            s.secret("ip_address", &v);
            s.say(" refuses connections.");
        }
        6 => dob(r, s),
        7 => {
            s.say("My NI number is ");
            s.secret("uk_nino", &nino(r));
            s.say(".");
        }
        8 => {
            s.say(r.pick::<&str>(&["Mijn BSN is ", "BSN: ", "burgerservicenummer "]));
            s.secret("nl_bsn", &bsn(r));
            s.say(".");
            digits_only = true;
        }
        9 => {
            s.say("DNI/NIE: ");
            s.secret("es_dni", &dni(r));
            s.say(".");
        }
        10 => {
            s.say("Codice fiscale ");
            s.secret("it_codice_fiscale", &codice_fiscale(r));
            s.say(".");
        }
        11 => {
            s.say("Numer PESEL: ");
            s.secret("pl_pesel", &pesel(r));
            s.say(".");
            digits_only = true;
        }
        12 => {
            s.say("Numéro de sécurité sociale ");
            s.secret("fr_nir", &nir(r));
            s.say(".");
            digits_only = true;
        }
        13 => {
            s.say(r.pick::<&str>(&[
                "Meine Steuer-ID ist ",
                "Steueridentifikationsnummer: ",
                "IdNr ",
            ]));
            s.secret("de_steuer_id", &steuer_id(r));
            s.say(".");
            digits_only = true;
        }
        14 => {
            s.say("Aadhaar ");
            s.secret("in_aadhaar", &aadhaar(r));
            s.say(".");
            digits_only = true;
        }
        15 => {
            s.say("Authorization: Bearer ");
            s.secret("jwt", &jwt(r));
            s.say("\n");
        }
        16 => {
            s.say("Here is the key file:\n");
            s.secret("private_key", &pem(r));
            s.say("\nDoes it look right?");
        }
        17 => {
            let scheme = *r.pick(&["postgres", "mysql", "mongodb+srv", "redis", "https", "amqp"]);
            let user = *r.pick(&["admin", "app_user", "svc-deploy", ""]);
            s.say(&format!("DATABASE_URL={scheme}://"));
            s.secret("url_credentials", &format!("{user}:{}", strong_password(r)));
            s.say("@db.internal.example.com:5432/app");
        }
        18 => {
            let key = *r.pick(&[
                "password",
                "db_password",
                "\"secret\"",
                "client_secret",
                "API_KEY",
                "auth_token",
                "SECRET_KEY",
            ]);
            let sep = *r.pick(&[" = ", ": ", "=", " := "]);
            let q = *r.pick(&["\"", "'", ""]);
            s.say(&format!("config {key}{sep}{q}"));
            s.secret("generic_secret", &strong_password(r));
            s.say(&format!("{q}\n"));
        }
        19 => provider_key(r, s),
        20 => {
            let term = *r.pick(&["Project Falcon", "project falcon", "BlueHarbor", "ORION-X"]);
            s.say("The launch of ");
            s.secret("project_names", term);
            s.say(" slips to May.");
        }
        _ => {
            s.say("Employee ");
            s.secret("employee_id", &format!("EMP-{}", r.digits(6)));
            s.say(" asked for leave.");
        }
    }
    if r.chance(0.15) && k != 16 && k < 20 {
        // (PEM blocks and customer terms keep their exact form.)
        evade(r, s, digits_only);
    }
    s.say(" ");
}

/// `n` labelled samples for `seed`. With `with_custom`, positives for [`CUSTOM_RULES_JSON`]
/// are included too.
pub fn generate(seed: u64, n: usize, with_custom: bool) -> Vec<Sample> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut s = Sample::default();
            pad(&mut r, &mut s);
            if r.chance(0.5) {
                negative(&mut r, &mut s);
            }
            positive(&mut r, &mut s, with_custom);
            if r.chance(0.7) {
                negative(&mut r, &mut s);
            }
            pad(&mut r, &mut s);
            s
        })
        .collect()
}

/// Typical chat text of about `bytes` bytes: mostly prose, some numbers, dates and hashes,
/// and a sensitive value every ~4 KiB (for throughput benchmarks).
pub fn chat_text(seed: u64, bytes: usize) -> String {
    let mut r = Rng::new(seed);
    let mut out = String::with_capacity(bytes + 1024);
    let mut since = 0usize;
    while out.len() < bytes {
        let mut s = Sample::default();
        s.say(r.pick::<&str>(FILLER));
        s.say(" ");
        if r.chance(0.15) {
            negative(&mut r, &mut s);
        }
        if out.len() - since > 4096 {
            positive(&mut r, &mut s, false);
            since = out.len();
        }
        if r.chance(0.2) {
            s.say("\n\n");
        }
        out.push_str(&s.text);
    }
    out
}
