//! Rule selection, severity overrides and rule options from the repository's
//! config files. Pure: the CLI finds and reads the files, this module parses
//! their text and merges what they say into one [`Settings`].
//!
//! Two schemas are read, each into a [`ConfigFile`] (what one file says), and
//! [`Settings::apply`] merges them in order, later files winning. The CLI applies
//! `.hadolint.yaml` first and then `.drydock.yml`, so a repository that already
//! has a hadolint config keeps it and can refine it for drydock.
//!
//! # `.drydock.yml` (or `.github/drydock.yml`)
//!
//! ```yaml
//! rules:                        # per-code level: off | on | error | warning | info | style
//!   DL3008: off                 #   off: never report; on: report at the rule's own severity
//!   DD012: error
//! ignore: [DL3059, SC2086]      # the same as `rules: {CODE: off}`
//! failure-threshold: warning    # error | warning | info | style | none (none: never fail)
//! ignore-paths:                 # files not to lint: `*` `?` within a path segment, `**` across
//!   - "vendor/**"
//!   - "*.generated.Dockerfile"  # a pattern without `/` matches a file or directory name anywhere
//! trusted-registries: [docker.io, ghcr.io]   # FROM may only use these (DL3026); empty: any
//! allowed-bases: ["mycorp/base-*"]           # images accepted as minimal bases (image-name globs)
//! shellcheck: true              # run ShellCheck on RUN (default true)
//! label-schema:                 # required labels and their types (DL3049–DL3058)
//!   maintainer: email           #   text | url | semver | hash | rfc3339 | spdx | email
//! strict-labels: false          # reject labels not in label-schema
//! disable-ignore-pragma: false  # when true, `# hadolint ignore=` / `# drydock ignore=` do nothing
//! ```
//!
//! Every key is optional and an empty file is an empty config. An unknown key is
//! an error that names the key, suggests the likely one and lists the valid keys;
//! an unknown rule *code* is accepted (a newer drydock may know it), and
//! [`ConfigFile::unknown_codes`] turns such codes into warnings. Codes are matched
//! without regard to case. Within one file `ignore` wins over `rules`.
//!
//! # `.hadolint.yaml`
//!
//! Read with hadolint's meaning: `ignored`, `override` (`error`/`warning`/`info`/`style`
//! lists), `trustedRegistries` (a string or a list), `label-schema`, `strict-labels`,
//! `disable-ignore-pragma`, `failure-threshold` (`error|warning|info|style|ignore|none`),
//! `no-fail`, and the output keys `format` and `no-color`, which become CLI defaults.
//! hadolint itself skips keys it does not know, so here an unknown key is a warning,
//! not an error: a file hadolint accepts must not break drydock.
//!
//! hadolint's `failure-threshold: none` (and `ignore`) makes *every* finding fail the
//! run; it is kept with that meaning. In `.drydock.yml`, `none` means the opposite and
//! reads naturally: no finding fails the run (hadolint's `no-fail: true`).
//!
//! # Merging
//!
//! [`Settings::apply`]: for each code a later file's `rules`/`override` level or
//! `ignore` replaces an earlier one's (so `rules: {DL3008: on}` re-enables a code a
//! hadolint file ignored); lists (`trusted-registries`, `allowed-bases`, `ignore-paths`)
//! and `label-schema` are replaced whole when a later file gives them; scalars are
//! replaced when given.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use super::diagnostic::Severity;

/// The threshold used when no config or flag sets one: hadolint's default, so
/// style findings alone do not fail a run.
pub const DEFAULT_FAILURE_THRESHOLD: Severity = Severity::Info;

/// Resolved lint settings.
// Each flag mirrors one independent config key; an enum would not read better.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug)]
pub struct Settings {
    /// Codes switched off.
    pub disabled: BTreeSet<String>,
    /// Codes switched on by a config (`rules: {CODE: on}`, a severity, or hadolint's
    /// `override`): this is what runs a rule that is off by default (DL1001, DL3057).
    pub enabled: BTreeSet<String>,
    /// When set, only these codes run (tests and `--select`).
    pub only: Option<BTreeSet<String>>,
    /// Per-code severity overrides.
    pub severity: BTreeMap<String, Severity>,
    /// Registries FROM may use (`DL3026`); empty means any.
    pub trusted_registries: Vec<String>,
    /// Extra base images accepted as minimal (`minimal-base`), as image-name globs.
    pub allowed_bases: Vec<String>,
    /// Findings below this do not fail the run; `None` means [`DEFAULT_FAILURE_THRESHOLD`].
    pub failure_threshold: Option<Severity>,
    /// Glob patterns of paths not to lint (see [`Settings::is_ignored_path`]).
    pub ignore_paths: Vec<String>,
    /// Whether `ShellCheck` runs on RUN instructions (default true).
    pub shellcheck: bool,
    /// Required labels and the type of their values (hadolint's `label-schema`).
    pub label_schema: BTreeMap<String, LabelType>,
    /// Whether labels missing from `label_schema` are reported.
    pub strict_labels: bool,
    /// Whether inline `# hadolint ignore=` / `# drydock ignore=` pragmas are disregarded.
    pub disable_ignore_pragma: bool,
    /// Whether no finding fails the run (hadolint's `no-fail`, drydock's `failure-threshold: none`).
    pub no_fail: bool,
    /// Output format named by a config file (a CLI default; the flag wins).
    pub format: Option<String>,
    /// Whether a config file asked for uncoloured output (a CLI default).
    pub no_color: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            disabled: BTreeSet::new(),
            enabled: BTreeSet::new(),
            only: None,
            severity: BTreeMap::new(),
            trusted_registries: Vec::new(),
            allowed_bases: Vec::new(),
            failure_threshold: None,
            ignore_paths: Vec::new(),
            shellcheck: true,
            label_schema: BTreeMap::new(),
            strict_labels: false,
            disable_ignore_pragma: false,
            no_fail: false,
            format: None,
            no_color: false,
        }
    }
}

impl Settings {
    /// Settings that run only `code` (for rule fixtures).
    pub fn only(code: &str) -> Self {
        Self { only: Some(std::iter::once(code.to_string()).collect()), ..Self::default() }
    }

    /// Whether `code` runs: not switched off, selected when a selection is made,
    /// and on by default or switched on.
    pub fn is_enabled(&self, code: &str) -> bool {
        match super::rules::by_code(code) {
            Some(rule) => self.is_rule_enabled(rule.meta()),
            // Codes no rule owns (ShellCheck's SCxxxx) are on unless switched off or left out of a selection.
            None => !self.disabled.contains(code) && self.only.as_ref().is_none_or(|only| only.contains(code)),
        }
    }

    /// [`Self::is_enabled`] for a rule at hand (no lookup by code: this is asked for every rule of every file).
    pub fn is_rule_enabled(&self, meta: &super::rules::Meta) -> bool {
        if self.disabled.contains(meta.code) {
            return false;
        }
        if let Some(only) = &self.only {
            return only.contains(meta.code);
        }
        meta.enabled_by_default || self.enabled.contains(meta.code)
    }

    /// Merges what `file` says into these settings; what it says replaces what
    /// earlier files said (see the module docs for the exact rules).
    pub fn apply(&mut self, file: &ConfigFile) {
        for (code, level) in &file.rules {
            match level {
                RuleLevel::Off => {
                    self.disabled.insert(code.clone());
                    self.enabled.remove(code);
                }
                RuleLevel::On => {
                    self.disabled.remove(code);
                    self.enabled.insert(code.clone());
                    self.severity.remove(code);
                }
                RuleLevel::Severity(sev) => {
                    self.disabled.remove(code);
                    self.enabled.insert(code.clone());
                    self.severity.insert(code.clone(), *sev);
                }
            }
        }
        for code in &file.ignore {
            self.disabled.insert(code.clone());
            self.enabled.remove(code);
        }
        match file.failure_threshold {
            Some(FailureThreshold::AtLeast(sev)) => {
                self.failure_threshold = Some(sev);
                self.no_fail = false;
            }
            Some(FailureThreshold::Never) => self.no_fail = true,
            None => {}
        }
        if let Some(no_fail) = file.no_fail {
            self.no_fail = no_fail;
        }
        if let Some(list) = &file.trusted_registries {
            self.trusted_registries.clone_from(list);
        }
        if let Some(list) = &file.allowed_bases {
            self.allowed_bases.clone_from(list);
        }
        if let Some(list) = &file.ignore_paths {
            self.ignore_paths.clone_from(list);
        }
        if let Some(schema) = &file.label_schema {
            self.label_schema.clone_from(schema);
        }
        if let Some(v) = file.shellcheck {
            self.shellcheck = v;
        }
        if let Some(v) = file.strict_labels {
            self.strict_labels = v;
        }
        if let Some(v) = file.disable_ignore_pragma {
            self.disable_ignore_pragma = v;
        }
        if let Some(v) = file.no_color {
            self.no_color = v;
        }
        if let Some(v) = &file.format {
            self.format = Some(v.clone());
        }
    }

    /// Whether a finding of `severity` fails the run.
    pub fn fails_on(&self, severity: Severity) -> bool {
        !self.no_fail && severity >= self.failure_threshold.unwrap_or(DEFAULT_FAILURE_THRESHOLD)
    }

    /// Whether `path` (relative to the repository root, `/` or `\` separated)
    /// matches one of [`Settings::ignore_paths`].
    ///
    /// Patterns follow `.gitignore` habits: `*` and `?` stay within one path
    /// segment, `**` crosses segments; a pattern without `/` matches a file or
    /// directory name at any depth; a pattern with `/` is anchored at the root;
    /// a trailing `/` matches directories only; a pattern that matches a
    /// directory ignores everything below it.
    pub fn is_ignored_path(&self, path: &str) -> bool {
        if self.ignore_paths.is_empty() {
            return false;
        }
        let path = normalize_path(path);
        self.ignore_paths.iter().any(|p| path_matches(p, &path))
    }
}

/// The type a label's value must have (hadolint's `label-schema`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelType {
    /// Any text.
    Text,
    /// A URI (RFC 3986).
    Url,
    /// A semantic version.
    Semver,
    /// A short or long git hash.
    Hash,
    /// An RFC 3339 timestamp.
    Rfc3339,
    /// An SPDX license identifier.
    Spdx,
    /// An email address (RFC 5322).
    Email,
}

impl LabelType {
    /// All label types, in hadolint's documentation order.
    pub const ALL: [LabelType; 7] = [
        LabelType::Text,
        LabelType::Url,
        LabelType::Semver,
        LabelType::Hash,
        LabelType::Rfc3339,
        LabelType::Spdx,
        LabelType::Email,
    ];

    /// The lowercase name used in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelType::Text => "text",
            LabelType::Url => "url",
            LabelType::Semver => "semver",
            LabelType::Hash => "hash",
            LabelType::Rfc3339 => "rfc3339",
            LabelType::Spdx => "spdx",
            LabelType::Email => "email",
        }
    }
}

impl fmt::Display for LabelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LabelType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        LabelType::ALL.into_iter().find(|t| t.as_str() == lower).ok_or_else(|| {
            format!("`{}` is not a label type: use text, url, semver, hash, rfc3339, spdx or email", s.trim())
        })
    }
}

/// What a config file says about one rule code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    /// Never report it.
    Off,
    /// Report it at the rule's own severity (re-enables a code an earlier file turned off).
    On,
    /// Report it at this severity.
    Severity(Severity),
}

/// What a config file says about failing the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureThreshold {
    /// Findings of this severity or above fail the run.
    AtLeast(Severity),
    /// No finding fails the run (drydock's `none`).
    Never,
}

/// Which schema a [`ConfigFile`] was read with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConfigKind {
    /// `.drydock.yml`: strict, unknown keys are errors.
    #[default]
    Drydock,
    /// `.hadolint.yaml`: hadolint's keys and meanings, unknown keys are warnings.
    Hadolint,
}

/// What one config file says. `None` (or empty) means the file does not say it,
/// so an earlier file's value stands; see [`Settings::apply`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigFile {
    /// The schema the file was read with.
    pub kind: ConfigKind,
    /// Per-code levels (`rules` in drydock, `override` in hadolint); codes uppercase.
    pub rules: BTreeMap<String, RuleLevel>,
    /// Codes switched off (`ignore` / `ignored`); uppercase.
    pub ignore: Vec<String>,
    /// `failure-threshold`.
    pub failure_threshold: Option<FailureThreshold>,
    /// hadolint's `no-fail`.
    pub no_fail: Option<bool>,
    /// `ignore-paths` globs.
    pub ignore_paths: Option<Vec<String>>,
    /// `trusted-registries` / `trustedRegistries`.
    pub trusted_registries: Option<Vec<String>>,
    /// `allowed-bases` image-name globs.
    pub allowed_bases: Option<Vec<String>>,
    /// `shellcheck`.
    pub shellcheck: Option<bool>,
    /// `label-schema`.
    pub label_schema: Option<BTreeMap<String, LabelType>>,
    /// `strict-labels`.
    pub strict_labels: Option<bool>,
    /// `disable-ignore-pragma`.
    pub disable_ignore_pragma: Option<bool>,
    /// hadolint's `format`, kept as written for the CLI to map.
    pub format: Option<String>,
    /// hadolint's `no-color`.
    pub no_color: Option<bool>,
    /// Things worth telling the user that do not stop the run
    /// (`line N: …`), such as keys hadolint ignores.
    pub warnings: Vec<String>,
}

/// A config file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// 1-based line of the problem, when known.
    pub line: Option<u64>,
    /// 1-based column of the problem, when known.
    pub column: Option<u64>,
    /// What is wrong and how to fix it (lowercase, no trailing period).
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl ConfigError {
    fn at(loc: &Location, message: impl Into<String>) -> Self {
        let (line, column) = (loc.line(), loc.column());
        Self { line: (line > 0).then_some(line), column: (column > 0).then_some(column), message: message.into() }
    }

    fn from_yaml(err: &serde_saphyr::Error) -> Self {
        let loc = err.location();
        let line = loc.map(|l| l.line()).filter(|&l| l > 0);
        let column = loc.map(|l| l.column()).filter(|&c| c > 0);
        let mut text = err.to_string();
        if let (Some(l), Some(c)) = (line, column) {
            let suffix = format!(" at line {l}, column {c}");
            if let Some(stripped) = text.strip_suffix(&suffix) {
                text = stripped.to_string();
            }
        }
        let message = if text.contains("budget breached") {
            format!(
                "the file is too large or too deeply nested for a config file ({text}); keep it to plain keys and lists"
            )
        } else {
            format!("invalid YAML: {text}; fix the syntax (check indentation, quotes and brackets)")
        };
        Self { line, column, message }
    }
}

const DRYDOCK_KEYS: &[&str] = &[
    "rules",
    "ignore",
    "failure-threshold",
    "ignore-paths",
    "trusted-registries",
    "allowed-bases",
    "shellcheck",
    "label-schema",
    "strict-labels",
    "disable-ignore-pragma",
];

const HADOLINT_KEYS: &[&str] = &[
    "ignored",
    "override",
    "trustedRegistries",
    "label-schema",
    "strict-labels",
    "disable-ignore-pragma",
    "failure-threshold",
    "no-fail",
    "no-color",
    "format",
    "verbose",
];

/// Hints for keys that belong to the other schema or to the command line.
const DRYDOCK_KEY_HINTS: &[(&str, &str)] = &[
    ("ignored", "did you mean `ignore`?"),
    ("trustedRegistries", "did you mean `trusted-registries`?"),
    ("override", "drydock sets levels under `rules`, like `rules: {DL3008: error}`"),
    ("no-fail", "write `failure-threshold: none` to never fail the run"),
    ("format", "the output format is a command-line flag (`--format`)"),
    ("no-color", "colour is a command-line flag (`--no-color`)"),
    ("verbose", "verbosity is a command-line flag"),
];

const HADOLINT_KEY_HINTS: &[(&str, &str)] = &[
    ("trusted-registries", "hadolint reads `trustedRegistries`; put drydock's spelling in `.drydock.yml`"),
    ("ignore", "hadolint reads `ignored`; put drydock's spelling in `.drydock.yml`"),
    ("rules", "hadolint reads `override`; put drydock's `rules` in `.drydock.yml`"),
    ("output-format", "hadolint reads `format`"),
];

impl ConfigFile {
    /// Parses a `.drydock.yml`. An empty file is an empty config.
    pub fn parse_drydock(src: &str) -> Result<Self, ConfigError> {
        let mut reader = Reader::new(src, ConfigKind::Drydock);
        let Some(root) = load(src)? else {
            return Ok(reader.file);
        };
        for (key, value) in reader.mapping(&root, "the file")? {
            let name = reader.key(key)?;
            match name.as_str() {
                "rules" => reader.rules(value)?,
                "ignore" => {
                    let codes = reader.codes(value, "ignore")?;
                    reader.file.ignore.extend(codes);
                }
                "failure-threshold" => {
                    let t = reader.drydock_threshold(value)?;
                    reader.file.failure_threshold = t;
                }
                "ignore-paths" => reader.file.ignore_paths = reader.strings(value, &name)?,
                "trusted-registries" => {
                    reader.file.trusted_registries = reader.strings(value, &name)?;
                }
                "allowed-bases" => reader.file.allowed_bases = reader.strings(value, &name)?,
                "shellcheck" => reader.file.shellcheck = Reader::bool(value, &name)?,
                "label-schema" => reader.file.label_schema = reader.label_schema(value)?,
                "strict-labels" => reader.file.strict_labels = Reader::bool(value, &name)?,
                "disable-ignore-pragma" => {
                    reader.file.disable_ignore_pragma = Reader::bool(value, &name)?;
                }
                other => {
                    return Err(ConfigError::at(
                        &key.referenced,
                        unknown_key_message(other, DRYDOCK_KEYS, DRYDOCK_KEY_HINTS),
                    ));
                }
            }
        }
        Ok(reader.file)
    }

    /// Parses a `.hadolint.yaml` with hadolint's meanings. An empty file is an
    /// empty config; keys hadolint does not know become warnings.
    pub fn parse_hadolint(src: &str) -> Result<Self, ConfigError> {
        let mut reader = Reader::new(src, ConfigKind::Hadolint);
        let Some(root) = load(src)? else {
            return Ok(reader.file);
        };
        for (key, value) in reader.mapping(&root, "the file")? {
            let name = reader.key(key)?;
            match name.as_str() {
                "ignored" => {
                    let codes = reader.codes(value, "ignored")?;
                    reader.file.ignore.extend(codes);
                }
                "override" => reader.hadolint_override(value)?,
                "trustedRegistries" => {
                    reader.file.trusted_registries = reader.strings(value, &name)?;
                }
                "label-schema" => reader.file.label_schema = reader.label_schema(value)?,
                "strict-labels" => reader.file.strict_labels = Reader::bool(value, &name)?,
                "disable-ignore-pragma" => {
                    reader.file.disable_ignore_pragma = Reader::bool(value, &name)?;
                }
                "failure-threshold" => {
                    let t = reader.hadolint_threshold(value)?;
                    reader.file.failure_threshold = t;
                }
                "no-fail" => reader.file.no_fail = Reader::bool(value, &name)?,
                "no-color" => reader.file.no_color = Reader::bool(value, &name)?,
                "format" => reader.file.format = reader.optional_text(value, &name)?,
                "verbose" => {
                    Reader::bool(value, &name)?;
                }
                other => {
                    let msg = unknown_key_message(other, HADOLINT_KEYS, HADOLINT_KEY_HINTS);
                    reader.warn(&key.referenced, format!("{msg}; the key is ignored"));
                }
            }
        }
        Ok(reader.file)
    }

    /// Every code the file names, uppercase, each once.
    pub fn codes(&self) -> BTreeSet<&str> {
        self.rules.keys().map(String::as_str).chain(self.ignore.iter().map(String::as_str)).collect()
    }

    /// Warnings for codes `is_known` does not recognise. Unknown codes are not
    /// errors: a config may be shared with a newer drydock or with hadolint.
    pub fn unknown_codes(&self, is_known: impl Fn(&str) -> bool) -> Vec<String> {
        self.codes()
            .into_iter()
            .filter(|c| !is_known(c))
            .map(|c| format!("unknown rule code `{c}`: check the spelling (`drydock rule {c}` explains known codes)"))
            .collect()
    }
}

/// Reads the YAML into a tree with positions. `Ok(None)` for an empty document.
fn load(src: &str) -> Result<Option<Spanned<Node>>, ConfigError> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.emit_comments = false;
    // Duplicates reach our visitor, which reports them in our words.
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    // A config file is a few dozen keys; tight limits keep alias bombs and deep
    // nesting cheap to refuse.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 10_000;
    budget.max_events = 50_000;
    budget.max_depth = 32;
    budget.max_aliases = 1_000;
    options.budget = Some(budget);
    let root: Option<Spanned<Node>> =
        serde_saphyr::from_str_with_options(src, options).map_err(|e| ConfigError::from_yaml(&e))?;
    Ok(root.filter(|n| !matches!(n.value, Node::Null)))
}

/// A YAML value with the positions of its parts.
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    /// A number, formatted; the raw text is read back from the source when possible.
    Number(String),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Node::Null => "nothing",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }

    fn visit_char<E>(self, v: char) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Str(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// Interprets a [`Node`] tree into a [`ConfigFile`], with messages that point
/// at the offending value.
struct Reader<'a> {
    src: &'a str,
    file: ConfigFile,
}

type Entry<'n> = (&'n Spanned<Node>, &'n Spanned<Node>);

impl<'a> Reader<'a> {
    fn new(src: &'a str, kind: ConfigKind) -> Self {
        Self { src, file: ConfigFile { kind, ..ConfigFile::default() } }
    }

    fn warn(&mut self, loc: &Location, message: String) {
        if loc.line() > 0 {
            self.file.warnings.push(format!("line {}: {message}", loc.line()));
        } else {
            self.file.warnings.push(message);
        }
    }

    /// The source text of a scalar, for values YAML typed as booleans or numbers
    /// (`off`, `no`, `1.10`) where the spelling matters.
    fn raw(&self, loc: &Location) -> Option<&'a str> {
        let span = loc.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len()?).ok()?;
        let text = self.src.get(start..start.checked_add(len)?)?.trim();
        (!text.is_empty()).then_some(text)
    }

    /// A scalar as text; `None` for null; an error for a list or a mapping.
    fn scalar(&self, node: &Spanned<Node>, what: &str) -> Result<Option<String>, ConfigError> {
        match &node.value {
            Node::Null => Ok(None),
            Node::Str(s) => Ok(Some(s.clone())),
            Node::Bool(b) => Ok(Some(self.raw(&node.referenced).map_or_else(|| b.to_string(), str::to_string))),
            Node::Number(n) => Ok(Some(self.raw(&node.referenced).map_or_else(|| n.clone(), str::to_string))),
            other => {
                Err(ConfigError::at(&node.referenced, format!("{what} must be a single value, not {}", other.kind())))
            }
        }
    }

    fn key(&self, key: &Spanned<Node>) -> Result<String, ConfigError> {
        match self.scalar(key, "a key")? {
            Some(k) => Ok(k),
            None => Err(ConfigError::at(&key.referenced, "a key is empty: give each setting a name")),
        }
    }

    /// The entries of a mapping, rejecting duplicate keys; null is an empty mapping.
    fn mapping<'n>(&self, node: &'n Spanned<Node>, what: &str) -> Result<Vec<Entry<'n>>, ConfigError> {
        let entries = match &node.value {
            Node::Null => return Ok(Vec::new()),
            Node::Map(entries) => entries,
            other => {
                let example = if what == "the file" {
                    "`ignore: [DL3008]`".to_string()
                } else {
                    format!("`{what}: {{KEY: VALUE}}`")
                };
                let subject = if what == "the file" { "the file".to_string() } else { format!("`{what}`") };
                return Err(ConfigError::at(
                    &node.referenced,
                    format!("{subject} must be a mapping, not {}; write it like {example}", other.kind()),
                ));
            }
        };
        let mut seen: BTreeMap<String, u64> = BTreeMap::new();
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let name = self.key(k)?;
            if let Some(first) = seen.get(&name) {
                let place = if *first > 0 { format!(" (first on line {first})") } else { String::new() };
                return Err(ConfigError::at(&k.referenced, format!("`{name}` is given twice{place}: keep one")));
            }
            seen.insert(name, k.referenced.line());
            out.push((k, v));
        }
        Ok(out)
    }

    /// A list of strings; a single string is a one-item list; null says nothing.
    fn strings(&mut self, node: &Spanned<Node>, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
        let items: Vec<&Spanned<Node>> = match &node.value {
            Node::Null => return Ok(None),
            Node::Seq(items) => items.iter().collect(),
            Node::Map(_) => {
                return Err(ConfigError::at(
                    &node.referenced,
                    format!("`{key}` must be a list, not a mapping; write it like `{key}: [a, b]`"),
                ));
            }
            _ => vec![node],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let what = format!("each item of `{key}`");
            match self.scalar(item, &what)? {
                Some(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                _ => self.warn(&item.referenced, format!("an empty item in `{key}` is skipped")),
            }
        }
        Ok(Some(out))
    }

    /// A list of rule codes, uppercased; odd-looking codes are kept with a warning.
    fn codes(&mut self, node: &Spanned<Node>, key: &str) -> Result<Vec<String>, ConfigError> {
        let list = self.strings(node, key)?.unwrap_or_default();
        let mut out = Vec::with_capacity(list.len());
        for code in list {
            out.push(self.code(&code, &node.referenced));
        }
        Ok(out)
    }

    fn code(&mut self, code: &str, loc: &Location) -> String {
        let upper = code.trim().to_ascii_uppercase();
        if !looks_like_code(&upper) {
            self.warn(loc, format!("`{code}` does not look like a rule code (letters then digits, like DL3008)"));
        }
        upper
    }

    fn bool(node: &Spanned<Node>, key: &str) -> Result<Option<bool>, ConfigError> {
        match &node.value {
            Node::Null => Ok(None),
            Node::Bool(b) => Ok(Some(*b)),
            Node::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Ok(Some(true)),
                "false" | "no" | "off" => Ok(Some(false)),
                _ => Err(ConfigError::at(&node.referenced, format!("`{key}` must be true or false, not `{s}`"))),
            },
            other => {
                Err(ConfigError::at(&node.referenced, format!("`{key}` must be true or false, not {}", other.kind())))
            }
        }
    }

    fn optional_text(&self, node: &Spanned<Node>, key: &str) -> Result<Option<String>, ConfigError> {
        let what = format!("`{key}`");
        Ok(self.scalar(node, &what)?.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
    }

    /// drydock's `rules: {CODE: level}`.
    fn rules(&mut self, node: &Spanned<Node>) -> Result<(), ConfigError> {
        for (k, v) in self.mapping(node, "rules")? {
            let raw = self.key(k)?;
            let code = self.code(&raw, &k.referenced);
            let level = match &v.value {
                Node::Bool(false) => RuleLevel::Off,
                Node::Bool(true) => RuleLevel::On,
                Node::Null => {
                    return Err(ConfigError::at(
                        &v.referenced,
                        format!("`{raw}` has no level: write off, on, error, warning, info or style"),
                    ));
                }
                _ => {
                    let what = format!("the level of `{raw}`");
                    let text = self.scalar(v, &what)?.unwrap_or_default();
                    parse_rule_level(&text).ok_or_else(|| {
                        ConfigError::at(
                            &v.referenced,
                            format!(
                                "`{text}` is not a rule level for `{raw}`: use off, on, error, warning, info or style"
                            ),
                        )
                    })?
                }
            };
            if self.file.rules.insert(code.clone(), level).is_some() {
                self.warn(&k.referenced, format!("`{code}` is listed twice under `rules`; the last one wins"));
            }
        }
        Ok(())
    }

    /// hadolint's `override: {error: [..], warning: [..], info: [..], style: [..]}`.
    fn hadolint_override(&mut self, node: &Spanned<Node>) -> Result<(), ConfigError> {
        let mut from: BTreeMap<String, Severity> = BTreeMap::new();
        for (k, v) in self.mapping(node, "override")? {
            let name = self.key(k)?;
            let sev = match name.as_str() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                "info" => Severity::Info,
                "style" => Severity::Style,
                other => {
                    self.warn(
                        &k.referenced,
                        format!(
                            "`override.{other}` is not a severity hadolint knows (error, warning, info, style); it is ignored"
                        ),
                    );
                    continue;
                }
            };
            let key = format!("override.{name}");
            for code in self.codes(v, &key)? {
                if let Some(prev) = from.insert(code.clone(), sev)
                    && prev != sev
                {
                    self.warn(
                        &k.referenced,
                        format!("`{code}` is under both `override.{prev}` and `override.{sev}`; `{sev}` wins"),
                    );
                }
                self.file.rules.insert(code, RuleLevel::Severity(sev));
            }
        }
        Ok(())
    }

    fn drydock_threshold(&self, node: &Spanned<Node>) -> Result<Option<FailureThreshold>, ConfigError> {
        let Some(text) = self.scalar(node, "`failure-threshold`")? else {
            return Ok(None);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "none" | "never" => Ok(Some(FailureThreshold::Never)),
            other => other.parse::<Severity>().map(|s| Some(FailureThreshold::AtLeast(s))).map_err(|_| {
                ConfigError::at(
                    &node.referenced,
                    format!("`{text}` is not a failure threshold: use error, warning, info, style or none"),
                )
            }),
        }
    }

    fn hadolint_threshold(&mut self, node: &Spanned<Node>) -> Result<Option<FailureThreshold>, ConfigError> {
        let Some(text) = self.scalar(node, "`failure-threshold`")? else {
            return Ok(None);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            // hadolint orders `ignore` below `style`, so every finding reaches it.
            level @ ("none" | "ignore") => {
                self.warn(
                    &node.referenced,
                    format!(
                        "`failure-threshold: {level}` makes every finding fail the run, in hadolint and in drydock; write `style` to say so plainly, or `no-fail: true` to never fail"
                    ),
                );
                Ok(Some(FailureThreshold::AtLeast(Severity::Style)))
            }
            other => other.parse::<Severity>().map(|s| Some(FailureThreshold::AtLeast(s))).map_err(|_| {
                ConfigError::at(
                    &node.referenced,
                    format!("`{text}` is not a failure threshold: use error, warning, info, style, ignore or none"),
                )
            }),
        }
    }

    fn label_schema(&mut self, node: &Spanned<Node>) -> Result<Option<BTreeMap<String, LabelType>>, ConfigError> {
        if matches!(node.value, Node::Null) {
            return Ok(None);
        }
        let mut schema = BTreeMap::new();
        for (k, v) in self.mapping(node, "label-schema")? {
            let label = self.key(k)?;
            let what = format!("the type of label `{label}`");
            let Some(text) = self.scalar(v, &what)? else {
                return Err(ConfigError::at(
                    &v.referenced,
                    format!("label `{label}` has no type: write text, url, semver, hash, rfc3339, spdx or email"),
                ));
            };
            let ty = text
                .parse::<LabelType>()
                .map_err(|msg| ConfigError::at(&v.referenced, format!("{msg} (label `{label}`)")))?;
            schema.insert(label, ty);
        }
        Ok(Some(schema))
    }
}

fn parse_rule_level(text: &str) -> Option<RuleLevel> {
    match text.trim().to_ascii_lowercase().as_str() {
        "off" | "false" | "no" | "ignore" | "disable" | "disabled" => Some(RuleLevel::Off),
        "on" | "true" | "yes" | "enable" | "enabled" => Some(RuleLevel::On),
        other => other.parse::<Severity>().ok().map(RuleLevel::Severity),
    }
}

/// `DL3008`, `SC2086`, `DD001`: letters, then digits.
fn looks_like_code(code: &str) -> bool {
    let letters = code.bytes().take_while(u8::is_ascii_alphabetic).count();
    let rest = code.get(letters..).unwrap_or("");
    letters > 0 && !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
}

fn unknown_key_message(key: &str, valid: &[&str], hints: &[(&str, &str)]) -> String {
    let hint = hints
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, h)| (*h).to_string())
        .or_else(|| suggest(key, valid).map(|s| format!("did you mean `{s}`?")));
    let list = valid.join(", ");
    match hint {
        Some(h) => format!("unknown key `{key}`: {h} (valid keys: {list})"),
        None => format!("unknown key `{key}`: valid keys are {list}"),
    }
}

/// The valid key closest to `key`: the same letters ignoring case, `-` and `_`,
/// or within a small edit distance.
fn suggest<'k>(key: &str, valid: &[&'k str]) -> Option<&'k str> {
    let squash =
        |s: &str| -> String { s.chars().filter(|c| *c != '-' && *c != '_').flat_map(char::to_lowercase).collect() };
    let wanted = squash(key);
    if let Some(v) = valid.iter().find(|v| squash(v) == wanted) {
        return Some(v);
    }
    let limit = (wanted.chars().count() / 3).clamp(1, 3);
    valid
        .iter()
        .map(|v| (edit_distance(&wanted, &squash(v)), *v))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // Keys are short; very long input is not worth comparing.
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `./a\b//c` → `a/b/c`.
fn normalize_path(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.split('/').filter(|s| !s.is_empty() && *s != ".").collect::<Vec<_>>().join("/")
}

/// Whether `pattern` (an `ignore-paths` entry) matches the normalized `path`
/// or one of its parent directories.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim().replace('\\', "/");
    let mut pattern = pattern.as_str();
    while let Some(rest) = pattern.strip_prefix("./") {
        pattern = rest;
    }
    let dir_only = pattern.ends_with('/');
    let pattern = pattern.trim_matches('/');
    if pattern.is_empty() || path.is_empty() {
        return false;
    }
    let tokens = compile_glob(pattern);
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    if pattern.contains('/') {
        // Anchored: the whole path, or a leading directory of it.
        let mut prefix = String::with_capacity(path.len());
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                prefix.push('/');
            }
            prefix.push_str(seg);
            if (i < last || !dir_only) && glob_match(&tokens, &prefix) {
                return true;
            }
        }
        false
    } else {
        // A name: any segment (a matching directory covers what is below it).
        segments.iter().enumerate().any(|(i, seg)| (i < last || !dir_only) && glob_match(&tokens, seg))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GlobTok {
    Lit(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**` not followed by `/`: any run of characters.
    Globstar,
    /// `**/`: nothing, or any run of characters ending in `/`.
    GlobstarDir,
}

fn compile_glob(pattern: &str) -> Vec<GlobTok> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while chars.get(i) == Some(&'*') {
                    i += 1;
                }
                if chars.get(i) == Some(&'/') {
                    i += 1;
                    out.push(GlobTok::GlobstarDir);
                } else {
                    out.push(GlobTok::Globstar);
                }
                continue;
            }
            '*' => out.push(GlobTok::Star),
            '?' => out.push(GlobTok::One),
            c => out.push(GlobTok::Lit(c)),
        }
        i += 1;
    }
    out
}

/// Glob match by dynamic programming over (token, character), one row at a
/// time: linear memory, `tokens × chars` time, no backtracking blow-up.
fn glob_match(tokens: &[GlobTok], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let n = text.len();
    // next[j]: tokens[i+1..] match text[j..]; starts as the empty pattern.
    let mut next = vec![false; n + 1];
    next[n] = true;
    let mut cur = vec![false; n + 1];
    for tok in tokens.iter().rev() {
        // For GlobstarDir: whether some '/' at k >= j has next[k + 1].
        let mut slash_ahead = false;
        for j in (0..=n).rev() {
            let ch = text.get(j).copied();
            cur[j] = match *tok {
                GlobTok::Lit(c) => ch == Some(c) && next[j + 1],
                GlobTok::One => ch.is_some_and(|c| c != '/') && next[j + 1],
                GlobTok::Star => next[j] || (ch.is_some_and(|c| c != '/') && cur[j + 1]),
                GlobTok::Globstar => next[j] || (ch.is_some() && cur[j + 1]),
                GlobTok::GlobstarDir => {
                    if ch == Some('/') && next[j + 1] {
                        slash_ahead = true;
                    }
                    next[j] || slash_ahead
                }
            };
        }
        std::mem::swap(&mut next, &mut cur);
    }
    next[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_rule_enabled_agrees_with_is_enabled_for_every_rule() {
        let mut switched = Settings::default();
        switched.disabled.extend(["DL3008".to_owned(), "DD001".to_owned()]);
        switched.enabled.extend(["DL1001".to_owned(), "DL3057".to_owned()]);
        let mut selected = Settings::only("DL3057");
        selected.disabled.insert("DL3057".to_owned());
        for settings in [Settings::default(), switched, Settings::only("DD001"), selected] {
            for rule in crate::lint::rules::RULES {
                let meta = rule.meta();
                assert_eq!(settings.is_rule_enabled(meta), settings.is_enabled(meta.code), "{}", meta.code);
            }
        }
    }

    fn drydock(src: &str) -> ConfigFile {
        ConfigFile::parse_drydock(src).unwrap()
    }

    fn hadolint(src: &str) -> ConfigFile {
        ConfigFile::parse_hadolint(src).unwrap()
    }

    fn drydock_err(src: &str) -> String {
        ConfigFile::parse_drydock(src).unwrap_err().to_string()
    }

    fn set(codes: &[&str]) -> BTreeSet<String> {
        codes.iter().map(|c| (*c).to_string()).collect()
    }

    fn strings(items: &[&str]) -> Option<Vec<String>> {
        let v: Vec<String> = items.iter().map(|c| (*c).to_string()).collect();
        (!v.is_empty()).then_some(v)
    }

    #[test]
    fn empty_and_comment_only_files_are_empty_configs() {
        for src in ["", "   \n", "# nothing here\n", "~\n", "---\n"] {
            let d = drydock(src);
            assert_eq!(d, ConfigFile::default(), "{src:?}");
            let h = hadolint(src);
            assert_eq!(h.kind, ConfigKind::Hadolint);
            assert!(h.rules.is_empty() && h.ignore.is_empty() && h.warnings.is_empty());
        }
    }

    #[test]
    fn drydock_full_schema() {
        let src = "\
rules:
  DL3008: off
  dd012: error
  DL3059: on
  SC2086: Warning
ignore: [DL3006, sc1091]
failure-threshold: warning
ignore-paths: [\"vendor/**\", \"*.tmp.Dockerfile\"]
trusted-registries:
  - docker.io
  - ghcr.io
allowed-bases: [\"mycorp/base-*\"]
shellcheck: false
label-schema:
  maintainer: email
  version: SemVer
strict-labels: yes
disable-ignore-pragma: false
";
        let f = drydock(src);
        assert_eq!(f.kind, ConfigKind::Drydock);
        let rules: Vec<(&str, RuleLevel)> = f.rules.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            rules,
            vec![
                ("DD012", RuleLevel::Severity(Severity::Error)),
                ("DL3008", RuleLevel::Off),
                ("DL3059", RuleLevel::On),
                ("SC2086", RuleLevel::Severity(Severity::Warning)),
            ]
        );
        assert_eq!(f.ignore, vec!["DL3006", "SC1091"]);
        assert_eq!(f.failure_threshold, Some(FailureThreshold::AtLeast(Severity::Warning)));
        assert_eq!(f.ignore_paths, strings(&["vendor/**", "*.tmp.Dockerfile"]));
        assert_eq!(f.trusted_registries, strings(&["docker.io", "ghcr.io"]));
        assert_eq!(f.allowed_bases, strings(&["mycorp/base-*"]));
        assert_eq!(f.shellcheck, Some(false));
        let schema: Vec<(&str, LabelType)> =
            f.label_schema.as_ref().unwrap().iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(schema, vec![("maintainer", LabelType::Email), ("version", LabelType::Semver)]);
        assert_eq!(f.strict_labels, Some(true));
        assert_eq!(f.disable_ignore_pragma, Some(false));
        assert_eq!(f.warnings, Vec::<String>::new());
    }

    #[test]
    fn yaml_booleans_and_quoted_levels_both_work() {
        let f = drydock("rules:\n  A1: off\n  B2: 'off'\n  C3: no\n  D4: true\n  E5: \"ON\"\n");
        let levels: Vec<RuleLevel> = f.rules.values().copied().collect();
        assert_eq!(levels, vec![RuleLevel::Off, RuleLevel::Off, RuleLevel::Off, RuleLevel::On, RuleLevel::On]);
    }

    #[test]
    fn drydock_unknown_key_is_an_error_naming_it_and_listing_valid_keys() {
        let err = ConfigFile::parse_drydock("ignore: [DL3008]\nrulez:\n  DL3008: off\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(1)));
        assert_eq!(
            err.to_string(),
            "line 2, column 1: unknown key `rulez`: did you mean `rules`? (valid keys: rules, ignore, \
             failure-threshold, ignore-paths, trusted-registries, allowed-bases, shellcheck, \
             label-schema, strict-labels, disable-ignore-pragma)"
        );
    }

    #[test]
    fn drydock_unknown_key_hints_at_hadolint_spellings() {
        assert!(drydock_err("ignored: [DL3008]\n").contains("unknown key `ignored`: did you mean `ignore`?"));
        assert!(drydock_err("trustedRegistries: [a]\n").contains("did you mean `trusted-registries`?"));
        assert!(drydock_err("override:\n  error: [DL1]\n").contains("under `rules`"));
        assert!(drydock_err("no-fail: true\n").contains("`failure-threshold: none`"));
        assert!(drydock_err("trusted_registries: [a]\n").contains("did you mean `trusted-registries`?"));
        let far = drydock_err("colour: red\n");
        assert!(far.starts_with("line 1, column 1: unknown key `colour`: valid keys are rules,"), "{far}");
    }

    #[test]
    fn bad_severity_and_bad_threshold_point_at_the_value() {
        let err = ConfigFile::parse_drydock("rules:\n  DL3008: fatal\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column 11: `fatal` is not a rule level for `DL3008`: use off, on, error, warning, info or style"
        );
        let err = ConfigFile::parse_drydock("failure-threshold: loud\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1, column 20: `loud` is not a failure threshold: use error, warning, info, style or none"
        );
        let err = ConfigFile::parse_hadolint("failure-threshold: never\n").unwrap_err();
        assert_eq!(err.message, "`never` is not a failure threshold: use error, warning, info, style, ignore or none");
        let err = ConfigFile::parse_drydock("rules:\n  DL3008:\n").unwrap_err();
        assert_eq!(err.message, "`DL3008` has no level: write off, on, error, warning, info or style");
    }

    #[test]
    fn failure_threshold_none_means_never_in_drydock_and_everything_in_hadolint() {
        assert_eq!(drydock("failure-threshold: none\n").failure_threshold, Some(FailureThreshold::Never));
        assert_eq!(
            drydock("failure-threshold: ERROR\n").failure_threshold,
            Some(FailureThreshold::AtLeast(Severity::Error))
        );
        for level in ["none", "ignore"] {
            let h = hadolint(&format!("failure-threshold: {level}\n"));
            assert_eq!(h.failure_threshold, Some(FailureThreshold::AtLeast(Severity::Style)));
            assert_eq!(h.warnings.len(), 1);
            assert!(
                h.warnings[0].starts_with(&format!("line 1: `failure-threshold: {level}` makes every finding fail"))
            );
        }
        assert_eq!(
            hadolint("failure-threshold: style\n").failure_threshold,
            Some(FailureThreshold::AtLeast(Severity::Style))
        );
        assert!(ConfigFile::parse_drydock("failure-threshold: ignore\n").is_err());
    }

    #[test]
    fn hadolint_full_schema() {
        let src = "\
failure-threshold: warning
format: json
ignored:
  - DL3000
  - SC1010
label-schema:
  author: text
  contact: email
  created: rfc3339
  version: semver
  documentation: url
  git-revision: hash
  license: spdx
no-color: true
no-fail: false
override:
  error:
    - DL3001
    - DL3002
  warning: [DL3042, DL3033]
  info: [DL3032]
  style: [DL3015]
strict-labels: true
disable-ignore-pragma: true
verbose: true
trustedRegistries:
  - docker.io
  - my-company.com:5000
  - \"*.gcr.io\"
";
        let h = hadolint(src);
        assert_eq!(h.kind, ConfigKind::Hadolint);
        assert_eq!(h.ignore, vec!["DL3000", "SC1010"]);
        let rules: Vec<(&str, RuleLevel)> = h.rules.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            rules,
            vec![
                ("DL3001", RuleLevel::Severity(Severity::Error)),
                ("DL3002", RuleLevel::Severity(Severity::Error)),
                ("DL3015", RuleLevel::Severity(Severity::Style)),
                ("DL3032", RuleLevel::Severity(Severity::Info)),
                ("DL3033", RuleLevel::Severity(Severity::Warning)),
                ("DL3042", RuleLevel::Severity(Severity::Warning)),
            ]
        );
        assert_eq!(h.trusted_registries, strings(&["docker.io", "my-company.com:5000", "*.gcr.io"]));
        assert_eq!(h.label_schema.as_ref().map(BTreeMap::len), Some(7));
        assert_eq!(h.label_schema.as_ref().unwrap().get("git-revision"), Some(&LabelType::Hash));
        assert_eq!(h.strict_labels, Some(true));
        assert_eq!(h.disable_ignore_pragma, Some(true));
        assert_eq!(h.format.as_deref(), Some("json"));
        assert_eq!(h.no_color, Some(true));
        assert_eq!(h.no_fail, Some(false));
        assert_eq!(h.failure_threshold, Some(FailureThreshold::AtLeast(Severity::Warning)));
        assert_eq!(h.warnings, Vec::<String>::new());
    }

    #[test]
    fn hadolint_trusted_registries_may_be_a_single_string() {
        let h = hadolint("trustedRegistries: docker.io\n");
        assert_eq!(h.trusted_registries, strings(&["docker.io"]));
    }

    #[test]
    fn hadolint_unknown_keys_are_warnings_not_errors() {
        let h = hadolint("ignored: [DL3008]\ntrusted-registries: [x.io]\nfoo: 1\n");
        assert_eq!(h.ignore, vec!["DL3008"]);
        assert_eq!(h.trusted_registries, None);
        assert_eq!(
            h.warnings,
            vec![
                "line 2: unknown key `trusted-registries`: hadolint reads `trustedRegistries`; put \
                 drydock's spelling in `.drydock.yml` (valid keys: ignored, override, trustedRegistries, \
                 label-schema, strict-labels, disable-ignore-pragma, failure-threshold, no-fail, no-color, \
                 format, verbose); the key is ignored"
                    .to_string(),
                "line 3: unknown key `foo`: valid keys are ignored, override, trustedRegistries, \
                 label-schema, strict-labels, disable-ignore-pragma, failure-threshold, no-fail, no-color, \
                 format, verbose; the key is ignored"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn hadolint_override_conflicts_and_unknown_levels_warn() {
        let h = hadolint("override:\n  error: [DL3008]\n  style: [DL3008]\n  fatal: [DL1]\n");
        assert_eq!(h.rules.get("DL3008"), Some(&RuleLevel::Severity(Severity::Style)));
        assert_eq!(h.rules.len(), 1);
        assert_eq!(
            h.warnings,
            vec![
                "line 3: `DL3008` is under both `override.error` and `override.style`; `style` wins"
                    .to_string(),
                "line 4: `override.fatal` is not a severity hadolint knows (error, warning, info, style); it is ignored"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn label_schema_rejects_unknown_types() {
        let err = ConfigFile::parse_hadolint("label-schema:\n  author: person\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column 11: `person` is not a label type: use text, url, semver, hash, rfc3339, \
             spdx or email (label `author`)"
        );
    }

    #[test]
    fn type_errors_say_what_shape_is_expected() {
        assert_eq!(
            drydock_err("rules: [DL3008]\n"),
            "line 1, column 8: `rules` must be a mapping, not a list; write it like `rules: {KEY: VALUE}`"
        );
        assert_eq!(
            drydock_err("ignore: {DL3008: off}\n"),
            "line 1, column 9: `ignore` must be a list, not a mapping; write it like `ignore: [a, b]`"
        );
        assert_eq!(
            drydock_err("shellcheck: maybe\n"),
            "line 1, column 13: `shellcheck` must be true or false, not `maybe`"
        );
        assert_eq!(
            drydock_err("shellcheck: [true]\n"),
            "line 1, column 13: `shellcheck` must be true or false, not a list"
        );
        assert_eq!(
            drydock_err("ignore: [DL1, [DL2]]\n"),
            "line 1, column 15: each item of `ignore` must be a single value, not a list"
        );
        assert_eq!(
            drydock_err("- DL3008\n"),
            "line 1, column 1: the file must be a mapping, not a list; write it like `ignore: [DL3008]`"
        );
        assert_eq!(
            drydock_err("just text\n"),
            "line 1, column 1: the file must be a mapping, not a string; write it like `ignore: [DL3008]`"
        );
    }

    #[test]
    fn duplicate_keys_are_reported_in_our_words() {
        assert_eq!(
            drydock_err("ignore: [a1]\nshellcheck: true\nignore: [b2]\n"),
            "line 3, column 1: `ignore` is given twice (first on line 1): keep one"
        );
    }

    #[test]
    fn yaml_syntax_errors_carry_line_and_column() {
        let err = ConfigFile::parse_drydock("ignore: [DL3008\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.column.is_some());
        assert!(err.message.starts_with("invalid YAML: "), "{}", err.message);
        assert!(err.message.ends_with("; fix the syntax (check indentation, quotes and brackets)"));
        assert!(!err.message.contains(" at line "), "{}", err.message);
        let err = ConfigFile::parse_hadolint("ignored:\n  - a\n bad: [\n").unwrap_err();
        assert!(err.line.is_some());
    }

    #[test]
    fn a_single_string_is_a_one_item_list_and_null_says_nothing() {
        let f = drydock("ignore: DL3008\ntrusted-registries:\nallowed-bases: []\n");
        assert_eq!(f.ignore, vec!["DL3008"]);
        assert_eq!(f.trusted_registries, None);
        assert_eq!(f.allowed_bases, Some(Vec::new()));
    }

    #[test]
    fn odd_codes_are_kept_with_a_warning() {
        let f = drydock("ignore: [DL3008, 'not a code', 3008]\n");
        assert_eq!(f.ignore, vec!["DL3008", "NOT A CODE", "3008"]);
        assert_eq!(
            f.warnings,
            vec![
                "line 1: `not a code` does not look like a rule code (letters then digits, like DL3008)".to_string(),
                "line 1: `3008` does not look like a rule code (letters then digits, like DL3008)".to_string(),
            ]
        );
    }

    #[test]
    fn numbers_and_booleans_keep_their_spelling_in_string_lists() {
        let f = drydock("allowed-bases: [1.10, yes, 007]\n");
        assert_eq!(f.allowed_bases, strings(&["1.10", "yes", "007"]));
    }

    #[test]
    fn unknown_codes_become_warnings() {
        let f = drydock("rules: {DL3008: off, XX9999: error}\nignore: [dl3008, SC2086]\n");
        let known = |c: &str| c == "DL3008" || c.starts_with("SC");
        assert_eq!(
            f.unknown_codes(known),
            vec![
                "unknown rule code `XX9999`: check the spelling (`drydock rule XX9999` explains known codes)"
                    .to_string()
            ]
        );
        assert_eq!(f.codes().into_iter().collect::<Vec<_>>(), vec!["DL3008", "SC2086", "XX9999"]);
    }

    #[test]
    fn apply_merges_later_files_over_earlier_ones() {
        let h = hadolint(
            "ignored: [DL3008, DL3009]\noverride:\n  error: [DL3006]\n  info: [DL3059]\n\
             trustedRegistries: [docker.io]\nno-fail: true\nformat: json\nstrict-labels: true\n",
        );
        let d = drydock(
            "rules:\n  DL3008: on\n  DL3006: warning\n  DL3059: off\nignore: [DD001]\n\
             trusted-registries: [ghcr.io, quay.io]\nfailure-threshold: error\nshellcheck: false\n",
        );
        let mut s = Settings::default();
        s.apply(&h);
        assert_eq!(s.disabled, set(&["DL3008", "DL3009"]));
        assert!(s.no_fail);
        s.apply(&d);
        assert_eq!(s.disabled, set(&["DD001", "DL3009", "DL3059"]));
        let sev: Vec<(&str, Severity)> = s.severity.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(sev, vec![("DL3006", Severity::Warning), ("DL3059", Severity::Info)]);
        assert!(s.is_enabled("DL3008"));
        assert!(!s.is_enabled("DL3059"));
        assert_eq!(s.trusted_registries, vec!["ghcr.io", "quay.io"]);
        assert_eq!(s.failure_threshold, Some(Severity::Error));
        assert!(!s.no_fail, "a later threshold re-enables failing");
        assert!(!s.shellcheck);
        assert!(s.strict_labels, "not said by the later file, so kept");
        assert_eq!(s.format.as_deref(), Some("json"));
    }

    #[test]
    fn apply_in_the_other_order_lets_hadolint_win() {
        let h = hadolint("ignored: [DL3008]\n");
        let d = drydock("rules:\n  DL3008: error\n");
        let mut s = Settings::default();
        s.apply(&d);
        s.apply(&h);
        assert!(!s.is_enabled("DL3008"));
        let mut s = Settings::default();
        s.apply(&h);
        s.apply(&d);
        assert!(s.is_enabled("DL3008"));
        assert_eq!(s.severity.get("DL3008"), Some(&Severity::Error));
    }

    #[test]
    fn within_one_file_ignore_wins_over_rules() {
        let mut s = Settings::default();
        s.apply(&drydock("rules: {DL3008: error}\nignore: [DL3008]\n"));
        assert!(!s.is_enabled("DL3008"));
        let mut s = Settings::default();
        s.apply(&hadolint("override: {error: [DL3008]}\nignored: [DL3008]\n"));
        assert!(!s.is_enabled("DL3008"));
    }

    #[test]
    fn failure_threshold_and_no_fail_decide_fails_on() {
        let mut s = Settings::default();
        assert!(s.shellcheck, "shellcheck defaults to on");
        assert!(!s.fails_on(Severity::Style));
        assert!(s.fails_on(Severity::Info));
        s.apply(&drydock("failure-threshold: warning\n"));
        assert!(!s.fails_on(Severity::Info));
        assert!(s.fails_on(Severity::Warning));
        s.apply(&drydock("failure-threshold: none\n"));
        assert!(!s.fails_on(Severity::Error));
        let mut s = Settings::default();
        s.apply(&hadolint("failure-threshold: none\n"));
        assert!(s.fails_on(Severity::Style));
        s.apply(&hadolint("failure-threshold: error\nno-fail: true\n"));
        assert!(!s.fails_on(Severity::Error), "no-fail wins within a file");
    }

    #[test]
    fn ignore_paths_globs() {
        let s = Settings {
            ignore_paths: vec![
                "vendor/**".into(),
                "*.tmp.Dockerfile".into(),
                "docker/legacy/".into(),
                "/build/Dockerfile".into(),
                "**/testdata/**".into(),
                "img?/Dockerfile".into(),
                "third_party".into(),
            ],
            ..Settings::default()
        };
        for (path, want) in [
            ("vendor/a/Dockerfile", true),
            ("./vendor/Dockerfile", true),
            ("src/vendor/Dockerfile", false),
            ("x.tmp.Dockerfile", true),
            ("deep/dir/x.tmp.Dockerfile", true),
            ("x.tmp.Dockerfile.bak", false),
            ("docker/legacy/Dockerfile", true),
            ("docker/legacy", false),
            ("build/Dockerfile", true),
            ("sub/build/Dockerfile", false),
            ("a/testdata/b/Dockerfile", true),
            ("testdata/Dockerfile", true),
            ("img1/Dockerfile", true),
            ("img12/Dockerfile", false),
            ("a\\third_party\\Dockerfile", true),
            ("Dockerfile", false),
            ("", false),
        ] {
            assert_eq!(s.is_ignored_path(path), want, "{path}");
        }
    }

    #[test]
    fn glob_matcher_edge_cases() {
        let m = |p: &str, t: &str| glob_match(&compile_glob(p), t);
        assert!(m("*", "abc"));
        assert!(!m("*", "a/b"));
        assert!(m("**", "a/b/c"));
        assert!(m("a/**/b", "a/b"));
        assert!(m("a/**/b", "a/x/y/b"));
        assert!(!m("a/**/b", "a/xb"));
        assert!(m("a*b*c", "aXbYc"));
        assert!(!m("a*b*c", "aXbY"));
        assert!(m("é?", "éx"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        // Pathological patterns stay fast (no exponential backtracking).
        let long = "a".repeat(2000);
        assert!(!m(&"*a".repeat(200).replace("*a", "*a*"), &format!("{long}b/")));
    }

    #[test]
    fn settings_only_keeps_defaults() {
        let s = Settings::only("DL3006");
        assert!(s.is_enabled("DL3006"));
        assert!(!s.is_enabled("DL3007"));
        assert!(s.shellcheck);
    }

    #[test]
    fn hostile_yaml_is_an_error_not_a_panic() {
        let deep = "[".repeat(10_000);
        assert!(ConfigFile::parse_drydock(&deep).is_err());
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        let err = ConfigFile::parse_hadolint(bomb).unwrap_err();
        assert!(
            err.message.starts_with("the file is too large or too deeply nested for a config file ("),
            "{}",
            err.message
        );
        assert!(ConfigFile::parse_drydock("? [a, b]\n: c\n").is_err());
        assert!(ConfigFile::parse_drydock("---\na: 1\n---\nb: 2\n").is_err());
        assert!(ConfigFile::parse_drydock("\u{feff}ignore: [DL3008]\n").is_ok());
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn parsers_never_panic(src in "\\PC{0,200}") {
                let _ = ConfigFile::parse_drydock(&src);
                let _ = ConfigFile::parse_hadolint(&src);
            }

            #[test]
            fn yamlish_input_never_panics(src in "[a-z:\\[\\]{}\\-, \n#&*!'\"|>0-9]{0,120}") {
                let _ = ConfigFile::parse_drydock(&src);
                let _ = ConfigFile::parse_hadolint(&src);
            }

            #[test]
            fn globs_never_panic(p in "[a-z*?/.\\\\]{0,20}", t in "[a-z/.\\\\]{0,30}") {
                let s = Settings { ignore_paths: vec![p], ..Settings::default() };
                let _ = s.is_ignored_path(&t);
            }
        }
    }

    #[test]
    fn rules_off_by_default_run_only_when_switched_on() {
        let mut s = Settings::default();
        assert!(!s.is_enabled("DL3057") && !s.is_enabled("DL1001"));
        assert!(s.is_enabled("DL3008") && s.is_enabled("DX9999"), "default-on and unknown codes run");
        s.apply(&ConfigFile::parse_hadolint("override:\n  warning: [DL3057]\n").unwrap());
        assert!(s.is_enabled("DL3057") && !s.is_enabled("DL1001"));
        s.apply(&ConfigFile::parse_drydock("rules:\n  DL1001: on\n  DL3057: off\n").unwrap());
        assert!(s.is_enabled("DL1001") && !s.is_enabled("DL3057"));
        assert!(Settings::only("DL3057").is_enabled("DL3057"), "a selection runs the rule");
    }
}
