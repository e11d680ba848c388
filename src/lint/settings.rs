//! Rule selection and severity overrides from `.drydock.yml` and
//! `.hadolint.yaml` (placeholder). Pure: the CLI finds and reads the files.

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::Severity;

/// Resolved lint settings.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Codes switched off.
    pub disabled: BTreeSet<String>,
    /// When set, only these codes run (tests and `--select`).
    pub only: Option<BTreeSet<String>>,
    /// Per-code severity overrides.
    pub severity: BTreeMap<String, Severity>,
    /// Registries FROM may use (`DL3026`); empty means any.
    pub trusted_registries: Vec<String>,
    /// Extra base images accepted as minimal (`minimal-base`), as image-name globs.
    pub allowed_bases: Vec<String>,
    /// Findings below this do not fail the run.
    pub failure_threshold: Option<Severity>,
    /// Glob patterns of paths not to lint.
    pub ignore_paths: Vec<String>,
}

impl Settings {
    /// Settings that run only `code` (for rule fixtures).
    pub fn only(code: &str) -> Self {
        Self { only: Some(std::iter::once(code.to_string()).collect()), ..Self::default() }
    }

    /// Whether `code` runs.
    pub fn is_enabled(&self, code: &str) -> bool {
        !self.disabled.contains(code) && self.only.as_ref().is_none_or(|o| o.contains(code))
    }
}

/// What one config file says (placeholder).
#[derive(Clone, Debug, Default)]
pub struct ConfigFile {}

/// A config file that cannot be used (placeholder).
#[derive(Debug, thiserror::Error)]
#[error("invalid config: {0}")]
pub struct ConfigError(String);

impl ConfigFile {
    /// Parses `.drydock.yml` (placeholder).
    pub fn parse_drydock(_src: &str) -> Result<Self, ConfigError> {
        Ok(Self {})
    }

    /// Parses `.hadolint.yaml` (placeholder).
    pub fn parse_hadolint(_src: &str) -> Result<Self, ConfigError> {
        Ok(Self {})
    }
}

impl Settings {
    /// Applies a config file (placeholder).
    pub fn apply(&mut self, _file: &ConfigFile) {}

    /// Whether `path` matches `ignore-paths` (placeholder).
    pub fn is_ignored_path(&self, _path: &str) -> bool {
        false
    }
}
