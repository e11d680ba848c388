//! `LABEL` key/value pairs and the value formats of hadolint's `label-schema`
//! (DL3048–DL3058).

use crate::lint::{HashMap, HashSet};

use crate::lint::TextRange;
use crate::lint::model::expand::{expand, unquote};
use crate::lint::model::{Model, ScopeCursor};
use crate::lint::parser::{Dockerfile, Instruction, Keyword};

/// One `key=value` of a `LABEL`, unquoted, with the spans as written.
pub(crate) struct LabelPair {
    /// The key without quotes.
    pub key: String,
    /// The value without quotes (variables kept as written).
    pub value: String,
    /// Span of the key.
    pub key_range: TextRange,
    /// Span of the value.
    pub value_range: TextRange,
}

/// The pairs of a `LABEL` instruction (empty for any other instruction).
pub(crate) fn label_pairs(inst: &Instruction, escape: char) -> Vec<LabelPair> {
    if inst.keyword != Keyword::Label {
        return Vec::new();
    }
    inst.args
        .chunks(2)
        .filter_map(|p| {
            let (k, v) = (p.first()?, p.get(1)?);
            Some(LabelPair {
                key: unquote(&k.value, escape),
                value: unquote(&v.value, escape),
                key_range: k.range,
                value_range: v.range,
            })
        })
        .collect()
}

/// The keys of a `LABEL` instruction's pairs, with their spans, as [`label_pairs`] gives them (without
/// reading the values).
pub(crate) fn label_keys(inst: &Instruction, escape: char) -> impl Iterator<Item = (String, TextRange)> + '_ {
    let pairs = if inst.keyword == Keyword::Label { inst.args.as_slice() } else { &[] };
    pairs.chunks(2).filter_map(move |p| {
        let (k, _) = (p.first()?, p.get(1)?);
        Some((unquote(&k.value, escape), k.range))
    })
}

/// A label value as a plain `docker build` (no `--build-arg`) sets it.
pub(crate) struct BuiltLabel {
    /// The pair as written.
    pub pair: LabelPair,
    /// The value after expanding ARG and ENV defaults, an ARG without a
    /// default counting as empty; `None` when a variable is declared nowhere
    /// in the file (the base image sets it, so the value is unknown).
    pub value: Option<String>,
    /// ARGs the value uses that have no default.
    pub unset: Vec<String>,
}

/// Every `LABEL` pair of the file with the value a plain build gives it.
pub(crate) fn built_labels(file: &Dockerfile, model: &Model) -> Vec<BuiltLabel> {
    let declared: HashSet<String> = file
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == Keyword::Arg)
        .flat_map(|(n, _)| model.args_of(n))
        .map(|d| d.name.clone())
        .collect();
    let mut out = Vec::new();
    // In file order, so the scope is carried forward rather than rebuilt for each LABEL.
    let mut scopes = ScopeCursor::new(model, file);
    let no_scope = HashMap::default();
    for (i, inst) in file.instructions.iter().enumerate() {
        let pairs = label_pairs(inst, model.escape);
        if pairs.is_empty() {
            continue;
        }
        let raw: Vec<&str> = inst.args.chunks(2).filter_map(|p| p.get(1).map(|v| v.value.as_str())).collect();
        let scope: &HashMap<String, String> =
            if pairs.iter().any(|p| p.value.contains('$')) { scopes.at(i) } else { &no_scope };
        for (pair, raw) in pairs.into_iter().zip(raw) {
            if !pair.value.contains('$') {
                let value = Some(pair.value.clone());
                out.push(BuiltLabel { pair, value, unset: Vec::new() });
                continue;
            }
            let lookup = |name: &str| scope.get(name).cloned();
            let expanded = expand(raw, model.escape, &lookup);
            let known = expanded.error.is_none() && expanded.unset.iter().all(|n| declared.contains(n));
            let value = known.then_some(expanded.value);
            out.push(BuiltLabel { pair, value, unset: expanded.unset });
        }
    }
    out
}

/// The message tail for a value that depends on ARGs without a default.
pub(crate) fn unset_note(unset: &[String]) -> String {
    match unset {
        [] => String::new(),
        [one] => format!(" (`${one}` has no default, so a build without `--build-arg` leaves it empty)"),
        many => format!(
            " ({} have no default, so a build without `--build-arg` leaves them empty)",
            many.iter().map(|n| format!("`${n}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// An absolute URI: a scheme, `:`, and only characters a URI may hold.
pub(crate) fn is_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else { return false };
    let mut sc = scheme.chars();
    sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        && sc.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c))
}

/// An RFC 3339 timestamp: `2024-05-01T12:30:00Z`, `2024-05-01T12:30:00.5+02:00`.
pub(crate) fn is_rfc3339(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| v.get(r).and_then(|s| s.parse::<u32>().ok()).unwrap_or(99);
    if b.len() < 20
        || !digits(0..4)
        || b.get(4) != Some(&b'-')
        || !digits(5..7)
        || b.get(7) != Some(&b'-')
        || !digits(8..10)
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || !digits(11..13)
        || b.get(13) != Some(&b':')
        || !digits(14..16)
        || b.get(16) != Some(&b':')
        || !digits(17..19)
    {
        return false;
    }
    if !(1..=12).contains(&num(5..7)) || !(1..=31).contains(&num(8..10)) || num(11..13) > 23 || num(14..16) > 59 {
        return false;
    }
    if num(17..19) > 60 {
        return false;
    }
    let mut rest = v.get(19..).unwrap_or_default();
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.chars().take_while(char::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = frac.get(n..).unwrap_or_default();
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && rest.get(1..3).and_then(|h| h.parse::<u32>().ok()).is_some_and(|h| h <= 23)
                && rest.get(4..6).and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

/// A short (7) or full (40) lowercase hex git commit hash.
pub(crate) fn is_git_hash(v: &str) -> bool {
    (v.len() == 7 || v.len() == 40) && v.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// A semantic version (semver 2.0.0): `1.2.3`, `1.2.3-rc.1+build.5`.
pub(crate) fn is_semver(v: &str) -> bool {
    semver::Version::parse(v).is_ok()
}

/// One SPDX license identifier (`MIT`, `Apache-2.0`, `GPL-3.0-or-later`).
pub(crate) fn is_spdx_id(v: &str) -> bool {
    spdx::license_id(v).is_some()
}

/// An email address as RFC 5322 allows in practice: `local@domain`, the
/// local part dot-separated atoms (or a quoted string), the domain
/// dot-separated labels (or an `[address literal]`).
pub(crate) fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else { return false };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        true
    } else {
        !local.is_empty() && local.split('.').all(|atom| !atom.is_empty() && atom.chars().all(atext))
    };
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') {
        domain.len() > 2
    } else {
        !domain.is_empty()
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
            })
    };
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(
            is_url("https://github.com/o/r")
                && is_url("mailto:a@b.c")
                && !is_url("github.com/o/r")
                && !is_url("https://a b")
        );
        assert!(is_rfc3339("2024-05-01T12:30:00Z") && is_rfc3339("2024-05-01T12:30:00.123+02:00"));
        assert!(!is_rfc3339("2024-05-01") && !is_rfc3339("2024-13-01T12:30:00Z") && !is_rfc3339("2024-05-01T12:30:00"));
        assert!(
            is_git_hash("abc1234") && is_git_hash(&"a".repeat(40)) && !is_git_hash("ABC1234") && !is_git_hash("abc12")
        );
        assert!(is_semver("1.2.3") && is_semver("1.2.3-rc.1+b5") && !is_semver("v1.2.3") && !is_semver("1.2"));
        assert!(
            is_spdx_id("MIT")
                && is_spdx_id("Apache-2.0")
                && !is_spdx_id("MIT OR Apache-2.0")
                && !is_spdx_id("Proprietary")
        );
        assert!(is_email("a.b+c@example.com") && is_email("\"a b\"@x.org"));
        assert!(!is_email("a@") && !is_email("@x.org") && !is_email("a..b@x.org") && !is_email("Jane <j@x.org>"));
    }
}
