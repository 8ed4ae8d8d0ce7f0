//! Base64url without padding (RFC 4648 §5), as a JWT writes its segments: shared by the tests
//! that build tokens.

/// `d` in base64url without padding.
pub fn b64url(d: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut o = String::new();
    for c in d.chunks(3) {
        let byte = |i: usize| u32::from(c.get(i).copied().unwrap_or(0));
        let n = byte(0) << 16 | byte(1) << 8 | byte(2);
        for k in 0..=c.len() {
            o.push(char::from(A[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    o
}
