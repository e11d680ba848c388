//! Shared pieces for the rules that check (and fix) package-manager and
//! download commands in RUN: edits next to a word, which are only offered when
//! the word's source bytes are exactly what the shell reads, and BuildKit cache
//! mounts, which make cache clean-up rules moot.
//!
//! A word is "verbatim" when its span in the Dockerfile holds its raw text: not
//! split by a line continuation, not a JSON string of an exec-form RUN, not
//! inside an escaped `sh -c "…"` argument. Anywhere else an inserted flag could
//! land in the wrong place, so no fix is offered there.

use super::commands::RunCmd;
use crate::lint::diagnostic::Edit;
use crate::lint::model::shell::Word;
use crate::lint::parser::Instruction;

/// Inserts ` text` right after `word`, when the word is written verbatim; in
/// an exec-form RUN (`["apt-get", "install", …]`) inserts `, "text"` after the
/// word's JSON string when it has no escapes.
pub(crate) fn insert_after(src: &str, cmd: &RunCmd<'_>, word: &Word, text: &str) -> Option<Edit> {
    let range = cmd.word_range(word);
    let written = range.slice(src);
    if word.raw().is_empty() {
        return None;
    }
    if written == word.raw() {
        return Some(Edit::insert(range.end, format!(" {text}")));
    }
    let exec_form = cmd.script.text.is_empty();
    let plain = |s: &str| !s.contains(['"', '\\']);
    (exec_form && plain(word.raw()) && plain(text) && written == format!("\"{}\"", word.raw()))
        .then(|| Edit::insert(range.end, format!(", \"{text}\"")))
}

/// Replaces `word` with `text`, when the word is written verbatim.
pub(crate) fn replace_word(src: &str, cmd: &RunCmd<'_>, word: &Word, text: &str) -> Option<Edit> {
    let range = cmd.word_range(word);
    (!word.raw().is_empty() && range.slice(src) == word.raw()).then(|| Edit::replace(range, text))
}

/// The targets of the `RUN --mount=type=cache` and `type=tmpfs` mounts of an
/// instruction (the wrapped one for `ONBUILD RUN`).
#[cfg(test)]
pub(crate) fn cache_mount_targets(inst: &Instruction) -> Vec<String> {
    let mut out = Vec::new();
    any_cache_mount_target(inst, |t| {
        out.push(t.to_string());
        false
    });
    out
}

/// Whether `pred` holds for the target of one of the instruction's cache or tmpfs mounts, in the order of
/// [`cache_mount_targets`] (which allocates its strings; the checks below only need to look at them).
fn any_cache_mount_target(inst: &Instruction, mut pred: impl FnMut(&str) -> bool) -> bool {
    let inst = inst.effective();
    for flag in inst.flags.iter().filter(|f| f.name.eq_ignore_ascii_case("mount")) {
        let Some(value) = &flag.value else { continue };
        let mut kind = None;
        let mut target = None;
        for field in value.split(',') {
            let (k, v) = field.split_once('=').unwrap_or((field, ""));
            let v = v.trim().trim_matches(['"', '\'']);
            let k = k.trim();
            if k.eq_ignore_ascii_case("type") {
                kind = Some(v);
            } else if ["target", "dst", "destination"].iter().any(|t| k.eq_ignore_ascii_case(t)) {
                target = Some(v);
            }
        }
        if kind.is_some_and(|k| k.eq_ignore_ascii_case("cache") || k.eq_ignore_ascii_case("tmpfs"))
            && let Some(t) = target
            && pred(t)
        {
            return true;
        }
    }
    false
}

/// Whether the instruction has a cache or tmpfs mount whose target contains
/// `fragment` (hadolint's `hasCacheOrTmpfsMountWith`).
pub(crate) fn has_cache_mount(inst: &Instruction, fragment: &str) -> bool {
    any_cache_mount_target(inst, |t| t.contains(fragment))
}

/// Whether the instruction has a cache or tmpfs mount on `dir` or below it.
pub(crate) fn has_cache_mount_under(inst: &Instruction, dir: &str) -> bool {
    any_cache_mount_target(inst, |t| t.trim_end_matches('/').starts_with(dir))
}

/// Whether `cmd` runs `tool` with any argument equal to one of `args`
/// (hadolint's `cmdHasArgs`).
pub(crate) fn has_arg(cmd: &RunCmd<'_>, tool: &str, args: &[&str]) -> bool {
    cmd.name() == tool && cmd.args().iter().any(|w| args.contains(&w.text.as_str()))
}

/// Whether `cmd` is `rm` of a path under one of `dirs`, or of a directory
/// above one of them (`rm -rf /var/lib/apt` removes `/var/lib/apt/lists`).
pub(crate) fn removes_under(cmd: &RunCmd<'_>, dirs: &[&str]) -> bool {
    cmd.name() == "rm"
        && cmd.args().iter().any(|w| {
            let path = w.text.trim_end_matches('/');
            dirs.iter().any(|d| {
                w.text.starts_with(d)
                    || (path.len() > 1
                        && path.starts_with('/')
                        && d.strip_prefix(path).is_some_and(|rest| rest.starts_with('/')))
            })
        })
}

/// hadolint's truthy values for switches such as `PIP_NO_CACHE_DIR`.
pub(crate) fn is_truthy(value: &str) -> bool {
    matches!(
        value.trim().trim_matches(['"', '\'']),
        "1" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "yes" | "Yes" | "YES"
    )
}

/// The package-cache rules' common check (DL3009, DL3032, DL3036, DL3040, DL3060, DD367): in each RUN
/// whose cache no mount covers, the first command that installs, when no command of the same RUN (or,
/// with `later_only`, none after it) cleans up.
pub(crate) struct CacheCleanup<'f> {
    /// Only RUNs of stages that end up in an image (the final stage and stages built on), as hadolint
    /// checks DL3009 and DL3060.
    pub only_in_image: bool,
    /// The clean-up must come after the install (hadolint's DL3036 and DL3040).
    pub later_only: bool,
    /// The RUN has a cache mount that keeps the cache out of the layer.
    pub mounted: &'f dyn Fn(&Instruction) -> bool,
    /// The command installs (or fills the cache).
    pub install: &'f dyn Fn(&RunCmd<'_>) -> bool,
    /// The command cleans the cache up.
    pub cleaned: &'f dyn Fn(&RunCmd<'_>) -> bool,
}

impl CacheCleanup<'_> {
    /// The span and name of every installing command left without clean-up.
    pub(crate) fn uncleaned(
        &self,
        cx: &crate::lint::context::Context<'_>,
    ) -> Vec<(crate::lint::source::TextRange, String)> {
        // Which stages end up in an image, read only once a RUN installs (most files have none).
        let mut in_image = None;
        let mut out = Vec::new();
        for run in cx.run_scripts().iter() {
            let Some(inst) = cx.file.instructions.get(run.inst) else { continue };
            let cmds = run.commands();
            // Stages and mounts are looked at only for RUNs that install (most do not).
            let Some(at) = cmds.iter().position(|c| (self.install)(c)) else { continue };
            if self.only_in_image
                && !in_image
                    .get_or_insert_with(|| super::dl3009_apt_lists_not_deleted::InImage::new(cx.model))
                    .holds(run.inst)
            {
                continue;
            }
            if (self.mounted)(inst) {
                continue;
            }
            let from = if self.later_only { at + 1 } else { 0 };
            if cmds.iter().skip(from).any(|c| (self.cleaned)(c)) {
                continue;
            }
            if let Some(install) = cmds.get(at) {
                out.push((install.range(), install.name().to_owned()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::parser::parse;

    #[test]
    fn cache_mounts_are_read_from_flags() {
        let (file, _) = parse(
            "FROM alpine:3\nRUN --mount=type=cache,target=/var/cache/apk --mount=type=bind,target=/src --mount=type=tmpfs,dst=/root/.cache/pip/ apk add x\nONBUILD RUN --mount=type=cache,id=a,destination=/var/lib/apt/lists true\n",
        );
        let run = &file.instructions[1];
        assert_eq!(cache_mount_targets(run), ["/var/cache/apk", "/root/.cache/pip/"]);
        assert!(has_cache_mount(run, ".cache/pip") && !has_cache_mount(run, "/src"));
        assert!(has_cache_mount_under(&file.instructions[2], "/var/lib/apt"));
        assert!(!has_cache_mount_under(run, "/var/lib/apt"));
    }

    /// The mount targets as they were first read (a `String` per field): the reference for
    /// [`cache_mount_targets`], which now compares the fields in place.
    fn cache_mount_targets_by_copies(inst: &Instruction) -> Vec<String> {
        let inst = inst.effective();
        let mut out = Vec::new();
        for flag in inst.flags.iter().filter(|f| f.name.eq_ignore_ascii_case("mount")) {
            let Some(value) = &flag.value else { continue };
            let mut kind = None;
            let mut target = None;
            for field in value.split(',') {
                let (k, v) = field.split_once('=').unwrap_or((field, ""));
                let v = v.trim().trim_matches(['"', '\'']);
                match k.trim().to_ascii_lowercase().as_str() {
                    "type" => kind = Some(v.to_ascii_lowercase()),
                    "target" | "dst" | "destination" => target = Some(v.to_string()),
                    _ => {}
                }
            }
            if matches!(kind.as_deref(), Some("cache" | "tmpfs"))
                && let Some(t) = target
            {
                out.push(t);
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn cache_mounts_agree_with_the_copying_reader(
            fields in proptest::collection::vec(
                "( ?(?i:type|target|dst|destination|id|from) ?(= ?(?i:cache|tmpfs|bind|secret|/var/cache/apt/?|'/root/.cache'|\"x\"|))?)",
                0..6,
            ),
            onbuild in proptest::bool::ANY,
        ) {
            let src = format!("FROM a\n{}RUN --mount={} --MOUNT=type=cache,target=/b true\n", if onbuild { "ONBUILD " } else { "" }, fields.join(","));
            let (file, _) = parse(&src);
            let run = &file.instructions[1];
            proptest::prop_assert_eq!(cache_mount_targets(run), cache_mount_targets_by_copies(run));
        }
    }

    #[test]
    fn truthy() {
        assert!(is_truthy("1") && is_truthy("\"on\"") && is_truthy("YES"));
        assert!(!is_truthy("0") && !is_truthy("false") && !is_truthy(""));
    }
}
