//! Small wrappers over proxy-wasm host calls that return `Result`/`Option` instead of
//! panicking, and read headers as bytes (the SDK's string getters panic on non-UTF-8 values).

use proxy_wasm::hostcalls;
use proxy_wasm::types::{BufferType, LogLevel, MapType, MetricType, Status};

/// Every request header pair, values as bytes.
pub fn request_headers() -> Result<Vec<(String, Vec<u8>)>, Status> {
    hostcalls::get_map_bytes(MapType::HttpRequestHeaders)
}

/// Every response header pair, values as bytes.
pub fn response_headers() -> Result<Vec<(String, Vec<u8>)>, Status> {
    hostcalls::get_map_bytes(MapType::HttpResponseHeaders)
}

/// Sets (replaces) a request header.
pub fn set_request_header(name: &str, value: &[u8]) -> Result<(), Status> {
    hostcalls::set_map_value_bytes(MapType::HttpRequestHeaders, name, Some(value))
}

/// Sets (`Some`) or removes (`None`) a request header.
pub fn edit_request_header(name: &str, value: Option<&[u8]>) -> Result<(), Status> {
    hostcalls::set_map_value_bytes(MapType::HttpRequestHeaders, name, value)
}

/// The buffered request body, `size` bytes from the start.
pub fn request_body(size: usize) -> Result<Vec<u8>, Status> {
    Ok(hostcalls::get_buffer(BufferType::HttpRequestBody, 0, size)?.unwrap_or_default())
}

/// Replaces the first `size` bytes of the buffered request body with `bytes`.
pub fn replace_request_body(size: usize, bytes: &[u8]) -> Result<(), Status> {
    hostcalls::set_buffer(BufferType::HttpRequestBody, 0, size, bytes)
}

/// Sends a local JSON reply (the request goes no further), with `extra` headers.
pub fn json_reply(status: u16, body: &str, extra: &[(&str, String)]) -> Result<(), Status> {
    let mut headers = vec![("content-type", "application/json")];
    headers.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
    hostcalls::send_http_response(u32::from(status), headers, Some(body.as_bytes()))
}

/// Milliseconds since the Unix epoch, by the host's clock (0 if unavailable).
pub fn now_ms() -> u64 {
    hostcalls::get_current_time()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The plugin configuration bytes.
pub fn plugin_configuration() -> Vec<u8> {
    hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// `size` bytes of the current response body chunk.
pub fn response_body(size: usize) -> Result<Vec<u8>, Status> {
    Ok(hostcalls::get_buffer(BufferType::HttpResponseBody, 0, size)?.unwrap_or_default())
}

/// The last `want` (at most `size`) bytes of the current response body chunk of `size`.
pub fn response_body_end(size: usize, want: usize) -> Result<Vec<u8>, Status> {
    let n = size.min(want);
    Ok(hostcalls::get_buffer(BufferType::HttpResponseBody, size - n, n)?.unwrap_or_default())
}

/// Replaces the first `size` bytes of the current response body chunk with `bytes`.
pub fn replace_response_body(size: usize, bytes: &[u8]) -> Result<(), Status> {
    hostcalls::set_buffer(BufferType::HttpResponseBody, 0, size, bytes)
}

/// Removes a response header.
pub fn remove_response_header(name: &str) -> Result<(), Status> {
    hostcalls::set_map_value_bytes(MapType::HttpResponseHeaders, name, None)
}

/// A host property as bytes (`None` when unset or unavailable).
pub fn property(path: &[&str]) -> Option<Vec<u8>> {
    hostcalls::get_property(path.to_vec()).ok().flatten()
}

/// Sets a property in the stream's filter state (Envoy: `wasm.<name>`, readable by the access
/// log as `%FILTER_STATE(wasm.<name>:PLAIN)%`).
pub fn set_property(name: &str, value: &[u8]) -> Result<(), Status> {
    hostcalls::set_property(vec![name], Some(value))
}

/// Writes one line to the host's log at `level`, bypassing the `log` crate's max level.
pub fn log_line(level: LogLevel, line: &str) {
    // Nothing useful can be done when logging itself fails.
    let _ = hostcalls::log(level, line);
}

/// Defines a counter (once per VM per name).
pub fn define_counter(name: &str) -> Result<u32, Status> {
    hostcalls::define_metric(MetricType::Counter, name)
}

/// Adds `by` to a counter.
pub fn increment(id: u32, by: u64) -> Result<(), Status> {
    hostcalls::increment_metric(id, i64::try_from(by).unwrap_or(i64::MAX))
}
