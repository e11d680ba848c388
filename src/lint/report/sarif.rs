//! SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.
//!
//! One run. `tool.driver.rules` lists only the codes that appear, sorted, with
//! docs from the rule registry when a rule owns the code and a generic entry
//! otherwise (`ShellCheck`, parse errors); `ruleIndex` points into that list.
//! Columns count Unicode code points (`columnKind`), and regions end exclusively,
//! as SARIF defines. The standard tag goes into `properties.tags` of both the rule
//! and the result, next to `standard` (a section of the standard) or `hygiene`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use std::io::Write;

use super::{
    FileReport, JSON_BYTES_PER_FINDING, RuleInfo, for_each_located, json_string, position, repo_path, write_json_pretty,
};
use crate::lint::diagnostic::{Applicability, Fix, Severity, Tag};
use crate::lint::source::LineIndex;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Properties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    properties: Properties,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: [ArtifactChange; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    inserted_content: Option<Text>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

fn tags(tag: Option<Tag>) -> Vec<&'static str> {
    match tag {
        Some(tag) => vec![tag.as_str(), "standard"],
        None => vec!["hygiene"],
    }
}

/// Renders every finding of `files` as one SARIF log.
pub fn render(files: &[FileReport]) -> String {
    // Results run longer than JSON findings (locations, tags), and the rule list comes on top.
    json_string(files, 2 * JSON_BYTES_PER_FINDING, |out| write(files, out))
}

/// Writes [`render`]'s log to `out`.
pub fn write(files: &[FileReport], out: &mut dyn Write) -> std::io::Result<()> {
    write_with(files, &RuleInfo::lookup, out)
}

/// [`render`] with the rule descriptions from `lookup`.
#[cfg(test)]
fn render_with(files: &[FileReport], lookup: &dyn Fn(&str) -> RuleInfo) -> String {
    json_string(files, 2 * JSON_BYTES_PER_FINDING, |out| write_with(files, lookup, out))
}

/// [`write`] with the rule descriptions from `lookup`.
fn write_with(files: &[FileReport], lookup: &dyn Fn(&str) -> RuleInfo, out: &mut dyn Write) -> std::io::Result<()> {
    // Codes that appear, sorted, with the first finding's severity and tag as the
    // fallback for codes no rule owns.
    let mut seen: BTreeMap<&str, (Severity, Option<Tag>)> = BTreeMap::new();
    for d in files.iter().flat_map(|f| &f.diagnostics) {
        seen.entry(d.code.as_ref()).or_insert((d.severity, d.tag));
    }
    let index_of: BTreeMap<&str, usize> = seen.keys().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules = seen.iter().map(|(code, (severity, tag))| rule(lookup(code), *severity, *tag)).collect();

    let mut results = Vec::new();
    for_each_located(files, |at, index| {
        let d = at.diagnostic;
        let uri = file_uri(&at.file.path);
        let fix_list = d.fix.as_ref().map(|fix| sarif_fix(&at.file.source, index, &uri, fix)).into_iter().collect();
        results.push(SarifResult {
            rule_id: d.code.to_string(),
            rule_index: index_of.get(d.code.as_ref()).copied().unwrap_or_default(),
            level: level(d.severity),
            message: Text { text: d.message.clone() },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri },
                    region: Region {
                        start_line: at.span.line,
                        start_column: at.span.column,
                        end_line: at.span.end_line,
                        end_column: at.span.end_column,
                    },
                },
            }],
            properties: Properties { tags: tags(d.tag), help: d.help.clone() },
            fixes: fix_list,
        });
    });

    let repository = env!("CARGO_PKG_REPOSITORY");
    write_json_pretty(
        &Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "drydock",
                        information_uri: (!repository.is_empty()).then_some(repository),
                        version: env!("CARGO_PKG_VERSION"),
                        rules,
                    },
                },
                column_kind: "unicodeCodePoints",
                results,
            }],
        },
        out,
    )
}

fn rule(info: RuleInfo, severity: Severity, tag: Option<Tag>) -> Rule {
    let tag = info.tag.or(tag);
    Rule {
        id: info.code,
        name: info.name,
        short_description: Text { text: info.summary },
        full_description: info.docs.as_ref().map(|d| Text { text: d.clone() }),
        help: info.docs.map(|d| Help { text: d.clone(), markdown: d }),
        help_uri: info.help_uri,
        default_configuration: Configuration { level: level(info.severity.unwrap_or(severity)) },
        properties: Properties { tags: tags(tag), help: None },
    }
}

fn sarif_fix(src: &str, index: &LineIndex, uri: &str, fix: &Fix) -> SarifFix {
    let replacements = fix
        .edits
        .iter()
        .map(|e| {
            let (start_line, start_column) = position(src, index, e.range.start);
            let (end_line, end_column) = position(src, index, e.range.end);
            Replacement {
                deleted_region: Region { start_line, start_column, end_line, end_column },
                inserted_content: (!e.content.is_empty()).then(|| Text { text: e.content.clone() }),
            }
        })
        .collect();
    SarifFix {
        description: Text {
            text: match fix.applicability {
                Applicability::Safe => "safe fix".to_string(),
                Applicability::Unsafe => "unsafe fix: review it before applying".to_string(),
            },
        },
        artifact_changes: [ArtifactChange {
            artifact_location: ArtifactLocation { uri: uri.to_string() },
            replacements,
        }],
    }
}

/// A URI reference for `path`: repository-relative paths stay relative,
/// absolute ones become `file://` URIs, and bytes outside RFC 3986's unreserved
/// set and `/` are percent-encoded.
fn file_uri(path: &str) -> String {
    let path = repo_path(path);
    let (prefix, rest) = if path.starts_with('/') {
        ("file://", path.as_str())
    } else if path.as_bytes().get(1) == Some(&b':') && path.as_bytes().get(2) == Some(&b'/') {
        ("file:///", path.as_str()) // a Windows drive path, `C:/…`
    } else {
        ("", path.as_str())
    };
    let mut out = String::with_capacity(prefix.len() + rest.len());
    out.push_str(prefix);
    for (i, b) in rest.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (b == b':' && !prefix.is_empty() && i == 1);
        if keep {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::report::fixtures;
    use crate::lint::rules::{FixKind, Meta, Target};

    /// The log with the crate version replaced, so a release does not change it.
    fn stable(out: &str) -> String {
        out.replace(&format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")), "\"version\": \"[version]\"")
    }

    /// A registered rule as the registry would describe it, so the snapshot
    /// shows the docs path without depending on which rules exist.
    static UNTAGGED: Meta = Meta {
        code: "DL3006",
        name: "untagged-image",
        tag: Some(Tag::PinnedBase),
        severity: Severity::Warning,
        fix: FixKind::Unsafe,
        target: Target::Dockerfile,
        docs: " ## What it does\n Checks that `FROM` names a tag. Untagged images float.\n\n ## Why is this bad?\n Builds change under you.\n",
        enabled_by_default: true,
    };

    fn lookup(code: &str) -> RuleInfo {
        if code == UNTAGGED.code {
            RuleInfo::from_meta(&UNTAGGED)
        } else {
            let mut info = RuleInfo::lookup(code);
            // Codes the fixtures borrow from real rules: describe them generically
            // whether or not the registry has them yet.
            if info.docs.is_some() {
                info = RuleInfo {
                    code: code.to_string(),
                    name: code.to_ascii_lowercase(),
                    summary: format!("Finding {code}"),
                    docs: None,
                    severity: None,
                    tag: None,
                    help_uri: None,
                };
            }
            info
        }
    }

    #[test]
    fn snapshot() {
        let mut files = fixtures::files();
        files.push(fixtures::clean());
        insta::assert_snapshot!(stable(&render_with(&files, &lookup)));
    }

    #[test]
    fn registered_rules_carry_their_docs() {
        let v: serde_json::Value = serde_json::from_str(&render_with(&fixtures::files(), &lookup)).unwrap();
        let rule = &v["runs"][0]["tool"]["driver"]["rules"][5];
        assert_eq!(rule["id"], "DL3006");
        assert_eq!(rule["name"], "untagged-image");
        assert_eq!(rule["shortDescription"]["text"], "Checks that `FROM` names a tag");
        let docs = "## What it does\nChecks that `FROM` names a tag. Untagged images float.\n\n## Why is this bad?\nBuilds change under you.\n";
        assert_eq!(rule["fullDescription"]["text"], docs);
        assert_eq!(rule["help"]["markdown"], docs);
        assert_eq!(rule["defaultConfiguration"]["level"], "warning");
    }

    #[test]
    fn rules_and_results_agree() {
        let v: serde_json::Value = serde_json::from_str(&render(&fixtures::files())).unwrap();
        let run = &v["runs"][0];
        assert_eq!(v["$schema"], SCHEMA);
        assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["DD060", "DD090", "DD301", "DL1000", "DL3002", "DL3006", "DL3009", "SC2086"]);
        for result in run["results"].as_array().unwrap() {
            let i = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[i]["id"], result["ruleId"]);
        }
        let sc = &rules[7];
        assert_eq!(sc["helpUri"], "https://www.shellcheck.net/wiki/SC2086");
        assert_eq!(sc["defaultConfiguration"]["level"], "note");
        assert_eq!(sc["properties"]["tags"], serde_json::json!(["hygiene"]));
        let first = &run["results"][0];
        assert_eq!(first["properties"]["tags"], serde_json::json!(["pinned-base", "standard"]));
        let replacement = &first["fixes"][0]["artifactChanges"][0]["replacements"][0];
        assert_eq!(
            replacement["deletedRegion"],
            serde_json::json!({"startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 12})
        );
        assert_eq!(replacement["insertedContent"]["text"], "debian:12");
    }

    #[test]
    fn uris() {
        assert_eq!(file_uri("./web app/Dockerfile"), "web%20app/Dockerfile");
        assert_eq!(file_uri("a\\b/Dockerfile"), "a/b/Dockerfile");
        assert_eq!(file_uri("/srv/x y/Dockerfile"), "file:///srv/x%20y/Dockerfile");
        assert_eq!(file_uri("C:\\src\\Dockerfile"), "file:///C:/src/Dockerfile");
        assert_eq!(file_uri("café#1?.dockerignore"), "caf%C3%A9%231%3F.dockerignore");
    }
}
