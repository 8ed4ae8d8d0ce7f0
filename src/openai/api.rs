//! The APIs of the OpenAI surface: one name per resource family, as the official SDKs group
//! them (`client.chat.completions`, `client.vector_stores`, ...). The name is what a project's
//! `endpoints` lists, what the record's `api` says and what retention scopes are judged by.

/// The API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKind {
    /// `/v1/chat/completions`.
    ChatCompletions,
    /// `/v1/responses`.
    Responses,
    /// `/v1/completions`.
    Completions,
    /// `/v1/embeddings`.
    Embeddings,
    /// `/v1/moderations`.
    Moderations,
    /// `/v1/images/...`.
    Images,
    /// `/v1/audio/transcriptions`.
    AudioTranscriptions,
    /// `/v1/audio/translations`.
    AudioTranslations,
    /// `/v1/audio/speech`.
    AudioSpeech,
    /// `/v1/audio/voices` (custom voices from a recording).
    AudioVoices,
    /// `/v1/audio/voice_consents`.
    AudioVoiceConsents,
    /// `/v1/files`.
    Files,
    /// `/v1/uploads`.
    Uploads,
    /// `/v1/batches`.
    Batches,
    /// `/v1/vector_stores`.
    VectorStores,
    /// `/v1/assistants`.
    Assistants,
    /// `/v1/threads`.
    Threads,
    /// `/v1/conversations`.
    Conversations,
    /// `/v1/fine_tuning`.
    FineTuning,
    /// `/v1/evals`.
    Evals,
    /// `/v1/containers`.
    Containers,
    /// `/v1/models`.
    Models,
    /// `/v1/realtime` (sessions, client secrets, calls, the WebSocket).
    Realtime,
    /// `/v1/chatkit`.
    Chatkit,
    /// `/v1/skills`.
    Skills,
    /// `/v1/videos`.
    Videos,
    /// `/v1/webhook_endpoints`, `/v1/webhook_event_types`.
    Webhooks,
    /// `/v1/agents`.
    Agents,
    /// `/v1/vaults`.
    Vaults,
    /// `/v1/live`.
    Live,
    /// `/v1/decisions`.
    Decisions,
    /// `/v1/safety`.
    Safety,
    /// `/v1/content_provenance_checks`.
    ContentProvenanceChecks,
    /// The administration API: `/v1/organization/...` and `/v1/projects/...`.
    Admin,
    /// Anything else.
    Unknown,
}

impl ApiKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ApiKind] = &[
        ApiKind::ChatCompletions,
        ApiKind::Responses,
        ApiKind::Completions,
        ApiKind::Embeddings,
        ApiKind::Moderations,
        ApiKind::Images,
        ApiKind::AudioTranscriptions,
        ApiKind::AudioTranslations,
        ApiKind::AudioSpeech,
        ApiKind::AudioVoices,
        ApiKind::AudioVoiceConsents,
        ApiKind::Files,
        ApiKind::Uploads,
        ApiKind::Batches,
        ApiKind::VectorStores,
        ApiKind::Assistants,
        ApiKind::Threads,
        ApiKind::Conversations,
        ApiKind::FineTuning,
        ApiKind::Evals,
        ApiKind::Containers,
        ApiKind::Models,
        ApiKind::Realtime,
        ApiKind::Chatkit,
        ApiKind::Skills,
        ApiKind::Videos,
        ApiKind::Webhooks,
        ApiKind::Agents,
        ApiKind::Vaults,
        ApiKind::Live,
        ApiKind::Decisions,
        ApiKind::Safety,
        ApiKind::ContentProvenanceChecks,
        ApiKind::Admin,
        ApiKind::Unknown,
    ];

    /// Stable name for records, metrics and a project's `endpoints`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::ChatCompletions => "chat.completions",
            ApiKind::Responses => "responses",
            ApiKind::Completions => "completions",
            ApiKind::Embeddings => "embeddings",
            ApiKind::Moderations => "moderations",
            ApiKind::Images => "images",
            ApiKind::AudioTranscriptions => "audio.transcriptions",
            ApiKind::AudioTranslations => "audio.translations",
            ApiKind::AudioSpeech => "audio.speech",
            ApiKind::AudioVoices => "audio.voices",
            ApiKind::AudioVoiceConsents => "audio.voice_consents",
            ApiKind::Files => "files",
            ApiKind::Uploads => "uploads",
            ApiKind::Batches => "batches",
            ApiKind::VectorStores => "vector_stores",
            ApiKind::Assistants => "assistants",
            ApiKind::Threads => "threads",
            ApiKind::Conversations => "conversations",
            ApiKind::FineTuning => "fine_tuning",
            ApiKind::Evals => "evals",
            ApiKind::Containers => "containers",
            ApiKind::Models => "models",
            ApiKind::Realtime => "realtime",
            ApiKind::Chatkit => "chatkit",
            ApiKind::Skills => "skills",
            ApiKind::Videos => "videos",
            ApiKind::Webhooks => "webhooks",
            ApiKind::Agents => "agents",
            ApiKind::Vaults => "vaults",
            ApiKind::Live => "live",
            ApiKind::Decisions => "decisions",
            ApiKind::Safety => "safety",
            ApiKind::ContentProvenanceChecks => "content_provenance_checks",
            ApiKind::Admin => "admin",
            ApiKind::Unknown => "unknown",
        }
    }

    /// The API whose paths start with `segs` (after `/v1`): the resource a request names,
    /// whether or not its operation is one of the API's.
    pub fn of_path(segs: &[&str]) -> ApiKind {
        match segs {
            ["chat", "completions", ..] => ApiKind::ChatCompletions,
            ["audio", "transcriptions", ..] => ApiKind::AudioTranscriptions,
            ["audio", "translations", ..] => ApiKind::AudioTranslations,
            ["audio", "speech", ..] => ApiKind::AudioSpeech,
            ["audio", "voices", ..] => ApiKind::AudioVoices,
            ["audio", "voice_consents", ..] => ApiKind::AudioVoiceConsents,
            ["webhook_endpoints" | "webhook_event_types", ..] => ApiKind::Webhooks,
            ["organization" | "projects", ..] => ApiKind::Admin,
            [first, ..] => ApiKind::ALL
                .iter()
                .copied()
                .find(|k| k.as_str() == *first && !k.as_str().contains('.'))
                .unwrap_or(ApiKind::Unknown),
            [] => ApiKind::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_paths_name_their_api() {
        for (i, a) in ApiKind::ALL.iter().enumerate() {
            for b in ApiKind::ALL.iter().skip(i + 1) {
                assert_ne!(a.as_str(), b.as_str());
            }
        }
        for (segs, kind) in [
            (&["chat", "completions"][..], ApiKind::ChatCompletions),
            (&["chat"][..], ApiKind::Unknown),
            (&["vector_stores", "vs_1"][..], ApiKind::VectorStores),
            (&["organization", "invites"][..], ApiKind::Admin),
            (&["audio", "voices"][..], ApiKind::AudioVoices),
            (&["audio"][..], ApiKind::Unknown),
            (
                &["content_provenance_checks"][..],
                ApiKind::ContentProvenanceChecks,
            ),
            (&["unknown"][..], ApiKind::Unknown),
            (&[][..], ApiKind::Unknown),
        ] {
            assert_eq!(ApiKind::of_path(segs), kind, "{segs:?}");
        }
    }
}
