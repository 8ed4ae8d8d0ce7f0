//! The OpenAI API's own member names, and what the walker makes of each: the value of a
//! structural name is an identifier or enum, of a flow name conversation text. In a request
//! body every other member name is data the caller chose (a `metadata` key, a property of a
//! tool's JSON schema, a `logit_bias` token, a field the walker does not know) and is scanned
//! like a value.
//!
//! The list is the request vocabulary of the endpoints the filter serves (batch input lines
//! and items sent back to the Responses API included) plus the JSON Schema keywords (tool
//! parameters, structured outputs). A name on it is never scanned, which loses nothing: a
//! caller's name that equals an API word tells no more than the word. A name missing from it
//! is scanned: the built-in detectors find nothing in an identifier such as
//! `max_output_tokens`, but a customer term or pattern equal to it would rewrite it, so the
//! list errs on the generous side.

/// Keys whose string values are identifiers or enums, never free text.
const STRUCTURAL: &[&str] = &[
    "model",
    "role",
    "type",
    "object",
    "id",
    "tool_call_id",
    "call_id",
    "previous_response_id",
    "encoding_format",
    "service_tier",
    "reasoning_effort",
    "effort",
    "voice",
    "status",
    "detail",
    "truncation",
    // The API's own ciphertext (reasoning items sent back under zero retention): it decrypts
    // it or refuses it, so it carries nothing the caller wrote.
    "encrypted_content",
];

/// Keys whose string values are conversation text: consecutive ones are scanned as one flow
/// (joined by a space), so a value split across two messages is found.
const FLOW: &[&str] = &[
    "content",
    "text",
    "input",
    "prompt",
    "instructions",
    "output",
];

/// What an API word is to the walker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// One of [`STRUCTURAL`].
    Structural,
    /// One of [`FLOW`].
    Flow,
    /// Any other word of [`API_NAMES`].
    Api,
}

/// Sorted (byte order) and unique (a test checks both; the order only keeps it readable).
const API_NAMES: &[&str] = &[
    "$anchor",
    "$comment",
    "$defs",
    "$dynamicAnchor",
    "$dynamicRef",
    "$id",
    "$recursiveAnchor",
    "$recursiveRef",
    "$ref",
    "$schema",
    "$vocabulary",
    "acknowledged_safety_checks",
    "action",
    "additionalItems",
    "additionalProperties",
    "additional_instructions",
    "additional_messages",
    "allOf",
    "allowed_domains",
    "allowed_tools",
    "always",
    "anchor",
    "annotations",
    "anyOf",
    "approval_request_id",
    "approve",
    "approximate",
    "arguments",
    "assistant_id",
    "attachments",
    "attributes",
    "audio",
    "authorization",
    "auto_parse",
    "background",
    "batch_size",
    "best_of",
    "beta",
    "body",
    "button",
    "bytes",
    "calculate_output",
    "call_id",
    "chunk_overlap_tokens",
    "chunking_strategy",
    "city",
    "code",
    "code_interpreter",
    "command",
    "commands",
    "completion_window",
    "compute_multiplier",
    "connector_id",
    "const",
    "container",
    "container_id",
    "contains",
    "content",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "context_management",
    "conversation",
    "country",
    "create_response",
    "current_url",
    "custom",
    "custom_id",
    "data",
    "data_sources",
    "days",
    "default",
    "definition",
    "definitions",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "deprecated",
    "description",
    "detail",
    "diff",
    "dimensions",
    "discriminator",
    "display_height",
    "display_width",
    "dpo",
    "eagerness",
    "echo",
    "effort",
    "else",
    "embedding_weight",
    "encoding_format",
    "encrypted_content",
    "end_index",
    "endpoint",
    "entity",
    "enum",
    "env",
    "environment",
    "error",
    "eval_interval",
    "eval_samples",
    "evaluation_metric",
    "example",
    "examples",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "exit_code",
    "expires_after",
    "file",
    "file_data",
    "file_id",
    "file_ids",
    "file_search",
    "file_url",
    "filename",
    "files",
    "filters",
    "format",
    "frequency_penalty",
    "function",
    "function_call",
    "functions",
    "generate_summary",
    "grader",
    "graders",
    "grammar",
    "headers",
    "hybrid_search",
    "hyperparameters",
    "id",
    "idle_timeout_ms",
    "if",
    "image_file",
    "image_generation",
    "image_tag",
    "image_url",
    "images",
    "include",
    "include_obfuscation",
    "include_usage",
    "index",
    "input",
    "input_audio",
    "input_audio_format",
    "input_audio_transcription",
    "input_fidelity",
    "input_file",
    "input_file_id",
    "input_image",
    "input_image_mask",
    "input_schema",
    "input_text",
    "instructions",
    "integrations",
    "interrupt_response",
    "item_reference",
    "items",
    "json_schema",
    "key",
    "keys",
    "language",
    "last_messages",
    "learning_rate_multiplier",
    "local_shell",
    "logit_bias",
    "logprob",
    "logprobs",
    "logs",
    "mapping",
    "mask",
    "maxContains",
    "maxItems",
    "maxLength",
    "maxProperties",
    "max_chunk_size_tokens",
    "max_completion_tokens",
    "max_num_results",
    "max_output_length",
    "max_output_tokens",
    "max_prompt_tokens",
    "max_response_output_tokens",
    "max_tokens",
    "max_tool_calls",
    "maximum",
    "mcp",
    "md5",
    "memory_limit",
    "message",
    "messages",
    "metadata",
    "method",
    "mime_type",
    "minContains",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "minutes",
    "modalities",
    "mode",
    "model",
    "moderation",
    "multipleOf",
    "n",
    "n_epochs",
    "name",
    "never",
    "noise_reduction",
    "not",
    "nullable",
    "object",
    "oneOf",
    "operation",
    "outcome",
    "output",
    "output_audio_format",
    "output_compression",
    "output_expires_after",
    "output_format",
    "output_modalities",
    "output_text",
    "outputs",
    "parallel_tool_calls",
    "parameters",
    "part_ids",
    "partial_images",
    "path",
    "pattern",
    "patternProperties",
    "pending_safety_checks",
    "prediction",
    "prefixItems",
    "prefix_padding_ms",
    "presence_penalty",
    "previous_response_id",
    "project",
    "project_ids",
    "prompt",
    "prompt_cache_key",
    "prompt_cache_retention",
    "properties",
    "propertyName",
    "propertyNames",
    "purpose",
    "quality",
    "queries",
    "query",
    "range",
    "ranker",
    "ranking_options",
    "rate",
    "readOnly",
    "read_only",
    "reason",
    "reasoning",
    "reasoning_effort",
    "reference",
    "refusal",
    "region",
    "reinforcement",
    "require_approval",
    "required",
    "response_format",
    "result",
    "results",
    "rewrite_query",
    "role",
    "safety_identifier",
    "sampling_params",
    "schema",
    "score",
    "score_threshold",
    "scroll_x",
    "scroll_y",
    "search_context_size",
    "seconds",
    "seed",
    "server_description",
    "server_label",
    "server_url",
    "service_tier",
    "session",
    "shell",
    "silence_duration_ms",
    "size",
    "source",
    "sources",
    "speed",
    "start_index",
    "static",
    "status",
    "stderr",
    "stdout",
    "stop",
    "store",
    "stream",
    "stream_format",
    "stream_options",
    "strict",
    "style",
    "suffix",
    "summary",
    "supervised",
    "syntax",
    "tags",
    "temperature",
    "text",
    "text_weight",
    "then",
    "thread",
    "threshold",
    "timeout_ms",
    "timezone",
    "title",
    "token",
    "tool_call_id",
    "tool_calls",
    "tool_choice",
    "tool_names",
    "tool_outputs",
    "tool_resources",
    "tools",
    "top_logprobs",
    "top_p",
    "tracing",
    "training_file",
    "transcription",
    "truncation",
    "truncation_strategy",
    "turn_detection",
    "type",
    "unevaluatedItems",
    "unevaluatedProperties",
    "uniqueItems",
    "url",
    "user",
    "user_location",
    "user_security_context",
    "validation_file",
    "value",
    "variables",
    "vector_store_ids",
    "vector_stores",
    "verbosity",
    "version",
    "voice",
    "wandb",
    "web_search",
    "web_search_options",
    "web_search_preview",
    "working_directory",
    "writeOnly",
    "x",
    "y",
];

/// Open-addressing slots of the word table (a power of two, over twice the words).
const SLOTS: usize = 1024;
/// An empty slot.
const EMPTY: u16 = u16::MAX;

/// FNV-1a: every member name of every request is looked up, most of them a few bytes long.
fn hash(b: &[u8]) -> usize {
    let h = b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| {
        (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
    });
    (h ^ (h >> 32)) as usize
}

/// The words by hash, built once per VM: (slot → index into [`API_NAMES`], each word's kind).
struct Table {
    slots: Vec<u16>,
    kinds: Vec<Word>,
}

fn table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut slots = vec![EMPTY; SLOTS];
        for (i, w) in API_NAMES.iter().enumerate() {
            let mut s = hash(w.as_bytes());
            for _ in 0..SLOTS {
                match slots.get_mut(s % SLOTS) {
                    Some(e) if *e == EMPTY => {
                        *e = u16::try_from(i).unwrap_or(EMPTY);
                        break;
                    }
                    _ => s = s.wrapping_add(1),
                }
            }
        }
        let kinds = API_NAMES
            .iter()
            .map(|w| {
                if STRUCTURAL.contains(w) {
                    Word::Structural
                } else if FLOW.contains(w) {
                    Word::Flow
                } else {
                    Word::Api
                }
            })
            .collect();
        Table { slots, kinds }
    })
}

/// No word of [`API_NAMES`] is longer (a test checks): a longer name is no API word, unhashed.
const LONGEST: usize = 32;

/// What `name` (a member name as decoded) is, if it is one of the API's own words. One hash
/// and, as a rule, one comparison.
pub fn word(name: &str) -> Option<Word> {
    if name.len() > LONGEST {
        return None;
    }
    let t = table();
    let mut s = hash(name.as_bytes());
    for _ in 0..SLOTS {
        let i = usize::from(*t.slots.get(s % SLOTS)?);
        if API_NAMES.get(i)? == &name {
            return t.kinds.get(i).copied();
        }
        s = s.wrapping_add(1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_unique() {
        for pair in API_NAMES.windows(2) {
            assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn every_word_is_found_and_none_is_too_long_to_be_looked_up() {
        for w in API_NAMES {
            assert!(w.len() <= LONGEST, "{w}");
            assert!(word(w).is_some(), "{w}");
        }
        assert!(API_NAMES.len() * 2 < SLOTS);
        for w in STRUCTURAL {
            assert_eq!(word(w), Some(Word::Structural), "{w}");
        }
        for w in FLOW {
            assert_eq!(word(w), Some(Word::Flow), "{w}");
        }
        assert_eq!(word("messages"), Some(Word::Api));
    }

    #[test]
    fn api_words_are_known_and_caller_words_are_not() {
        for name in [
            "model",
            "messages",
            "$defs",
            "additionalProperties",
            "x",
            "tool_calls",
        ] {
            assert!(word(name).is_some(), "{name}");
        }
        for name in [
            "jane@example.com",
            "Model",
            "customer",
            "",
            "model ",
            "4111111111111111",
        ] {
            assert!(word(name).is_none(), "{name}");
        }
    }
}
