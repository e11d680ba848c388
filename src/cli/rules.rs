//! `drydock rules` and `drydock explain`: the registry, printed.

use std::fmt::Write as _;

use anyhow::Result;

use crate::lint::rules::{FixKind, Meta, RULES, Target, by_code};

fn fix_label(fix: FixKind) -> &'static str {
    match fix {
        FixKind::None => "",
        FixKind::Safe | FixKind::Sometimes => "fix",
        FixKind::Unsafe => "fix (unsafe)",
    }
}

fn target_label(meta: &Meta) -> &'static str {
    match meta.target {
        Target::Dockerfile => "Dockerfile",
        Target::DockerIgnore => ".dockerignore",
    }
}

/// One line per rule: code, tag, severity (`off` for rules that are off by
/// default), fix, summary.
pub fn table() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<7} {:<18} {:<8} {:<6} {:<34} SUMMARY", "CODE", "STANDARD", "SEVERITY", "FIX", "NAME");
    for rule in RULES {
        let m = rule.meta();
        let tag = m.tag.map_or("-", |t| t.as_str());
        // `--fix` applies safe fixes only; a rule whose fixes are all unsafe says so.
        let fix = match m.fix {
            FixKind::None => "",
            FixKind::Safe | FixKind::Sometimes => "fix",
            FixKind::Unsafe => "unsafe",
        };
        let _ = writeln!(
            out,
            "{:<7} {:<18} {:<8} {:<6} {:<34} {}",
            m.code,
            tag,
            if m.enabled_by_default { m.severity.as_str() } else { "off" },
            fix,
            m.name,
            m.summary()
        );
    }
    out
}

/// Every rule as JSON.
pub fn json() -> Result<String> {
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            serde_json::json!({
                "code": m.code,
                "name": m.name,
                "standard": m.tag.map(crate::lint::Tag::as_str),
                "severity": m.severity.as_str(),
                "enabled_by_default": m.enabled_by_default,
                "fix": fix_label(m.fix),
                "file": target_label(m),
                "summary": m.summary(),
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&serde_json::json!({ "rules": rules }))? + "\n")
}

/// A rule's documentation, or `None` for an unknown code.
pub fn explain(code: &str) -> Option<String> {
    let m = by_code(code.trim())?.meta();
    let mut out = String::new();
    let _ = writeln!(out, "# {} ({})\n", m.code, m.name);
    let _ = writeln!(out, "Standard: {}", m.tag.map_or("none (general hygiene)", |t| t.as_str()));
    let _ = writeln!(out, "Severity: {}", m.severity);
    if !m.enabled_by_default {
        let _ = writeln!(out, "Default: off (switch it on with `rules: {{{}: on}}` in .drydock.yml)", m.code);
    }
    let _ = writeln!(out, "Applies to: {}", target_label(m));
    let _ = writeln!(out, "Fix: {}\n", if m.fix == FixKind::None { "none" } else { fix_label(m.fix) });
    out.push_str(&m.docs());
    Some(out)
}

/// Codes that look like `code`, for "did you mean".
pub fn similar_codes(code: &str) -> Vec<&'static str> {
    let upper = code.trim().to_ascii_uppercase();
    let prefix: String = upper.chars().take(4).collect();
    RULES.iter().map(|r| r.meta().code).filter(|c| !prefix.is_empty() && c.starts_with(&prefix)).take(8).collect()
}
