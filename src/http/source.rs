//! Source allowlists: CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`, a bare address) parsed once
//! at configure time, and the client address of a request: the downstream address Envoy
//! reports (`source.address`), or, when the policy trusts that many proxies in front, an entry
//! of `x-forwarded-for` counted from its right end.

use super::headers::{values, HeaderPairs};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One CIDR block, its address already masked to the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `addr/prefix` or a bare address (a single host). IPv4-mapped IPv6 blocks
    /// (`::ffff:10.0.0.0/104`) are kept as IPv6; addresses are compared after unmapping, so
    /// write IPv4 blocks as IPv4. Host bits must be zero (`10.0.0.1/8` is refused: it is
    /// usually a typo for something else). The error is a fixed text, never the value.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        const SHAPE: &str = "must be an IP address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`)";
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| SHAPE)?;
        let max = max_prefix(network);
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| SHAPE)?
            }
            Some(_) => return Err(SHAPE),
        };
        if prefix > max {
            return Err("the prefix length is longer than the address");
        }
        if mask(network, prefix) != network {
            return Err("has bits set after the prefix length (write the network address)");
        }
        Ok(Self { network, prefix })
    }

    /// True if `ip` is inside the block. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, as
    /// dual-stack listeners report IPv4 clients) are compared as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = unmapped(ip);
        match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(ip, self.prefix) == self.network
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// True if `ip` is in one of `blocks`.
pub fn allowed(blocks: &[Cidr], ip: IpAddr) -> bool {
    blocks.iter().any(|b| b.contains(ip))
}

/// An address as Envoy writes it (`10.1.2.3:5678`, `[2001:db8::1]:443`) or a bare address
/// (`10.1.2.3`, `2001:db8::1`, as `x-forwarded-for` entries are written). `None` for anything
/// else (a pipe path, a name, garbage).
pub fn parse_address(text: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(text).ok()?.trim();
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>().ok()
}

/// The request's client address: the downstream address Envoy reports when `xff_trusted_hops`
/// is 0; otherwise the `xff_trusted_hops`-th entry of `x-forwarded-for` counted from its right
/// end (every line of the header, joined as one list). `None` when the address cannot be
/// known (no address, too few entries, an entry that is not an address): the caller refuses.
pub fn client_address(
    headers: &HeaderPairs,
    downstream: Option<&[u8]>,
    xff_trusted_hops: u8,
) -> Option<IpAddr> {
    if xff_trusted_hops == 0 {
        return downstream.and_then(parse_address);
    }
    let mut entries: Vec<&[u8]> = Vec::new();
    for line in values(headers, "x-forwarded-for") {
        entries.extend(line.split(|b| *b == b','));
    }
    let n = usize::from(xff_trusted_hops);
    let index = entries.len().checked_sub(n)?;
    entries.get(index).and_then(|e| parse_address(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_parse_and_match() {
        let ten = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(ten.contains(ip("10.255.0.1")));
        assert!(!ten.contains(ip("11.0.0.1")));
        assert!(
            ten.contains(ip("::ffff:10.1.2.3")),
            "IPv4-mapped IPv6 is IPv4"
        );
        assert!(!ten.contains(ip("2001:db8::1")));
        let host = Cidr::parse("192.168.1.5").unwrap();
        assert!(host.contains(ip("192.168.1.5")) && !host.contains(ip("192.168.1.6")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("203.0.113.9")) && !all.contains(ip("::1")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("::1")));
        assert_eq!(
            Cidr::parse("172.16.0.0/12").unwrap().to_string(),
            "172.16.0.0/12"
        );
    }

    #[test]
    fn bad_blocks_are_refused_without_echoing() {
        for bad in [
            "",
            "10.9.0.0/",
            "10.9.0.0/33",
            "10.9.0.1/8",
            "10.9.0.0/+8",
            "10.9.0.0/08x",
            "2001:db9::/129",
            "example.com",
            "10.9.0.0/8/8",
            " 10.9.0.0/16",
        ] {
            let e = Cidr::parse(bad).unwrap_err();
            assert!(bad.is_empty() || !e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn addresses_as_envoy_and_proxies_write_them() {
        assert_eq!(parse_address(b"127.0.0.1:51012"), Some(ip("127.0.0.1")));
        assert_eq!(parse_address(b"[::1]:443"), Some(ip("::1")));
        assert_eq!(parse_address(b" 203.0.113.7 "), Some(ip("203.0.113.7")));
        assert_eq!(parse_address(b"2001:db8::7"), Some(ip("2001:db8::7")));
        assert_eq!(parse_address(b"[2001:db8::7]"), Some(ip("2001:db8::7")));
        assert_eq!(parse_address(b"unknown"), None);
        assert_eq!(parse_address(b"/tmp/sock"), None);
        assert_eq!(parse_address(&[0xff, 0x31]), None);
    }

    #[test]
    fn the_client_is_counted_from_the_right_of_x_forwarded_for() {
        let h = |lines: &[&str]| -> Vec<(String, Vec<u8>)> {
            lines
                .iter()
                .map(|l| ("x-forwarded-for".to_string(), l.as_bytes().to_vec()))
                .collect()
        };
        let peer = Some(&b"10.0.0.9:4000"[..]);
        // No trusted hop: the header is never read, whatever the client wrote.
        assert_eq!(
            client_address(&h(&["1.1.1.1"]), peer, 0),
            Some(ip("10.0.0.9"))
        );
        assert_eq!(client_address(&h(&[]), None, 0), None);
        // One trusted proxy appended the address it saw last; what the client wrote before
        // it is never taken.
        let spoofed = h(&["6.6.6.6, 203.0.113.5"]);
        assert_eq!(client_address(&spoofed, peer, 1), Some(ip("203.0.113.5")));
        assert_eq!(client_address(&spoofed, peer, 2), Some(ip("6.6.6.6")));
        // Lines are one list.
        let two_lines = h(&["6.6.6.6", "203.0.113.5, 10.0.0.1"]);
        assert_eq!(client_address(&two_lines, peer, 2), Some(ip("203.0.113.5")));
        // Too few entries, or an entry that is no address: unknown (refused by the caller).
        assert_eq!(client_address(&spoofed, peer, 3), None);
        assert_eq!(client_address(&h(&[]), peer, 1), None);
        assert_eq!(client_address(&h(&["unknown, 1.2.3.4"]), peer, 2), None);
    }
}
