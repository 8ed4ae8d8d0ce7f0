//! What a request carries that the filter cannot scan, counted by kind. Every member of the
//! class is handled by one policy setting (`unscannable`: forward and count, or refuse):
//! - `inline_base64`: `data:` URLs and long base64 runs inside JSON (an `image_url`, an
//!   `input_file.file_data`, an `input_audio.data`), also in a query string;
//! - `binary_upload`: a file part of a multipart body that is not JSONL the filter reads (a
//!   document, an image, audio, an upload part);
//! - `token_ids`: a `prompt` or `input` given as token ids (arrays of integers);
//! - `websocket`: a WebSocket upgrade, whose frames the filter does not read;
//! - `webrtc`: a realtime call opened with a WebRTC offer: its media never passes the filter.

use serde::Serialize;

/// Counts per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Unscannable {
    /// `data:` URLs and base64 blobs.
    pub inline_base64: u32,
    /// Files that are not inspected JSONL.
    pub binary_upload: u32,
    /// Arrays of token ids.
    pub token_ids: u32,
    /// WebSocket upgrades.
    pub websocket: u32,
    /// WebRTC offers.
    pub webrtc: u32,
}

impl Unscannable {
    /// All members of all kinds.
    pub fn total(&self) -> u32 {
        self.inline_base64
            .saturating_add(self.binary_upload)
            .saturating_add(self.token_ids)
            .saturating_add(self.websocket)
            .saturating_add(self.webrtc)
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &Unscannable) {
        self.inline_base64 = self.inline_base64.saturating_add(other.inline_base64);
        self.binary_upload = self.binary_upload.saturating_add(other.binary_upload);
        self.token_ids = self.token_ids.saturating_add(other.token_ids);
        self.websocket = self.websocket.saturating_add(other.websocket);
        self.webrtc = self.webrtc.saturating_add(other.webrtc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_serialise_by_kind() {
        let mut u = Unscannable {
            inline_base64: 2,
            ..Unscannable::default()
        };
        u.add(&Unscannable {
            binary_upload: 1,
            token_ids: 1,
            ..Unscannable::default()
        });
        assert_eq!(u.total(), 4);
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            r#"{"inline_base64":2,"binary_upload":1,"token_ids":1,"websocket":0,"webrtc":0}"#
        );
    }
}
