//! Header pairs as the host gives them: every pair, names lower-case, values as bytes, and
//! the two ways a rule reads one header (all its values; its one value, refusing a repeat).

/// The request head as the host gives it: every header pair, names lower-case, values as bytes.
pub type HeaderPairs = [(String, Vec<u8>)];

/// All values of header `name` (lower-case), in order.
pub fn values<'a>(headers: &'a HeaderPairs, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
    headers
        .iter()
        .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
}

/// A header that must be sent at most once was sent twice (two lines; a comma list counts
/// as one line here and is judged by the rule that reads the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeated;

/// The one value of header `name`; `Err` if it is sent more than once.
pub fn single<'a>(headers: &'a HeaderPairs, name: &'a str) -> Result<Option<&'a [u8]>, Repeated> {
    let mut it = values(headers, name);
    let first = it.next();
    if it.next().is_some() {
        return Err(Repeated);
    }
    Ok(first)
}
