//! The provider-key catalogue: literal prefixes with a body charset and length, and
//! keyword-introduced keys (a keyword, then a value of a fixed shape nearby). Formats from the
//! providers' own documentation (cited in `docs/detectors.md` and the quality sets under
//! `tests/quality/credentials/`); the gitleaks default rules were read for lengths the
//! documentation leaves out. The code is our own.

/// Which bytes may appear in a key body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `[A-Za-z0-9]`
    Alnum,
    /// `[A-Za-z0-9_-]` (base64url)
    Url,
    /// `[A-Za-z0-9_.-]`
    UrlDot,
    /// `[A-Za-z0-9+/=]`
    B64,
    /// `[0-9a-f]`
    HexLower,
    /// `[0-9a-fA-F]`
    Hex,
    /// `[A-Z0-9]`
    Upper,
    /// `[A-Za-z]`
    Alpha,
    /// `[A-Za-z0-9-]`
    AlnumDash,
    /// `[A-Za-z0-9_]`
    Word,
    /// `[0-9a-fA-F-]` (UUIDs)
    Uuid,
    /// `[A-Za-z0-9/]`
    AlnumSlash,
    /// `[a-z0-9]`
    LowerAlnum,
    /// `[A-Za-z0-9_/-]` (base64url and `/`: a webhook path)
    UrlSlash,
    /// `[A-Za-z0-9+/=_]` (base64 parts joined by `_`)
    B64Under,
    /// `[A-Za-z0-9_=-]` (base64url with a `=` before a checksum)
    UrlEq,
    /// `[A-Z0-9-]`
    UpperDash,
}

impl Charset {
    /// Whether `b` belongs to the set.
    pub fn has(self, b: u8) -> bool {
        match self {
            Charset::Alnum => b.is_ascii_alphanumeric(),
            Charset::Url => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
            Charset::UrlDot => b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.',
            Charset::B64 => b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=',
            Charset::HexLower => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
            Charset::Hex => b.is_ascii_hexdigit(),
            Charset::Upper => b.is_ascii_uppercase() || b.is_ascii_digit(),
            Charset::Alpha => b.is_ascii_alphabetic(),
            Charset::AlnumDash => b.is_ascii_alphanumeric() || b == b'-',
            Charset::Word => b.is_ascii_alphanumeric() || b == b'_',
            Charset::Uuid => b.is_ascii_hexdigit() || b == b'-',
            Charset::AlnumSlash => b.is_ascii_alphanumeric() || b == b'/',
            Charset::LowerAlnum => b.is_ascii_lowercase() || b.is_ascii_digit(),
            Charset::UrlSlash => b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/'),
            Charset::B64Under => {
                b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_')
            }
            Charset::UrlEq => b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'='),
            Charset::UpperDash => b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-',
        }
    }

    /// The bytes of the set, for generators.
    pub fn alphabet(self) -> Vec<u8> {
        (0u8..=127).filter(|&b| self.has(b) && b != b'=').collect()
    }
}

/// A key recognised by its literal prefix.
#[derive(Debug, Clone, Copy)]
pub struct PrefixKey {
    /// Rule id.
    pub id: &'static str,
    /// Literal prefixes (case-sensitive).
    pub prefixes: &'static [&'static str],
    /// Body charset after the prefix.
    pub body: Charset,
    /// Minimum body length.
    pub min: usize,
    /// Maximum body length.
    pub max: usize,
    /// The span starts at the body (the prefix is a field name such as `AccountKey=`).
    pub body_only: bool,
}

const fn pk(
    id: &'static str,
    prefixes: &'static [&'static str],
    body: Charset,
    min: usize,
    max: usize,
) -> PrefixKey {
    PrefixKey {
        id,
        prefixes,
        body,
        min,
        max,
        body_only: false,
    }
}

/// Keys found by their literal prefix. Order matters only for documentation.
pub const PREFIX_KEYS: &[PrefixKey] = &[
    pk(
        "openai_api_key",
        &["sk-", "sk-proj-", "sk-svcacct-", "sk-admin-"],
        Charset::Url,
        20,
        300,
    ),
    pk(
        "anthropic_api_key",
        &["sk-ant-api03-", "sk-ant-admin01-", "sk-ant-oat01-"],
        Charset::Url,
        80,
        120,
    ),
    pk(
        "openrouter_api_key",
        &["sk-or-v1-"],
        Charset::HexLower,
        64,
        64,
    ),
    pk(
        "aws_access_key_id",
        &["AKIA", "ASIA", "ABIA", "ACCA"],
        Charset::Upper,
        16,
        16,
    ),
    pk(
        "aws_bedrock_api_key",
        &["ABSKQmVkcm9ja0FQSUtleS", "bedrock-api-key-"],
        Charset::B64,
        100,
        1200,
    ),
    pk("gcp_api_key", &["AIza"], Charset::Url, 35, 35),
    pk(
        "github_token",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        Charset::Alnum,
        36,
        36,
    ),
    pk(
        "github_fine_grained_pat",
        &["github_pat_"],
        Charset::Word,
        82,
        82,
    ),
    pk(
        "gitlab_token",
        &[
            "glpat-",
            "gldt-",
            "glrt-",
            "glptt-",
            "glsoat-",
            "glcbt-",
            "glimt-",
            "glft-",
            "gloas-",
            "glagent-",
            "glffct-",
            "GR1348941",
        ],
        Charset::UrlDot,
        20,
        64,
    ),
    pk(
        "slack_token",
        &[
            "xoxb-",
            "xoxp-",
            "xoxa-",
            "xoxr-",
            "xoxe-",
            "xoxs-",
            "xapp-",
            "xoxe.xoxp-",
            "xoxe.xoxb-",
        ],
        Charset::AlnumDash,
        20,
        250,
    ),
    pk(
        "slack_webhook",
        &[
            "hooks.slack.com/services/",
            "hooks.slack.com/workflows/",
            "hooks.slack.com/triggers/",
        ],
        Charset::AlnumSlash,
        40,
        120,
    ),
    pk(
        "stripe_key",
        &[
            "sk_live_", "sk_test_", "rk_live_", "rk_test_", "sk_prod_", "rk_prod_",
        ],
        Charset::Alnum,
        20,
        247,
    ),
    pk("stripe_key", &["whsec_"], Charset::Alnum, 32, 64),
    pk("sendgrid_api_key", &["SG."], Charset::UrlDot, 66, 66),
    pk("mailgun_api_key", &["key-"], Charset::HexLower, 32, 32),
    pk("npm_token", &["npm_"], Charset::Alnum, 36, 36),
    pk(
        "pypi_token",
        &["pypi-AgEIcHlwaS5vcmc"],
        Charset::Url,
        50,
        300,
    ),
    pk(
        "huggingface_token",
        &["hf_", "api_org_"],
        Charset::Alpha,
        34,
        34,
    ),
    pk(
        "shopify_token",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        Charset::Hex,
        32,
        32,
    ),
    pk(
        "square_token",
        &["sq0atp-", "sq0csp-", "EAAA"],
        Charset::Url,
        22,
        60,
    ),
    pk(
        "discord_webhook",
        &["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
        Charset::UrlSlash,
        70,
        100,
    ),
    pk(
        "digitalocean_token",
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        Charset::HexLower,
        64,
        64,
    ),
    pk("heroku_api_key", &["HRKU-"], Charset::Url, 40, 70),
    pk(
        "cloudflare_origin_ca_key",
        &["v1.0-"],
        Charset::AlnumDash,
        150,
        180,
    ),
    pk("databricks_token", &["dapi"], Charset::HexLower, 32, 32),
    pk(
        "atlassian_api_token",
        &["ATATT3", "ATCTT3"],
        Charset::UrlEq,
        150,
        250,
    ),
    pk(
        "age_secret_key",
        &["AGE-SECRET-KEY-1"],
        Charset::Upper,
        58,
        58,
    ),
    pk("alibaba_access_key_id", &["LTAI"], Charset::Alnum, 20, 20),
    pk("clojars_token", &["CLOJARS_"], Charset::Alnum, 60, 60),
    pk(
        "doppler_token",
        &["dp.pt.", "dp.st.", "dp.ct.", "dp.sa."],
        Charset::Alnum,
        43,
        43,
    ),
    pk("dropbox_token", &["sl.u.", "sl.B"], Charset::Url, 130, 1400),
    pk(
        "duffel_token",
        &["duffel_test_", "duffel_live_"],
        Charset::Url,
        43,
        43,
    ),
    pk("dynatrace_token", &["dt0c01."], Charset::UrlDot, 89, 89),
    pk("easypost_token", &["EZAK", "EZTK"], Charset::Alnum, 54, 54),
    pk(
        "flutterwave_key",
        &["FLWSECK_TEST-", "FLWSECK-", "FLWPUBK_TEST-", "FLWPUBK-"],
        Charset::HexLower,
        32,
        32,
    ),
    pk("frameio_token", &["fio-u-"], Charset::Url, 64, 64),
    pk("grafana_token", &["glc_", "glsa_"], Charset::Url, 32, 400),
    pk("grafana_token", &["eyJrIjoi"], Charset::B64, 60, 400),
    pk(
        "vault_token",
        &["hvs.", "hvb.", "hvr."],
        Charset::Url,
        90,
        300,
    ),
    pk("vault_token", &["s."], Charset::Alnum, 24, 24),
    pk("terraform_token", &[".atlasv1."], Charset::Url, 60, 70),
    pk("linear_api_key", &["lin_api_"], Charset::Alnum, 40, 40),
    pk("newrelic_key", &["NRAK-"], Charset::Upper, 27, 27),
    pk("newrelic_key", &["NRJS-"], Charset::HexLower, 19, 19),
    pk("newrelic_key", &["NRII-"], Charset::AlnumDash, 32, 32),
    pk("onepassword_token", &["ops_eyJ"], Charset::B64, 250, 2000),
    pk(
        "planetscale_token",
        &["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
        Charset::UrlDot,
        32,
        64,
    ),
    pk("postman_api_key", &["PMAK-"], Charset::AlnumDash, 59, 59),
    pk("prefect_api_key", &["pnu_"], Charset::Alnum, 36, 36),
    pk("pulumi_token", &["pul-"], Charset::HexLower, 40, 40),
    pk("readme_api_key", &["rdme_"], Charset::LowerAlnum, 70, 70),
    pk("rubygems_token", &["rubygems_"], Charset::HexLower, 48, 48),
    pk("scalingo_token", &["tk-us-"], Charset::Url, 48, 48),
    pk("brevo_api_key", &["xkeysib-"], Charset::AlnumDash, 81, 81),
    pk("sentry_token", &["sntrys_"], Charset::B64Under, 60, 600),
    pk("sentry_token", &["sntryu_"], Charset::HexLower, 64, 64),
    pk(
        "shippo_token",
        &["shippo_live_", "shippo_test_"],
        Charset::HexLower,
        40,
        40,
    ),
    pk("sourcegraph_token", &["sgp_"], Charset::Word, 40, 60),
    pk("typeform_token", &["tfp_"], Charset::UrlDot, 59, 59),
    pk("replicate_token", &["r8_"], Charset::Alnum, 37, 37),
    pk("groq_api_key", &["gsk_"], Charset::Alnum, 52, 52),
    pk("perplexity_api_key", &["pplx-"], Charset::Alnum, 48, 48),
    pk("xai_api_key", &["xai-"], Charset::Alnum, 80, 80),
    pk("artifactory_token", &["AKCp"], Charset::Alnum, 69, 69),
    pk("artifactory_token", &["cmVmd"], Charset::Alnum, 59, 59),
    pk("flyio_token", &["fo1_"], Charset::Url, 43, 43),
    pk(
        "flyio_token",
        &["fm2_", "fm1r_", "fm1a_"],
        Charset::B64,
        100,
        4096,
    ),
    pk("notion_token", &["ntn_"], Charset::Alnum, 46, 46),
    pk("mapbox_secret_token", &["sk.eyJ"], Charset::UrlDot, 80, 300),
    pk("adobe_client_secret", &["p8e-"], Charset::AlnumDash, 32, 32),
    pk("contentful_token", &["CFPAT-"], Charset::Url, 43, 43),
    pk("infracost_api_key", &["ico-"], Charset::Alnum, 32, 32),
    pk("openshift_token", &["sha256~"], Charset::Url, 43, 43),
    pk(
        "defined_networking_key",
        &["dnkey-"],
        Charset::AlnumDash,
        60,
        100,
    ),
    pk("azure_storage_key", &["AccountKey="], Charset::B64, 88, 88),
    pk(
        "cloudflare_api_key",
        &["cfut_", "cfat_", "cfk_"],
        Charset::Alnum,
        44,
        56,
    ),
    pk(
        "aws_session_token",
        &["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdz"],
        Charset::B64,
        80,
        4096,
    ),
    pk(
        "docker_hub_token",
        &["dckr_pat_", "dckr_oat_"],
        Charset::Url,
        27,
        40,
    ),
    pk("supabase_token", &["sbp_"], Charset::HexLower, 40, 40),
    pk("supabase_token", &["sb_secret_"], Charset::Url, 30, 80),
    pk(
        "langsmith_api_key",
        &["lsv2_pt_", "lsv2_sk_"],
        Charset::Word,
        43,
        43,
    ),
    pk(
        "sonarqube_token",
        &["squ_", "sqp_", "sqa_"],
        Charset::HexLower,
        40,
        40,
    ),
    pk("pinecone_api_key", &["pcsk_"], Charset::Word, 40, 100),
    pk(
        "google_oauth_client_secret",
        &["GOCSPX-"],
        Charset::Url,
        28,
        28,
    ),
    pk(
        "onepassword_secret_key",
        &["A3-"],
        Charset::UpperDash,
        36,
        37,
    ),
];

/// A key introduced by a keyword: within `window` bytes after the keyword, the first token of
/// `charset` whose length is in `min..=max`.
#[derive(Debug, Clone, Copy)]
pub struct KeywordKey {
    /// Rule id.
    pub id: &'static str,
    /// Keywords (matched case-insensitively).
    pub keywords: &'static [&'static str],
    /// Value charset.
    pub body: Charset,
    /// Minimum value length.
    pub min: usize,
    /// Maximum value length.
    pub max: usize,
    /// The keyword must name the value (`name = value`, `name: value`, `--name value`): for
    /// values that look like hashes or ids (hex, UUIDs), prose near the keyword is not enough.
    pub assign: bool,
}

/// Keys recognised by a nearby keyword.
pub const KEYWORD_KEYS: &[KeywordKey] = &[
    KeywordKey {
        id: "aws_secret_access_key",
        keywords: &[
            "aws_secret_access_key",
            "secret_access_key",
            "secretaccesskey",
            "aws_secret_key",
            "aws secret",
            "aws-secret-access-key",
            "secret-access-key",
            "awssecretkey",
        ],
        body: Charset::B64,
        min: 40,
        max: 40,
        assign: false,
    },
    KeywordKey {
        id: "datadog_api_key",
        keywords: &[
            "datadog",
            "dd_api_key",
            "dd_app_key",
            "dd-api-key",
            "dd-application-key",
        ],
        body: Charset::HexLower,
        min: 32,
        max: 40,
        assign: false,
    },
    KeywordKey {
        id: "heroku_api_key",
        keywords: &["heroku"],
        body: Charset::Uuid,
        min: 36,
        max: 36,
        assign: true,
    },
    KeywordKey {
        id: "cloudflare_api_key",
        keywords: &["cloudflare", "cf_api_token", "cf_api_key", "cf-api-token"],
        body: Charset::Url,
        min: 37,
        max: 40,
        assign: false,
    },
    KeywordKey {
        id: "discord_bot_token",
        keywords: &["discord"],
        body: Charset::UrlDot,
        min: 59,
        max: 76,
        assign: false,
    },
    KeywordKey {
        id: "twilio_auth_token",
        keywords: &["twilio_auth_token", "twilio auth token", "twilio_token"],
        body: Charset::HexLower,
        min: 32,
        max: 32,
        assign: false,
    },
    KeywordKey {
        id: "mailchimp_api_key",
        keywords: &["mailchimp", "mc_api_key"],
        body: Charset::AlnumDash,
        min: 36,
        max: 37,
        assign: false,
    },
    KeywordKey {
        id: "okta_api_token",
        keywords: &["okta"],
        body: Charset::Url,
        min: 42,
        max: 42,
        assign: false,
    },
    KeywordKey {
        id: "aws_session_token",
        keywords: &[
            "aws_session_token",
            "aws-session-token",
            "aws_security_token",
        ],
        body: Charset::B64,
        min: 100,
        max: 4096,
        assign: false,
    },
    KeywordKey {
        id: "azure_storage_key",
        keywords: &[
            "azure_storage_key",
            "azure_storage_account_key",
            "azure-storage-key",
            "storage_account_key",
            "storageaccountkey",
            "account_key",
            "accountkey",
            "account-key",
            "storage_key",
            "storagekey",
            "storage-key",
            "storage account",
            "azure storage",
        ],
        body: Charset::B64,
        min: 88,
        max: 88,
        assign: false,
    },
    KeywordKey {
        id: "atlassian_api_token",
        keywords: &["atlassian", "jira", "confluence"],
        body: Charset::Alnum,
        min: 24,
        max: 24,
        assign: true,
    },
    KeywordKey {
        id: "newrelic_key",
        keywords: &["license_key"],
        body: Charset::Alnum,
        min: 40,
        max: 40,
        assign: false,
    },
    KeywordKey {
        id: "sentry_token",
        keywords: &["sentry"],
        body: Charset::HexLower,
        min: 64,
        max: 64,
        assign: true,
    },
    KeywordKey {
        id: "sourcegraph_token",
        keywords: &["src_access_token"],
        body: Charset::Hex,
        min: 40,
        max: 40,
        assign: true,
    },
    KeywordKey {
        id: "npm_token",
        keywords: &["authtoken", "npm_token", "npm_auth_token", "npmauthtoken"],
        body: Charset::Uuid,
        min: 36,
        max: 36,
        assign: true,
    },
];

/// Rule ids handled by dedicated code rather than the tables (Twilio SIDs, Telegram, Azure
/// client secrets).
pub(crate) const SPECIAL_KEYS: &[&str] = &[
    "twilio_api_key",
    "telegram_bot_token",
    "azure_client_secret",
];
