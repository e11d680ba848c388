//! Shared detectors for the no-secrets rules: secret-looking names, known token
//! formats, credentials in URLs and high-entropy strings.

use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

/// Words that make a variable name secret-looking (BuildKit's
/// `SecretsUsedInArgOrEnv` list, plus a few common spellings).
const SECRET_WORDS: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "passwd",
    "pword",
    "pass",
    "secret",
    "token",
    "privatekey",
    "accesskey",
    "secretkey",
];

/// Name parts that say the value is a reference to a secret, not the secret.
const REFERENCE_WORDS: &[&str] = &[
    "file", "path", "dir", "location", "url", "uri", "endpoint", "id", "name", "type", "public", "pub", "gpg",
    "header", "length", "timeout", "ttl", "expiry", "expires",
];

/// Splits `MY_API_KEY`, `myApiKey` and `my-api-key` into lowercase words.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a variable name looks like it holds a secret.
pub(crate) fn is_secret_name(name: &str) -> bool {
    // Every secret word and joined spelling contains one of these: an ASCII name without any of them is
    // not secret-looking, and most names are ASCII and not secret-looking (checked for every ARG, ENV and
    // assignment).
    if name.is_ascii() {
        if !has_secret_stem(name.as_bytes()) {
            return false;
        }
        if let Some(hit) = ascii_secret_name(name.as_bytes()) {
            return hit;
        }
    }
    let ws = words(name);
    let joined = ws.concat();
    let hit = ws.iter().any(|w| SECRET_WORDS.contains(&w.as_str())) || JOINED.iter().any(|k| joined.contains(k));
    hit && !ws.iter().any(|w| REFERENCE_WORDS.contains(&w.as_str()))
}

/// Spellings that make a name secret-looking wherever they are in its joined words.
const JOINED: &[&str] = &["apikey", "accesskey", "secretkey", "privatekey", "authtoken", "password"];

/// Longest ASCII name [`ascii_secret_name`] splits on the stack.
const SHORT_NAME: usize = 128;

/// [`is_secret_name`]'s word check for an ASCII name of at most [`SHORT_NAME`] bytes, without allocating:
/// the words of [`words`] are runs of one lowercase buffer (their concatenation), each looked at as it
/// ends. `None` for longer names.
fn ascii_secret_name(name: &[u8]) -> Option<bool> {
    if name.len() > SHORT_NAME {
        return None;
    }
    let mut joined = [0u8; SHORT_NAME];
    let (mut len, mut start) = (0usize, 0usize);
    let mut secret = false;
    // Looks at the word `joined[start..len]`, if any: `false` when it is a reference word (the name is then
    // not secret-looking, whatever else it holds).
    let mut word_ends = |joined: &[u8; SHORT_NAME], start: &mut usize, len: usize| {
        let w = joined.get(*start..len).unwrap_or_default();
        *start = len;
        if w.is_empty() {
            return true;
        }
        secret = secret || is_secret_word(w);
        !is_reference_word(w)
    };
    let mut prev_lower = false;
    for &c in name {
        if matches!(c, b'_' | b'-' | b'.') {
            if !word_ends(&joined, &mut start, len) {
                return Some(false);
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !word_ends(&joined, &mut start, len) {
            return Some(false);
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        *joined.get_mut(len)? = c.to_ascii_lowercase();
        len += 1;
    }
    if !word_ends(&joined, &mut start, len) {
        return Some(false);
    }
    Some(secret || has_joined_spelling(joined.get(..len)?))
}

/// Whether a lowercase word is one of [`SECRET_WORDS`].
fn is_secret_word(w: &[u8]) -> bool {
    SECRET_WORDS.iter().any(|s| s.as_bytes() == w)
}

/// Whether a lowercase word is one of [`REFERENCE_WORDS`].
fn is_reference_word(w: &[u8]) -> bool {
    REFERENCE_WORDS.iter().any(|s| s.as_bytes() == w)
}

/// Whether lowercase `joined` holds one of [`JOINED`].
fn has_joined_spelling(joined: &[u8]) -> bool {
    JOINED.iter().any(|k| memchr::memmem::find(joined, k.as_bytes()).is_some())
}

/// Stems one of which every secret word and joined spelling holds, in any case.
const STEMS: &[&str] = &["key", "pass", "pword", "secret", "token", "auth", "credential"];

/// Whether `name` holds one of [`STEMS`], ignoring ASCII case: one pass of an automaton built once
/// (asked of every ARG, ENV and assignment name).
fn has_secret_stem(name: &[u8]) -> bool {
    static ANY_STEM: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        AhoCorasick::builder().ascii_case_insensitive(true).match_kind(MatchKind::LeftmostFirst).build(STEMS).ok()
    });
    ANY_STEM.as_ref().is_none_or(|ac| ac.is_match(name))
}

/// A token format: its name, the literals one of which every match holds, and its expression.
struct TokenFormat {
    name: &'static str,
    literals: &'static [&'static str],
    pattern: &'static str,
    compiled: OnceLock<Option<Regex>>,
}
const fn token_format(name: &'static str, literals: &'static [&'static str], pattern: &'static str) -> TokenFormat {
    TokenFormat { name, literals, pattern, compiled: OnceLock::new() }
}
static TOKEN_FORMATS: [TokenFormat; 10] = [
    token_format("an AWS access key id", &["AKIA", "ASIA"], r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    token_format(
        "a GitHub token",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b",
    ),
    token_format("a GitHub fine-grained token", &["github_pat_"], r"\bgithub_pat_[A-Za-z0-9_]{60,}\b"),
    token_format("a GitLab token", &["glpat-"], r"\bglpat-[A-Za-z0-9_\-]{20,}\b"),
    token_format("a Slack token", &["xox"], r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
    token_format("a Stripe live key", &["_live_"], r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b"),
    token_format("a Google API key", &["AIza"], r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    token_format("an npm token", &["npm_"], r"\bnpm_[A-Za-z0-9]{36}\b"),
    token_format("a PyPI token", &["pypi-"], r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}"),
    token_format(
        "a private key",
        &["-----BEGIN "],
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----",
    ),
];

/// A known token format found in `text`: its name and byte range.
pub(crate) fn find_token(text: &str) -> Option<(&'static str, usize, usize)> {
    if !may_hold_token(text) {
        return None;
    }
    // The formats are tried in order, so the first listed wins. A format none of whose literals is in the
    // text cannot match: it is skipped, and its expression (Unicode `\b` makes them costly to build) is
    // compiled only the first time a text holds one of its literals.
    TOKEN_FORMATS.iter().filter(|f| f.literals.iter().any(|l| text.contains(l))).find_map(|f| {
        let re = f.compiled.get_or_init(|| Regex::new(f.pattern).ok()).as_ref()?;
        re.find(text).map(|m| (f.name, m.start(), m.end()))
    })
}

/// Whether `text` holds one of the literals every token format of [`find_token`] contains: when it does
/// not, no token is in it (nor in any part of it). One search over a whole file's text is much cheaper
/// than one per instruction.
pub(crate) fn may_hold_token(text: &str) -> bool {
    // Leftmost-first semantics (the answer to "is any there?" is the same) let the searcher use its SIMD
    // prefilter (Teddy), several times faster than the automaton the standard semantics need.
    // Built from the formats' literals, so a text without any of them (almost every text) matches none,
    // and the expressions are never compiled in most runs.
    static ANY_LITERAL: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        let literals = TOKEN_FORMATS.iter().flat_map(|f| f.literals.iter());
        AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(literals).ok()
    });
    ANY_LITERAL.as_ref().is_none_or(|ac| ac.is_match(text))
}

/// A `scheme://user:password@host` credential in `text`, with the byte range
/// of the password. Passwords that are variable references are not reported.
pub(crate) fn find_url_credential(text: &str) -> Option<(usize, usize)> {
    static SCHEME: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new("://"));
    static URL: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@'\x22]+:([^/\s@'\x22]+)@[A-Za-z0-9]").ok());
    // Every match holds `://` and then `@`: most texts have no `@` at all, or none after their first `://`,
    // and are done with one or two SIMD searches.
    memchr::memchr(b'@', text.as_bytes())?;
    let at = SCHEME.find(text.as_bytes())?;
    memchr::memchr(b'@', text.as_bytes().get(at..)?)?;
    let re = URL.as_ref()?;
    re.captures_iter(text).find_map(|c| {
        let m = c.get(1)?;
        let pw = m.as_str();
        let is_ref = pw.starts_with('$')
            || pw.starts_with('%')
            || pw.starts_with('<')
            || pw == "*"
            || pw.chars().all(|c| c == '*' || c == 'x' || c == 'X');
        (!is_ref).then(|| (m.start(), m.end()))
    })
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = crate::lint::HashMap::default();
    let mut n = 0u32;
    for c in s.chars() {
        *counts.entry(c).or_insert(0u32) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts.values().map(|&c| f64::from(c) / n).map(|p| -p * p.log2()).sum()
}

/// Whether a value looks like a random secret: long, mixed letters and digits,
/// high entropy, and not a hex digest, a path, a URL or a version.
pub(crate) fn is_high_entropy(value: &str) -> bool {
    let v = value.trim_matches(['"', '\'']);
    if v.len() < 20 || v.len() > 200 || v.contains(['/', ' ', '$', ':']) {
        return false;
    }
    let hex = v.chars().all(|c| c.is_ascii_hexdigit());
    let lower = v.chars().any(|c| c.is_ascii_lowercase());
    let upper = v.chars().any(|c| c.is_ascii_uppercase());
    let digit = v.chars().any(|c| c.is_ascii_digit());
    !hex && lower && upper && digit && entropy(v) >= 4.2
}

/// Whether a context path names a file that holds secrets: `.env` files (not
/// `.env.example` and friends), SSH and other private keys, registry and cloud
/// credentials. Shared by DD072 (COPY of such a file) and DD203 (`!` re-include).
pub(crate) fn is_secret_file(path: &str) -> bool {
    let p = path.trim_matches('"').trim_end_matches('/');
    // The part after the last `/` (`rsplit('/').next()`), found with one SIMD search.
    let base = memchr::memrchr(b'/', p.as_bytes()).and_then(|i| p.get(i + 1..)).unwrap_or(p).to_ascii_lowercase();
    if base == ".env" {
        return true;
    }
    if let Some(rest) = base.strip_prefix(".env.") {
        return !matches!(rest, "example" | "sample" | "template" | "dist" | "defaults" | "schema");
    }
    if base.starts_with("id_rsa")
        || base.starts_with("id_dsa")
        || base.starts_with("id_ecdsa")
        || base.starts_with("id_ed25519")
    {
        return !std::path::Path::new(&base).extension().is_some_and(|e| e.eq_ignore_ascii_case("pub"));
    }
    if matches!(base.as_str(), ".npmrc" | ".pypirc" | ".netrc" | ".git-credentials" | "credentials.json" | ".htpasswd")
    {
        return true;
    }
    if p.ends_with(".aws/credentials") || p.ends_with(".docker/config.json") {
        return true;
    }
    // The part after the last `.` (`rsplit_once('.')`), or nothing.
    let ext = memchr::memrchr(b'.', base.as_bytes()).and_then(|i| base.get(i + 1..)).unwrap_or("");
    match ext {
        "key" | "p12" | "pfx" | "jks" | "keystore" | "kdbx" => true,
        "pem" => {
            let stem = base.trim_end_matches(".pem");
            !["cert", "crt", "chain", "bundle", "pub", "public", "ca", "root"].iter().any(|w| stem.contains(w))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`is_secret_name`] as it was before its allocation-free ASCII path: the reference it must agree with.
    fn is_secret_name_by_words(name: &str) -> bool {
        let ws = words(name);
        let joined = ws.concat();
        let hit = ws.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
            || ["apikey", "accesskey", "secretkey", "privatekey", "authtoken", "password"]
                .iter()
                .any(|k| joined.contains(k));
        hit && !ws.iter().any(|w| REFERENCE_WORDS.contains(&w.as_str()))
    }

    proptest::proptest! {
        /// The allocation-free ASCII word check agrees with the word split, on names built from secret and
        /// reference words, separators and case changes, and on any short or long name.
        #[test]
        fn ascii_secret_names_agree_with_the_word_split(
            parts in proptest::collection::vec("(?i:apikey|auth|key|pass|password|passwd|pword|secret|token|credentials?|privatekey|access|file|path|dir|id|name|pub|gpg|url|ttl|my|db|x)|[A-Za-z0-9]{1,4}", 0..8),
            seps in proptest::collection::vec("[_.-]{0,2}|", 8),
        ) {
            let name: String = parts.iter().zip(&seps).flat_map(|(p, s)| [p.as_str(), s.as_str()]).collect();
            proptest::prop_assert_eq!(is_secret_name(&name), is_secret_name_by_words(&name), "{}", name);
        }

        #[test]
        fn any_name_agrees_with_the_word_split(name in ".{0,40}|[A-Za-z_.-]{100,140}(?i:token|key)[A-Za-z_]{0,10}") {
            proptest::prop_assert_eq!(is_secret_name(&name), is_secret_name_by_words(&name), "{}", name);
        }

        /// The one-pass stem search finds what a search of every window for every stem finds.
        #[test]
        fn stem_search_agrees_with_every_window(name in "[a-zA-Z_0-9@`{}-]{0,24}|.*(?i:key|pass|pword|secret|token|auth|credential).*") {
            let windows = STEMS.iter().any(|stem| name.as_bytes().windows(stem.len()).any(|w| w.eq_ignore_ascii_case(stem.as_bytes())));
            proptest::prop_assert_eq!(has_secret_stem(name.as_bytes()), windows);
        }
    }

    #[test]
    fn the_prefilter_finds_every_formats_literals() {
        for f in &TOKEN_FORMATS {
            for literal in f.literals {
                assert!(may_hold_token(&format!("x {literal} y")), "{literal}");
            }
            // Every expression compiles.
            assert!(Regex::new(f.pattern).is_ok(), "{}", f.name);
        }
        assert!(!may_hold_token("RUN apt-get install -y curl && echo no token here"));
    }

    #[test]
    fn word_matches_agree_with_the_lists() {
        for w in SECRET_WORDS {
            assert!(is_secret_word(w.as_bytes()), "{w}");
        }
        for w in REFERENCE_WORDS {
            assert!(is_reference_word(w.as_bytes()), "{w}");
        }
        for k in JOINED {
            assert!(k.bytes().next().is_some_and(|b| matches!(b, b'a' | b'p' | b's')), "{k}");
            assert!(has_joined_spelling(format!("x{k}y").as_bytes()), "{k}");
        }
    }

    proptest::proptest! {
        #[test]
        fn word_matches_agree_with_the_lists_on_any_word(w in "[a-z]{0,12}|(?:apikey|auth|key|pass|id|file|token|name)[a-z]{0,2}") {
            proptest::prop_assert_eq!(is_secret_word(w.as_bytes()), SECRET_WORDS.contains(&w.as_str()));
            proptest::prop_assert_eq!(is_reference_word(w.as_bytes()), REFERENCE_WORDS.contains(&w.as_str()));
            proptest::prop_assert_eq!(has_joined_spelling(w.as_bytes()), JOINED.iter().any(|k| w.contains(k)));
        }
    }

    #[test]
    fn secret_names() {
        for n in ["DB_PASSWORD", "apiKey", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "NPM_AUTH", "private_key"] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["PASSWORD_FILE", "GPG_KEY", "TOKEN_URL", "PATH", "KEYBOARD", "HOME", "PUBLIC_KEY", "NODE_VERSION"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn the_ascii_shortcut_agrees_with_the_word_split() {
        // Names the shortcut rejects must also be rejected by the full check, and non-ASCII names skip it.
        for n in ["HOME", "NODE_VERSION", "KEYBOARD", "myAuthToken", "X_PWORD", "Credentials_Dir", "DB_PASSWD"] {
            let ws = words(n);
            let full = {
                let joined = ws.concat();
                ws.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
                    || ["apikey", "accesskey", "secretkey", "privatekey", "authtoken", "password"]
                        .iter()
                        .any(|k| joined.contains(k))
            } && !ws.iter().any(|w| REFERENCE_WORDS.contains(&w.as_str()));
            assert_eq!(is_secret_name(n), full, "{n}");
        }
        assert!(is_secret_name("DB_PASSWORD_\u{e9}"), "non-ASCII names take the full check");
    }

    #[test]
    fn tokens_and_urls() {
        assert_eq!(find_token("x AKIAABCDEFGHIJKLMNOP y").map(|t| t.0), Some("an AWS access key id"));
        assert!(find_token("-----BEGIN OPENSSH PRIVATE KEY-----").is_some());
        assert!(find_token("AKIA-not-a-key").is_none());
        let t = "git clone https://bob:hunter2@example.com/r.git";
        let (s, e) = find_url_credential(t).expect("credential");
        assert_eq!(&t[s..e], "hunter2");
        assert!(find_url_credential("https://bob:${TOKEN}@example.com").is_none());
        assert!(find_url_credential("https://example.com/a:b@c").is_none());
    }

    #[test]
    fn every_token_format_gets_past_the_literal_prefilter() {
        let a = |n: usize| "A1b2".repeat(n / 4 + 1)[..n].to_string();
        let samples = [
            (format!("AKIA{}", "Z".repeat(16)), "an AWS access key id"),
            (format!("ASIA{}", "Z".repeat(16)), "an AWS access key id"),
            (format!("ghs_{}", a(36)), "a GitHub token"),
            (format!("github_pat_{}", a(60)), "a GitHub fine-grained token"),
            (format!("glpat-{}", a(20)), "a GitLab token"),
            (format!("xoxb-{}", a(10)), "a Slack token"),
            (format!("rk_live_{}", a(20)), "a Stripe live key"),
            (format!("AIza{}", a(35)), "a Google API key"),
            (format!("npm_{}", a(36)), "an npm token"),
            (format!("pypi-AgEIcHlwaS5vcmc{}", a(50)), "a PyPI token"),
            ("-----BEGIN PRIVATE KEY-----".to_string(), "a private key"),
        ];
        for (text, name) in samples {
            assert_eq!(find_token(&format!("x={text} y")).map(|t| t.0), Some(name), "{text}");
        }
    }

    #[test]
    fn entropy_threshold() {
        assert!(is_high_entropy("Xk9vQ2mZp7LrT4wB8nJc1sHd"));
        assert!(!is_high_entropy("0123456789abcdef0123456789abcdef"));
        assert!(!is_high_entropy("production-environment-name"));
    }

    proptest::proptest! {
        /// The byte searches for the last `/` and `.` split paths as `rsplit` and `rsplit_once` do.
        #[test]
        fn last_separator_searches_agree_with_rsplit(p in "[a-z./\u{e9}]{0,12}") {
            let by_search = memchr::memrchr(b'/', p.as_bytes()).and_then(|i| p.get(i + 1..)).unwrap_or(&p);
            proptest::prop_assert_eq!(by_search, p.rsplit('/').next().unwrap_or(&p));
            let ext = memchr::memrchr(b'.', p.as_bytes()).and_then(|i| p.get(i + 1..)).unwrap_or("");
            proptest::prop_assert_eq!(ext, p.rsplit_once('.').map_or("", |(_, e)| e));
        }
    }

    #[test]
    fn secret_files() {
        for p in [
            ".env",
            "app/.env.production",
            "id_rsa",
            "keys/server.key",
            "tls/private.pem",
            ".npmrc",
            "home/.aws/credentials",
        ] {
            assert!(is_secret_file(p), "{p}");
        }
        for p in [".env.example", "id_rsa.pub", "certs/ca.pem", "fullchain.pem", "src/", "package.json", "keyboard.txt"]
        {
            assert!(!is_secret_file(p), "{p}");
        }
    }
}
