//! Config discovery: for each linted file, the nearest ancestor directory with
//! `.drydock.yml` (or `.drydock.yaml`, `.github/drydock.yml`) wins, and so does
//! the nearest `.hadolint.yaml`; hadolint's settings apply first, drydock's on
//! top. `--config` replaces discovery. Results are cached per directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::lint::settings::{ConfigFile, Settings};

const DRYDOCK_NAMES: &[&str] = &[".drydock.yml", ".drydock.yaml", ".github/drydock.yml", ".github/drydock.yaml"];
const HADOLINT_NAMES: &[&str] = &[".hadolint.yaml", ".hadolint.yml"];
/// Config files larger than this are refused.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Finds and caches settings per directory.
pub struct ConfigResolver {
    explicit: Option<Settings>,
    cache: HashMap<PathBuf, Settings>,
    /// Applied after any file (CLI flags).
    overrides: Box<dyn Fn(&mut Settings)>,
}

impl ConfigResolver {
    /// A resolver; `explicit` is `--config`, `overrides` applies CLI flags.
    pub fn new(explicit: Option<&Path>, overrides: Box<dyn Fn(&mut Settings)>) -> Result<Self> {
        let explicit = match explicit {
            Some(path) => {
                let mut settings = Settings::default();
                let is_hadolint = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains("hadolint"));
                settings.apply(&load(path, is_hadolint)?);
                overrides(&mut settings);
                Some(settings)
            }
            None => None,
        };
        Ok(Self { explicit, cache: HashMap::new(), overrides })
    }

    /// Settings for a file in `dir`.
    pub fn for_dir(&mut self, dir: &Path) -> Result<Settings> {
        if let Some(s) = &self.explicit {
            return Ok(s.clone());
        }
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if let Some(s) = self.cache.get(&dir) {
            return Ok(s.clone());
        }
        let mut settings = Settings::default();
        if let Some(path) = nearest(&dir, HADOLINT_NAMES) {
            settings.apply(&load(&path, true)?);
        }
        if let Some(path) = nearest(&dir, DRYDOCK_NAMES) {
            settings.apply(&load(&path, false)?);
        }
        (self.overrides)(&mut settings);
        self.cache.insert(dir, settings.clone());
        Ok(settings)
    }
}

fn nearest(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    dir.ancestors().find_map(|d| names.iter().map(|n| d.join(n)).find(|p| p.is_file()))
}

fn load(path: &Path, hadolint: bool) -> Result<ConfigFile> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read config `{}`", path.display()))?;
    if meta.len() > MAX_CONFIG_BYTES {
        anyhow::bail!("config `{}` is larger than 1 MiB; is it the right file?", path.display());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read config `{}`", path.display()))?;
    let parsed = if hadolint { ConfigFile::parse_hadolint(&text) } else { ConfigFile::parse_drydock(&text) };
    let file = parsed.with_context(|| format!("in config `{}`", path.display()))?;
    for warning in &file.warnings {
        eprintln!("drydock: warning: {}: {warning}", path.display());
    }
    let unknown = file.unknown_codes(|c| crate::lint::rules::by_code(c).is_some() || c.starts_with("SC"));
    if !unknown.is_empty() {
        eprintln!(
            "drydock: warning: {}: unknown rule codes {} (run `drydock rules` to list them)",
            path.display(),
            unknown.join(", ")
        );
    }
    Ok(file)
}
