//! IP addresses: an IPv4 dotted quad from its digit groups (RFC 791; with a CIDR prefix length,
//! RFC 4632, the finding covers `/len`), and IPv6 from the hex/colon run around a digit word
//! (RFC 4291 text forms, parsed by `std::net`), with its prefix length (`/64`) or zone id
//! (`%eth0`, RFC 4007 §11; `%25eth0` in a URI, RFC 6874).

use super::checksum::num;
use super::numeric::Group;
use super::text::{at, before, context_before, is_word};

const VERSION_CTX: &[&str] = &[
    "version", "ver.", "ver ", "release", "build", "firmware", "v.",
];

/// The end of the IPv4 address (and prefix length) that the group `g` starts with, when its
/// first four groups are a dotted quad that is not a version number, nor an address that
/// identifies no one: loopback (127.0.0.0/8), unspecified (0.0.0.0) or limited broadcast
/// (255.255.255.255) (RFC 6890 §2.2.2).
pub(super) fn ipv4(t: &[u8], g: &Group) -> Option<usize> {
    let sizes = g.sizes();
    let mut k = 0usize;
    let mut octets = [0u64; 4];
    for (&sz, o) in sizes.get(..4)?.iter().zip(octets.iter_mut()) {
        let sz = usize::from(sz);
        let part = g.digits().get(k..k + sz)?;
        *o = num(part)?;
        if sz == 0 || sz > 3 || (sz > 1 && part.first() == Some(&b'0')) || *o > 255 {
            return None;
        }
        k += sz;
    }
    if octets[0] == 127 || octets == [0; 4] || octets == [255; 4] {
        return None;
    }
    if matches!(before(t, g.start), b'v' | b'V')
        || context_before(t, g.start, VERSION_CTX, 24, None)
    {
        return None;
    }
    let end = *g.ends().get(3)?;
    // `/len`: 0-32 without a leading zero.
    if g.seps().get(3) == Some(&b'/') {
        let p = g.digits().get(k..k + usize::from(*sizes.get(4)?))?;
        if !p.is_empty()
            && p.len() <= 2
            && (p.len() == 1 || p.first() != Some(&b'0'))
            && num(p)? <= 32
        {
            return g.ends().get(4).copied();
        }
    }
    Some(end)
}

/// An IPv6 address in the hex/colon run around `s`: returns its span, with a prefix length or
/// a zone id after it, and whether it identifies a host (not the loopback `::1` or the
/// unspecified `::`, RFC 4291 §2.5.2-3).
pub(super) fn ipv6(t: &[u8], s: usize) -> Option<(usize, usize, bool)> {
    let hexcolon = |b: u8| b.is_ascii_hexdigit() || b == b':';
    let mut a = s;
    while a > 0 && s - a < 45 && hexcolon(before(t, a)) {
        a -= 1;
    }
    let mut b = s;
    while b < t.len() && b - a < 46 && (hexcolon(at(t, b)) || at(t, b) == b'.') {
        b += 1;
    }
    if is_word(before(t, a)) || before(t, a) == b'.' {
        return None;
    }
    while b > a && at(t, b - 1) == b'.' {
        b -= 1;
    }
    for end in [b, b.saturating_sub(1)] {
        if end <= a || is_word(at(t, end)) {
            continue;
        }
        let cand = t.get(a..end)?;
        if cand.iter().filter(|&&c| c == b':').count() < 2 {
            continue;
        }
        let text = std::str::from_utf8(cand).ok()?;
        if let Ok(ip) = text.parse::<std::net::Ipv6Addr>() {
            let host = !(ip.is_loopback() || ip.is_unspecified());
            return Some((a, suffix_end(t, end), host));
        }
    }
    None
}

/// The end of a `/len` (0-128) or `%zone` right after an IPv6 address ending at `end`.
fn suffix_end(t: &[u8], end: usize) -> usize {
    match at(t, end) {
        b'/' => {
            let mut i = end + 1;
            while i - end <= 3 && at(t, i).is_ascii_digit() {
                i += 1;
            }
            let p = t.get(end + 1..i).unwrap_or(&[]);
            let ok = !p.is_empty()
                && (p.len() == 1 || p.first() != Some(&b'0'))
                && num(p).is_some_and(|n| n <= 128)
                && !is_word(at(t, i));
            if ok {
                i
            } else {
                end
            }
        }
        b'%' => {
            let zone = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'~');
            let mut i = end + 1;
            while i - end <= 64 && zone(at(t, i)) {
                i += 1;
            }
            // A sentence's full stop is not part of the zone.
            while i > end + 1 && matches!(at(t, i - 1), b'.' | b'-' | b'~') {
                i -= 1;
            }
            if i > end + 1 {
                i
            } else {
                end
            }
        }
        _ => end,
    }
}

#[cfg(test)]
mod tests {
    use super::ipv6;

    #[test]
    fn ipv6_with_prefix_or_zone() {
        let cases: &[(&str, &str)] = &[
            ("net 2001:db8::/32 ok", "2001:db8::/32"),
            ("fe80::1%eth0.", "fe80::1%eth0"),
            ("http://[fe80::a%25en1]/", "fe80::a%25en1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("2001:db8::/129 bad prefix", "2001:db8::"),
            ("2001:db8::1%", "2001:db8::1"),
        ];
        for (text, want) in cases {
            let t = text.as_bytes();
            let s = t.iter().position(u8::is_ascii_digit).unwrap();
            let (a, b, host) = ipv6(t, s).unwrap();
            assert_eq!(&text[a..b], *want, "{text}");
            assert!(host, "{text}");
        }
        for text in ["bound to ::1", "listen [::1]:80", "::0"] {
            let t = text.as_bytes();
            let s = t.iter().position(u8::is_ascii_digit).unwrap();
            assert!(!ipv6(t, s).unwrap().2, "{text}");
        }
    }
}
