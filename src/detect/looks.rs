//! What a candidate secret looks like: a placeholder, a reference to a secret kept elsewhere,
//! code that names a secret, a path, a version or package coordinate, or a random string.
//! Shared by the name-introduced detectors (`assign`), credentials in URLs and the provider
//! tables (placeholder bodies, file names and slugs that share a key's prefix).

use super::checksum::entropy;

/// Whether `head` holds `k`, ignoring ASCII case.
fn has_ci(head: &[u8], k: &[u8]) -> bool {
    head.windows(k.len()).any(|w| w.eq_ignore_ascii_case(k))
}

/// Whether `v` starts with `k`, ignoring ASCII case.
fn starts_ci(v: &[u8], k: &[u8]) -> bool {
    v.get(..k.len()).is_some_and(|h| h.eq_ignore_ascii_case(k))
}

/// A placeholder written where a value goes: a template variable (`${X}`, `{x}`, `<x>`,
/// `%(x)s`, `[SECRET]`), filler (`xxxx`, `****`, `...`, one repeated character) or a word
/// that says so (`your…`, `example`, `changeme`, `redacted`, `replace…`, `insert…`,
/// `dummy`, `sample`).
pub(crate) fn placeholder(v: &[u8]) -> bool {
    let first = v.first().copied().unwrap_or(0);
    if matches!(first, b'$' | b'{' | b'<' | b'[') {
        return true;
    }
    if first == b'%' && format_placeholder(v) {
        return true;
    }
    let head = v.get(..v.len().min(64)).unwrap_or(v);
    const WORDS: &[&[u8]] = &[
        b"xxxx",
        b"****",
        b"...",
        "\u{2026}".as_bytes(),
        b"your",
        b"example",
        b"placeholder",
        b"changeme",
        b"change_me",
        b"change-me",
        b"redacted",
        b"replace",
        b"insert",
        b"dummy",
        b"sample",
        b"<",
    ];
    // One look at each position: only where a word's first byte is do the words get compared.
    let first = |c: u8| {
        matches!(
            c.to_ascii_lowercase(),
            b'x' | b'*'
                | b'.'
                | 0xE2
                | b'y'
                | b'e'
                | b'p'
                | b'c'
                | b'r'
                | b'i'
                | b'd'
                | b's'
                | b'<'
        )
    };
    let word_at = |i: usize| {
        let rest = head.get(i..).unwrap_or(&[]);
        WORDS.iter().any(|k| {
            rest.get(..k.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(k))
        })
    };
    head.iter()
        .enumerate()
        .any(|(i, &c)| first(c) && word_at(i))
        || v.iter().all(|&b| Some(&b) == v.first())
}

/// A key that is public by design, meant to ship in client code: a Mapbox public token
/// (`pk.eyJ…`; secret ones start `sk.`, docs.mapbox.com/accounts/guides/tokens), a Stripe
/// publishable key (`pk_live_`, `pk_test_`; docs.stripe.com/keys), a Supabase publishable key
/// (`sb_publishable_`).
pub(crate) fn public_key(v: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[b"pk.eyJ", b"pk_live_", b"pk_test_", b"sb_publishable_"];
    PREFIXES.iter().any(|p| v.starts_with(p))
}

/// A printf, Python, Ruby or Windows placeholder as the value: `%s`, `%(pw)s`, `%{pw}`,
/// `%DB_PASSWORD%`, also cut short where an unquoted value stops (`%(db_password`,
/// `%{env:DB_PASS`). A name goes between the marks (letters, digits, `_ . : -`): a password
/// that merely starts and ends with `%` is no placeholder.
fn format_placeholder(v: &[u8]) -> bool {
    let name = |b: &[u8]| {
        !b.is_empty()
            && b.iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-'))
    };
    let inner = |r: &[u8], close: &[u8]| name(r.strip_suffix(close).unwrap_or(r));
    v == b"%s"
        || v.strip_prefix(b"%(").is_some_and(|r| inner(r, b")s"))
        || v.strip_prefix(b"%{").is_some_and(|r| inner(r, b"}"))
        || v.strip_prefix(b"%")
            .and_then(|r| r.strip_suffix(b"%"))
            .is_some_and(name)
}

/// A reference to a secret kept elsewhere, or an encrypted one: SOPS `ENC[...]`, Vault
/// `vault:path#key`, 1Password `op://`, AWS Secrets Manager and SSM ARNs, Google Secret
/// Manager `projects/…/secrets/…`, Azure Key Vault `@Microsoft.KeyVault(...)`, `ref+…`
/// (vals), `file:` paths, Jinja/Actions `{{ … }}`, Ruby/Octopus `#{…}`, and YAML tags
/// (`!vault`, `!secret`, `!Ref`).
pub(crate) fn reference(v: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b"enc[",
        b"vault:",
        b"op://",
        b"arn:aws:secretsmanager:",
        b"arn:aws:ssm:",
        b"@microsoft.keyvault(",
        b"ref+",
        b"sm://",
        b"keyvault://",
        b"file:",
        b"{{",
        b"#{",
    ];
    PREFIXES.iter().any(|p| starts_ci(v, p))
        || (starts_ci(v, b"projects/") && has_ci(v, b"/secrets/"))
        || yaml_tag(v)
        || named_reference(v)
}

/// `@name` (a Vercel or Now secret, `@stripe-secret-key`): a lower-case name behind `@`.
fn named_reference(v: &[u8]) -> bool {
    v.strip_prefix(b"@").is_some_and(|n| {
        n.first().is_some_and(u8::is_ascii_lowercase)
            && n.iter()
                .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_'))
    })
}

/// A YAML tag alone (`!vault`, `!secret`, `!Ref`, `!!binary`): what follows it, on this line
/// or the next, is the value.
fn yaml_tag(v: &[u8]) -> bool {
    let name = v.strip_prefix(b"!!").or_else(|| v.strip_prefix(b"!"));
    name.is_some_and(|n| {
        n.first().is_some_and(u8::is_ascii_alphabetic)
            && n.iter().all(|&c| c.is_ascii_alphabetic() || c == b'_')
    })
}

/// One segment of an identifier as code writes it: letters and `_` (and `$`), digits only
/// at the end of a `_`-separated part (`GITHUB_TOKEN`, `db2_pass`, `s3`), never a digit
/// followed by a letter (`Xk9Lm2`, which is how random strings look).
fn ident_segment(s: &[u8]) -> bool {
    let Some(&first) = s.first() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'$') {
        return false;
    }
    s.windows(2).all(|w| {
        !(w.first().is_some_and(u8::is_ascii_digit)
            && w.get(1).is_some_and(u8::is_ascii_alphabetic))
    }) && s
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
        && word_like(s)
}

/// Whether an identifier splits into words as code names them: camelCase and snake_case
/// words, each lower-case, Capitalised or an all-capital acronym; a one-letter word only
/// first (`xValue`); a word of four letters or more has a vowel unless it is all capitals
/// (`getPassword`, `HTTPBasicAuth`, `cfg`, `STRIPE_KEY`; not `sXftzK`, `Xftz`).
fn word_like(s: &[u8]) -> bool {
    let mut first = true;
    for part in s.split(|&c| c == b'_' || c == b'$') {
        let letters: Vec<u8> = part
            .iter()
            .copied()
            .filter(u8::is_ascii_alphabetic)
            .collect();
        let mut start = 0usize;
        for i in 1..=letters.len() {
            let (prev, cur, next) = (
                letters.get(i - 1).copied().unwrap_or(0),
                letters.get(i).copied().unwrap_or(0),
                letters.get(i + 1).copied().unwrap_or(0),
            );
            let boundary = i == letters.len()
                || (prev.is_ascii_lowercase() && cur.is_ascii_uppercase())
                || (prev.is_ascii_uppercase()
                    && cur.is_ascii_uppercase()
                    && next.is_ascii_lowercase());
            if !boundary {
                continue;
            }
            let word = letters.get(start..i).unwrap_or(&[]);
            let caps = word.iter().all(u8::is_ascii_uppercase);
            let vowel = word.iter().any(|c| {
                matches!(
                    c.to_ascii_lowercase(),
                    b'a' | b'e' | b'i' | b'o' | b'u' | b'y'
                )
            });
            if (word.len() == 1 && !first) || (word.len() >= 4 && !caps && !vowel) {
                return false;
            }
            first = false;
            start = i;
        }
    }
    true
}

/// Code that names a secret without holding it, as an unquoted value: a dotted path
/// (`process.env.STRIPE_KEY`, `var.db_password`, `settings.SECRET_KEY`, `std::env::var`),
/// or an identifier path called or indexed (`getenv(`, `os.environ[`, `ENV.fetch(`,
/// `cfg["db"]`), optionally behind a sigil (`&cfg.Password`, `@password`, `*pw`).
pub(crate) fn code_reference(v: &[u8]) -> bool {
    let v = match v.first() {
        Some(b'&' | b'@' | b'*' | b'(') => v.get(1..).unwrap_or(&[]),
        _ => v,
    };
    let path_end = v
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b':')))
        .unwrap_or(v.len());
    let path = v.get(..path_end).unwrap_or(&[]);
    let rest = v.get(path_end..).unwrap_or(&[]);
    // Segments split on `.` and `::`; a lone `:` is no separator (`a:b` is data).
    let mut segs = 0usize;
    let mut ok = !path.is_empty();
    let mut i = 0usize;
    let mut start = 0usize;
    while i <= path.len() && ok {
        let sep = match path.get(i) {
            None => Some(0),
            Some(b'.') => Some(1),
            Some(b':') if path.get(i + 1) == Some(&b':') => Some(2),
            Some(b':') => {
                ok = false;
                None
            }
            _ => None,
        };
        if let Some(n) = sep {
            ok = ident_segment(path.get(start..i).unwrap_or(&[]));
            segs += 1;
            i += n.max(1);
            start = i;
        } else {
            i += 1;
        }
    }
    if !ok {
        return false;
    }
    match rest.first() {
        None => segs >= 2,
        Some(b'(' | b'[') => true,
        Some(b'-') => rest.get(1) == Some(&b'>'),
        // A non-null assertion or optional chaining (`process.env.KEY!`, `cfg?.token`).
        Some(b'!' | b'?') => segs >= 2 || rest.get(1) == Some(&b'.'),
        _ => false,
    }
}

/// `n` without trailing type punctuation (`!`, `?`, `;`, `,`).
fn trim_type_marks(mut n: &[u8]) -> &[u8] {
    while let Some((&last, rest)) = n.split_last() {
        if !matches!(last, b'!' | b'?' | b';' | b',') {
            break;
        }
        n = rest;
    }
    n
}

/// A type annotation as the value (`token: ApiToken!`, `password: String`, `secret?: string;`,
/// `tokens: [Token!]!`, `password: Option<Secret>`): type names (words, no digits) in the
/// shapes type syntax gives them.
pub(crate) fn type_annotation(v: &[u8]) -> bool {
    let name = |n: &[u8]| {
        !n.is_empty()
            && !n.iter().any(u8::is_ascii_digit)
            && n.split(|&c| c == b'.').all(ident_segment)
    };
    let trim = trim_type_marks;
    let c = trim(v);
    if let Some(inner) = c.strip_prefix(b"[").and_then(|r| r.strip_suffix(b"]")) {
        return name(trim(inner));
    }
    if let Some((outer, inner)) = c.strip_suffix(b">").and_then(|r| {
        let lt = r.iter().position(|&b| b == b'<')?;
        Some((r.get(..lt)?, r.get(lt + 1..)?))
    }) {
        return name(outer) && inner.split(|&b| b == b',').all(|p| name(trim(p)));
    }
    name(c) && (c.len() < v.len() || c.first().is_some_and(u8::is_ascii_uppercase))
}

/// Lower-case words and numbers joined by `-` or `_` (`scram-sha-256`, `stripe-secret-key`):
/// a name or a setting, not a random value.
pub(crate) fn words_value(v: &[u8]) -> bool {
    let seps = v.iter().filter(|&&c| c == b'-' || c == b'_').count();
    seps >= 2
        && !v.iter().any(u8::is_ascii_uppercase)
        && v.split(|&c| c == b'-' || c == b'_').all(|s| {
            !s.is_empty()
                && (s.iter().all(u8::is_ascii_lowercase) || s.iter().all(u8::is_ascii_digit))
        })
}

/// A version (`1.2.3`, `v0.12.6`, `4.4.0-rc1`) or a package coordinate ending in one
/// (`jjwt-api:0.12.6`, `org.passay:passay:1.6.4`).
pub(crate) fn version_or_coordinate(v: &[u8]) -> bool {
    let mut parts = v.rsplit(|&c| c == b':');
    let Some(last) = parts.next() else {
        return false;
    };
    let ver = last.strip_prefix(b"v").unwrap_or(last);
    let major = ver.iter().take_while(|c| c.is_ascii_digit()).count();
    let version = major > 0
        && ver.get(major) == Some(&b'.')
        && ver
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+' | b'_' | b'~'));
    version
        && parts.all(|p| {
            !p.is_empty()
                && p.iter().all(|&c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_')
                })
        })
}

/// A file-system path or a URL as the value (`/run/secrets/db`, `./config/creds.json`,
/// `C:\keys\app.pfx`, `https://vault.example.com/...`): what holds the secret, not the
/// secret itself (credentials inside a URL are `url_credentials`).
pub(crate) fn path_or_url(v: &[u8]) -> bool {
    let pathish = |s: &[u8]| {
        s.iter().all(|&c| {
            c.is_ascii_alphanumeric()
                || matches!(c, b'/' | b'\\' | b'.' | b'_' | b'-' | b'~' | b':')
        })
    };
    let drive = v.len() > 3
        && v.first().is_some_and(u8::is_ascii_alphabetic)
        && v.get(1) == Some(&b':')
        && v.get(2) == Some(&b'\\');
    // `name:/etc/credstore/name`, `dir/sub/file.txt`: lower-case segments between slashes
    // (random base64 with two `/` has capitals too).
    let lower_path = v.iter().filter(|&&c| c == b'/').count() >= 2
        && !v.iter().any(u8::is_ascii_uppercase)
        && pathish(v);
    has_ci(v, b"://")
        || lower_path
        || ((v.starts_with(b"/")
            || v.starts_with(b"./")
            || v.starts_with(b"../")
            || v.starts_with(b"~/")
            || drive)
            && pathish(v))
}

/// Whether a value chosen by a person or a generator looks random enough to be a secret:
/// two or more character classes, a digit or a symbol (`_ - .` separate words and do not
/// count), and Shannon entropy ≥ 3.0 bits; or, without digit or symbol, a long mixed-case
/// run that reads like no words (few vowels: `QwRtzPLkMnBvXcJh`, not `getPasswordFromVault`).
pub(crate) fn random_enough(v: &[u8]) -> bool {
    let (mut lower, mut upper, mut digit, mut sym, mut sep, mut vowels) = (0, 0, 0, 0, 0, 0);
    for &b in v {
        match b {
            b'a'..=b'z' => {
                lower += 1;
                vowels += usize::from(matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'));
            }
            b'A'..=b'Z' => {
                upper += 1;
                vowels += usize::from(matches!(b, b'A' | b'E' | b'I' | b'O' | b'U' | b'Y'));
            }
            b'0'..=b'9' => digit += 1,
            b'_' | b'-' | b'.' => sep += 1,
            _ if b.is_ascii_punctuation() => sym += 1,
            _ => {}
        }
    }
    let classes = [lower > 0, upper > 0, digit > 0, sym + sep > 0]
        .iter()
        .filter(|&&x| x)
        .count();
    if digit + sym > 0 {
        return classes >= 2 && entropy(v) >= 3.0;
    }
    let letters = lower + upper;
    v.len() >= 12 && upper >= 2 && lower >= 2 && vowels * 10 < letters * 3 && entropy(v) >= 3.3
}

/// At least one digit, one upper- and one lower-case letter, and entropy ≥ 3.5 bits (what a
/// base64 key of 40 characters or more always has).
pub(crate) fn looks_random(v: &[u8]) -> bool {
    v.iter().any(u8::is_ascii_digit)
        && v.iter().any(u8::is_ascii_uppercase)
        && v.iter().any(u8::is_ascii_lowercase)
        && entropy(v) >= 3.5
}

/// A key body that is filler, not a key: `xxxx` (any case), `XXXX…`, `0000…` (eight or more
/// of one character in a row), `...`.
pub(crate) fn placeholder_body(b: &[u8]) -> bool {
    // One pass over the head (filler starts where the key would: `sk-proj-xxxx…`): the run of
    // one (case-folded) byte ending here.
    let mut run = 0usize;
    let mut prev = 0u8;
    for &c in b.get(..b.len().min(64)).unwrap_or(b) {
        let c = c.to_ascii_lowercase();
        run = if c == prev { run + 1 } else { 1 };
        prev = c;
        if run >= 8 || (c == b'x' && run >= 4) || (c == b'.' && run >= 3) {
            return true;
        }
    }
    false
}

/// A body made of lower-case words joined by `-` or `_` (`notification-service-v2-config`):
/// a file or resource name that happens to follow a key prefix (`sk-…`). Issued keys are
/// random: their runs between separators are long or mixed-case.
pub(crate) fn slug(b: &[u8]) -> bool {
    !b.iter().any(u8::is_ascii_uppercase)
        && b.iter().filter(|&&c| c == b'-' || c == b'_').count() >= 2
        && b.split(|&c| c == b'-' || c == b'_').all(|s| s.len() <= 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_placeholders_are_skipped_and_lookalike_passwords_are_not() {
        for v in [
            "%s",
            "%(pw)s",
            "%{db_pass}",
            "%DB_PASSWORD%",
            "%DB-PASSWORD%",
            "%(db_password",
            "%(db.password)s",
            "%{DB_PASSWORD",
            "%{env:DB_PASS}",
            "${DB_PASSWORD}",
            "{password}",
            "<password>",
            "[SECRET]",
            "YOUR_PASSWORD",
            "ChangeMe123",
            "xxxxxxxx",
            "sk-...",
            "insert_key_here",
        ] {
            assert!(placeholder(v.as_bytes()), "{v:?}");
        }
        for v in [
            "%o%e6m_n*zTDoz8drNk%",
            "%sK9x!q2Lm",
            "%(pw)sX",
            "%{a b}",
            "%a%b%",
            "%DB PASSWORD%",
            "S3cr3t!x",
        ] {
            assert!(!placeholder(v.as_bytes()), "{v:?}");
        }
    }

    #[test]
    fn code_that_names_a_secret_is_not_one() {
        for v in [
            "os.environ[",
            "os.getenv(",
            "getenv(",
            "process.env.STRIPE_KEY",
            "var.db_password",
            "random_password.db.result",
            "ENV.fetch(",
            "cfg[",
            "std::env::var(",
            "&cfg.Password",
            "self.password",
            "data.vault_generic_secret.db.data[",
        ] {
            assert!(code_reference(v.as_bytes()), "{v:?}");
        }
        for v in [
            "Xk9Lm2(pQ7rT",
            "a8F.k2Lq9",
            "hunter2x",
            "S3cr3t!x",
            "jjwt-api:0.12.6",
            "abc:def",
            "sXftzK[nRT0Y",
        ] {
            assert!(!code_reference(v.as_bytes()), "{v:?}");
        }
    }

    #[test]
    fn references_versions_and_paths() {
        for v in [
            "ENC[AES256_GCM,data:abc",
            "vault:secret/data/app#pw",
            "op://Prod/Db/password",
            "arn:aws:secretsmanager:eu-west-1:1:secret:x",
            "projects/1/secrets/db/versions/latest",
            "@Microsoft.KeyVault(SecretUri=https://x)",
            "!vault",
            "{{ vault_pw }}",
        ] {
            assert!(reference(v.as_bytes()), "{v:?}");
        }
        for v in [
            "0.12.6",
            "v1.2.3",
            "jjwt-api:0.12.6",
            "passay:1.6.4",
            "4.4.0-rc1",
        ] {
            assert!(version_or_coordinate(v.as_bytes()), "{v:?}");
        }
        for v in ["Xk9.mP2q", "2024.Secret!", "k8s:1a.2"] {
            assert!(!version_or_coordinate(v.as_bytes()), "{v:?}");
        }
        for v in [
            "ApiToken!",
            "String",
            "[Token!]!",
            "Option<Secret>",
            "string;",
        ] {
            assert!(type_annotation(v.as_bytes()), "{v:?}");
        }
        for v in ["Xk!Lm?Qp!Zr", "Welcome1!", "abc<def"] {
            assert!(!type_annotation(v.as_bytes()), "{v:?}");
        }
        for v in [
            "/run/secrets/db",
            "./creds.json",
            "https://vault.example.com/v1/x",
            "C:\\keys\\a.pfx",
        ] {
            assert!(path_or_url(v.as_bytes()), "{v:?}");
        }
        assert!(!path_or_url(b"/k9#Lm2!x"));
    }

    #[test]
    fn randomness() {
        for v in [
            "Zx9!kQ2#vL7m",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            "QwRtzPLkMnBvXcJh",
            "aB3dE-fG7hI_jK9lM",
        ] {
            assert!(random_enough(v.as_bytes()), "{v:?}");
        }
        for v in [
            "ACCESS_TOKEN",
            "insert_key_here",
            "getPasswordFromVault",
            "correct-horse-battery",
            "aaaaaaaaaa",
            "Password",
        ] {
            assert!(!random_enough(v.as_bytes()), "{v:?}");
        }
        assert!(slug(b"notification-service-v2-config"));
        assert!(!slug(b"aB3dE-fG7hI_jK9lMnOpQ"));
        assert!(placeholder_body(b"proj-xxxxxxxxxxxx"));
        assert!(placeholder_body(b"T00000000/B00000000"));
        assert!(!placeholder_body(b"Ab3kQ9zL0pW7"));
    }
}
