//! Finds every image reference in a Dockerfile and where its digest lives, so
//! an edit can replace exactly the digest bytes (or insert `@sha256:…` after
//! the tag) and nothing else. Pure: text in, sites out. It reuses the lint
//! model's parser spans and ARG expansion, so `drydock lint` and `drydock
//! digest` agree on what a reference is.
//!
//! Where a digest can live:
//! - in the reference itself: `FROM node:20@sha256:…`, `COPY --from=…`,
//!   `RUN --mount=from=…`, also when the name or tag is templated
//!   (`FROM node:${V}@sha256:…`);
//! - in the default of an ARG that is the whole reference
//!   (`ARG BASE=node:20@sha256:…` with `FROM ${BASE}`), or in an ARG default
//!   that holds a pinned reference used anywhere else.
//!
//! A digest is never written into an ARG that other instructions use as a
//! fragment (`FROM ${BASE}-slim`, `RUN echo $BASE`): that would change or break
//! them, the failure Renovate users met in zwave-js-ui#4817. Such sites are
//! refused with a note instead.

use std::collections::HashMap;

use crate::lint::model::image_ref::ImageRef;
use crate::lint::model::{ArgDecl, ImageUseKind, Model, arg_decls};
use crate::lint::parser::{self, Dockerfile, Instruction, Keyword};
use crate::lint::source::{LineIndex, TextRange, to_u32};

/// How a reference is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SiteKind {
    /// `FROM image`.
    From,
    /// `COPY --from=image`.
    CopyFrom,
    /// `RUN --mount=from=image`.
    MountFrom,
    /// `ARG NAME=image:tag@sha256:…` not otherwise used as a reference.
    ArgDefault,
}

/// Where the digest of a site goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The existing digest (`sha256:…`, without the `@`) occupies this span.
    Replace(TextRange),
    /// No digest yet: `@sha256:…` is inserted at this offset.
    Insert(u32),
    /// The digest cannot be edited safely; the note says why and what to do.
    Refused(String),
}

/// One image reference in a file.
#[derive(Clone, Debug)]
pub struct Site {
    /// How it is used.
    pub kind: SiteKind,
    /// 1-based line of the instruction.
    pub line: u32,
    /// The reference as written (`${BASE}`, `node:20@sha256:…`).
    pub written: String,
    /// The reference after ARG expansion, if it parses.
    pub image: Option<ImageRef>,
    /// `FROM --platform=` when it is a literal `os/arch[/variant]`.
    pub platform: Option<String>,
    /// Where the digest goes.
    pub slot: Slot,
    /// The ARG whose default holds the digest, if any.
    pub via_arg: Option<String>,
}

impl Site {
    /// The reference for messages: the expanded familiar form, or as written.
    pub fn display(&self) -> String {
        self.image.as_ref().map_or_else(|| self.written.clone(), ImageRef::familiar_string)
    }
}

/// Every image reference in `src`, in file order.
pub fn sites(src: &str) -> Vec<Site> {
    let (file, _) = parser::parse(src);
    let model = Model::build(&file, None);
    let lines = LineIndex::new(src);
    let usage = VarUsage::collect(&file);
    let mut out = Vec::new();
    let mut taken: Vec<TextRange> = Vec::new();
    for used in &model.images {
        let Some(inst) = file.instructions.get(used.inst) else { continue };
        let img = &used.image;
        if img.expanded.is_empty() && img.raw.is_empty() {
            continue;
        }
        let kind = match used.kind {
            ImageUseKind::From => SiteKind::From,
            ImageUseKind::CopyFrom => SiteKind::CopyFrom,
            ImageUseKind::MountFrom => SiteKind::MountFrom,
        };
        let platform = (kind == SiteKind::From)
            .then(|| inst.flag("platform").and_then(|f| f.value.clone()))
            .flatten()
            .filter(|p| !p.contains('$') && p.split('/').count() >= 2);
        let image = if img.is_resolved() { img.reference.clone() } else { None };
        let (slot, via_arg) = if image.is_none() {
            (Slot::Refused(unresolved_note(img)), None)
        } else {
            slot_for(src, &file, &model, used.inst, &img.raw, img.range, img.arg_default, &usage)
        };
        if let Slot::Replace(r) = &slot {
            taken.push(*r);
        }
        if let Some(r) = arg_target(&slot) {
            taken.push(r);
        }
        out.push(Site {
            kind,
            line: lines.line(inst.range.start),
            written: img.raw.clone(),
            image,
            platform,
            slot,
            via_arg,
        });
    }
    // ARG defaults holding a pinned reference that no site above owns.
    for (i, inst) in file.instructions.iter().enumerate() {
        if inst.keyword != Keyword::Arg {
            continue;
        }
        for decl in arg_decls(inst, i, file.escape) {
            let (Some(value), Some(range)) = (&decl.default, decl.default_range) else { continue };
            if value.contains('$') || !value.contains("@sha256:") || taken.iter().any(|t| range_contains(range, *t)) {
                continue;
            }
            let Ok(image) = ImageRef::parse(value) else { continue };
            if image.tag.is_none() {
                continue;
            }
            let slot = match digest_span(src, range) {
                Some(r) => Slot::Replace(r),
                None => Slot::Refused("the ARG default is quoted or split across lines; edit it by hand".into()),
            };
            out.push(Site {
                kind: SiteKind::ArgDefault,
                line: lines.line(inst.range.start),
                written: value.clone(),
                image: Some(image),
                platform: None,
                slot,
                via_arg: Some(decl.name.clone()),
            });
        }
    }
    out.sort_by_key(|s| s.line);
    out
}

fn range_contains(outer: TextRange, inner: TextRange) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

fn arg_target(slot: &Slot) -> Option<TextRange> {
    match slot {
        Slot::Insert(at) => Some(TextRange::empty(*at)),
        _ => None,
    }
}

fn unresolved_note(img: &crate::lint::model::ImageText) -> String {
    if img.unset.is_empty() {
        format!("`{}` is not a valid image reference after ARG expansion", img.expanded)
    } else {
        format!("`{}` uses {} without a default value; give the ARG a default to pin it", img.raw, img.unset.join(", "))
    }
}

/// The span of `sha256:…` after the last `@` in `src[range]`, when the text is
/// literal (no variable in the digest).
fn digest_span(src: &str, range: TextRange) -> Option<TextRange> {
    let text = src.get(range.start as usize..range.end as usize)?;
    let at = text.rfind('@')?;
    let digest = text.get(at + 1..)?;
    let valid = digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    valid.then(|| TextRange::new(range.start + to_u32(at + 1), range.end))
}

#[allow(clippy::too_many_arguments)]
fn slot_for(
    src: &str,
    file: &Dockerfile,
    model: &Model,
    at: usize,
    raw: &str,
    range: TextRange,
    arg_default: Option<TextRange>,
    usage: &VarUsage,
) -> (Slot, Option<String>) {
    let written = src.get(range.start as usize..range.end as usize).unwrap_or_default();
    if written != raw {
        return (Slot::Refused("the reference is quoted or split across lines; edit it by hand".into()), None);
    }
    if let Some((_, digest)) = raw.rsplit_once('@') {
        if digest.contains('$') {
            return (
                Slot::Refused(
                    "the digest comes from a variable; update the ARG that holds it, or write the digest \
                     in the reference"
                        .into(),
                ),
                None,
            );
        }
        return match digest_span(src, range) {
            Some(r) => (Slot::Replace(r), None),
            None => (Slot::Refused(format!("`{digest}` is not a sha256 digest; fix it by hand")), None),
        };
    }
    let Some(var) = single_var(raw) else {
        return if raw.contains('$') && !raw.contains(':') && !raw.ends_with('}') {
            (Slot::Refused("the reference is built from variables without a literal tag; pin it by hand".into()), None)
        } else {
            (Slot::Insert(range.end), None)
        };
    };
    // The whole reference is `${VAR}`: the digest goes into VAR's default.
    let Some(default_range) = arg_default.or_else(|| stage_arg_default(file, model, at, var)) else {
        return (
            Slot::Refused(format!("`{raw}` has no ARG default in this file; pin the value you pass to --build-arg")),
            Some(var.to_string()),
        );
    };
    let fragment_uses = usage.other_uses(var);
    if fragment_uses > 0 {
        return (
            Slot::Refused(format!(
                "ARG {var} is also used elsewhere as part of other text ({fragment_uses} place(s)); writing a \
                 digest into it would change those too. Split it into its own ARG, or pin by hand"
            )),
            Some(var.to_string()),
        );
    }
    let text = src.get(default_range.start as usize..default_range.end as usize).unwrap_or_default();
    if text.contains('$') || text.starts_with(['"', '\'']) || text.contains('\n') {
        return (
            Slot::Refused(format!("the default of ARG {var} is quoted or templated; pin it by hand")),
            Some(var.to_string()),
        );
    }
    let slot = if text.contains('@') {
        digest_span(src, default_range)
            .map_or_else(|| Slot::Refused(format!("ARG {var} holds an invalid digest; fix it by hand")), Slot::Replace)
    } else {
        Slot::Insert(default_range.end)
    };
    (slot, Some(var.to_string()))
}

/// The default span of the ARG `var` visible at instruction `at` in its
/// stage (or, for a stage ARG without a default, the global one).
fn stage_arg_default(file: &Dockerfile, model: &Model, at: usize, var: &str) -> Option<TextRange> {
    let stage = model.stage_of.get(at).copied().flatten()?;
    let st = model.stages.get(stage)?;
    let mut found: Option<ArgDecl> = None;
    for i in st.body.clone().take_while(|&i| i < at) {
        if let Some(inst) = file.instructions.get(i).filter(|x| x.keyword == Keyword::Arg) {
            for d in arg_decls(inst, i, file.escape) {
                if d.name == var {
                    found = Some(d);
                }
            }
        }
    }
    match found {
        Some(d) if d.default_range.is_some() => d.default_range,
        Some(_) => model.global_args.iter().rev().find(|g| g.name == var).and_then(|g| g.default_range),
        None => None,
    }
}

/// `$NAME` or `${NAME}`.
fn single_var(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix("${").and_then(|r| r.strip_suffix('}')).or_else(|| raw.strip_prefix('$'))?;
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(inner)
}

/// How often each variable is referenced, and how often as a whole image
/// reference (`FROM ${V}`, `COPY --from=$V`).
struct VarUsage {
    total: HashMap<String, usize>,
    whole: HashMap<String, usize>,
}

impl VarUsage {
    fn collect(file: &Dockerfile) -> Self {
        let mut total: HashMap<String, usize> = HashMap::new();
        let mut whole: HashMap<String, usize> = HashMap::new();
        for inst in &file.instructions {
            for word in words(inst) {
                for name in var_names(&word) {
                    *total.entry(name).or_default() += 1;
                }
            }
            for r in image_words(inst) {
                if let Some(v) = single_var(&r) {
                    *whole.entry(v.to_string()).or_default() += 1;
                }
            }
        }
        Self { total, whole }
    }

    fn other_uses(&self, var: &str) -> usize {
        self.total.get(var).copied().unwrap_or(0).saturating_sub(self.whole.get(var).copied().unwrap_or(0))
    }
}

/// Every word of an instruction where a variable could appear: flags,
/// arguments and heredoc bodies.
fn words(inst: &Instruction) -> Vec<String> {
    let inst = inst.effective();
    let mut out: Vec<String> = inst.flags.iter().filter_map(|f| f.value.clone()).collect();
    out.extend(inst.args.iter().map(|a| a.value.clone()));
    out.extend(inst.heredocs.iter().map(|h| h.content.clone()));
    out
}

/// The words of an instruction that are whole image references.
fn image_words(inst: &Instruction) -> Vec<String> {
    let inst = inst.effective();
    match inst.keyword {
        Keyword::From => inst.args.first().map(|a| a.value.clone()).into_iter().collect(),
        Keyword::Copy | Keyword::Add => inst.flag("from").and_then(|f| f.value.clone()).into_iter().collect(),
        Keyword::Run => inst
            .flags
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case("mount"))
            .filter_map(|f| f.value.as_deref())
            .flat_map(|v| v.split(','))
            .filter_map(|field| field.split_once('='))
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("from"))
            .map(|(_, v)| v.to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Names of `$NAME` / `${NAME…}` in a word.
fn var_names(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = word.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'$') {
            let start = if bytes.get(i + 1) == Some(&b'{') { i + 2 } else { i + 1 };
            let mut end = start;
            while bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                end += 1;
            }
            if end > start
                && let Some(name) = word.get(start..end)
            {
                out.push(name.to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Every external reference of `src` after ARG expansion, in model order;
/// used to check an edited file before it is written.
pub fn expanded_refs(src: &str) -> Vec<String> {
    let (file, _) = parser::parse(src);
    let model = Model::build(&file, None);
    model.images.iter().map(|u| u.image.expanded.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    fn slot_text<'a>(src: &'a str, s: &Site) -> &'a str {
        match &s.slot {
            Slot::Replace(r) => r.slice(src),
            Slot::Insert(at) => src.get(..*at as usize).unwrap_or_default(),
            Slot::Refused(n) => panic!("refused: {n}"),
        }
    }

    #[test]
    fn literal_refs_everywhere() {
        let src = format!(
            "FROM node:20@{D1} AS build\nCOPY --from=alpine:3.20 /a /a\nRUN --mount=type=bind,from=busybox:1@{D1},target=/x true\nFROM build\n"
        );
        let s = sites(&src);
        assert_eq!(s.len(), 3, "{s:#?}");
        assert_eq!(s[0].kind, SiteKind::From);
        assert_eq!(slot_text(&src, &s[0]), D1);
        assert_eq!(s[1].kind, SiteKind::CopyFrom);
        assert!(slot_text(&src, &s[1]).ends_with("--from=alpine:3.20"));
        assert_eq!(s[2].kind, SiteKind::MountFrom);
        assert_eq!(slot_text(&src, &s[2]), D1);
    }

    #[test]
    fn whole_ref_arg_edits_the_default() {
        let src = format!("ARG BASE=node:20@{D1}\nFROM ${{BASE}}\nFROM $BASE\n");
        let s = sites(&src);
        assert_eq!(s.len(), 2, "{s:#?}");
        for site in &s {
            assert_eq!(site.slot, Slot::Replace(TextRange::from_usize(17, 17 + D1.len())));
            assert_eq!(site.via_arg.as_deref(), Some("BASE"));
        }
    }

    #[test]
    fn fragment_arg_is_refused() {
        let src = "ARG BASE=alpine:3.20\nFROM ${BASE}\nFROM ${BASE}-slim\n";
        let s = sites(src);
        assert!(matches!(&s[0].slot, Slot::Refused(n) if n.contains("ARG BASE is also used")), "{s:#?}");
    }

    #[test]
    fn templated_tag_gets_digest_in_the_reference() {
        let src = "ARG V=3.20\nFROM alpine:${V}\nFROM node:22-alpine${V}\n";
        let s = sites(src);
        assert_eq!(s[0].slot, Slot::Insert(to_u32(src.find("${V}\n").unwrap() + 4)));
        assert_eq!(s[0].image.as_ref().unwrap().tag.as_deref(), Some("3.20"));
    }

    #[test]
    fn stage_arg_for_copy_from() {
        let src = "FROM scratch\nARG IMG=busybox:1\nCOPY --from=${IMG} /bin/sh /sh\n";
        let s = sites(src);
        assert_eq!(s.len(), 1, "{s:#?}");
        assert_eq!(s[0].slot, Slot::Insert(to_u32("FROM scratch\nARG IMG=busybox:1".len())));
    }

    #[test]
    fn unused_pinned_arg_default_is_a_site() {
        let src = format!("ARG TOOL=ghcr.io/o/tool:1@{D1}\nFROM scratch\n");
        let s = sites(&src);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, SiteKind::ArgDefault);
        assert_eq!(slot_text(&src, &s[0]), D1);
    }

    #[test]
    fn platform_and_unset() {
        let src = "FROM --platform=linux/arm64/v8 node:20\nFROM ${NOPE}\nFROM --platform=$BUILDPLATFORM a:1\n";
        let s = sites(src);
        assert_eq!(s[0].platform.as_deref(), Some("linux/arm64/v8"));
        assert!(matches!(&s[1].slot, Slot::Refused(n) if n.contains("NOPE")));
        assert_eq!(s[2].platform, None);
    }

    #[test]
    fn continuation_is_refused() {
        let src = format!("FROM \\\n  node:20@{D1}\n");
        let s = sites(&src);
        assert_eq!(slot_text(&src, &s[0]), D1);
    }
}
