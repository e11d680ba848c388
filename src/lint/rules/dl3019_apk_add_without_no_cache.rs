use super::commands::parse_args;
use super::dl3018_unpinned_apk_package::APK;
use super::run_fix::{has_cache_mount, insert_after};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;

declare_rule! {
    /// ## What it does
    /// Finds `apk add` commands without `--no-cache`. A RUN with a cache (or
    /// tmpfs) mount on `/var/cache/apk` is left alone, as in hadolint, and so
    /// is `apk add --no-network`, which downloads nothing.
    /// `ONBUILD RUN` and exec-form RUN are checked too.
    ///
    /// ## Why is this bad?
    /// Without `--no-cache`, apk keeps the package index it downloaded in
    /// `/var/cache/apk` (when the build ran `apk update` or passed `--update`),
    /// and that index stays in the layer: dead weight in every image. With
    /// `--no-cache` apk fetches the index, uses it and keeps nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk update && apk add curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `--no-cache` after `add` and is safe: the same packages
    /// are installed from the same repositories; only the index is not kept
    /// (apk fetches a fresh one instead of reading a cached one, which is what
    /// `apk update` before it did anyway). No fix is offered when `add` is not
    /// written verbatim.
    ///
    /// ## References
    /// hadolint DL3019 (same code, severity and meaning).
    pub struct ApkAddWithoutNoCache { code: "DL3019", name: "apk-add-without-no-cache", tag: None, severity: Info, fix: Safe }
}

impl Rule for ApkAddWithoutNoCache {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, src) = (cx.file, cx.src);
        for run in cx.run_scripts().iter() {
            // Mounts are read only for RUNs that run apk (few do).
            if !run.commands().iter().any(|c| c.name() == "apk") {
                continue;
            }
            let Some(inst) = file.instructions.get(run.inst) else { continue };
            if has_cache_mount(inst, "/var/cache/apk") {
                continue;
            }
            for c in run.commands() {
                if c.name() != "apk" {
                    continue;
                }
                let parsed = parse_args(c.args(), APK);
                let Some(sub) = parsed.operands.first().filter(|w| w.text == "add") else { continue };
                // `--no-network` fetches nothing, so there is no index to keep.
                if parsed.has(&["no-cache", "no-network"]) {
                    continue;
                }
                let diag = cx
                    .report(self, c.span_to(Some(sub)), "`apk add` without `--no-cache`")
                    .help("add `--no-cache` so the package index is not kept in the layer");
                if let Some(edit) = insert_after(src, c, sub, "--no-cache") {
                    diag.fix(Fix::safe([edit]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    fn hits(src: &str) -> Vec<String> {
        let src = format!("FROM alpine:3.20\n{src}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3019"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(hits("RUN apk add flex=2.6.4-r1"), ["apk add"]);
        assert_eq!(hits("ONBUILD RUN apk update && apk add python"), ["apk add"]);
        for quiet in [
            "RUN apk add --no-cache flex=2.6.4-r1",
            "RUN apk --no-cache add flex",
            "RUN --mount=type=cache,target=/var/cache/apk apk add flex",
            "RUN apk del flex",
        ] {
            assert_eq!(hits(quiet), Vec::<String>::new(), "{quiet}");
        }
    }

    #[test]
    fn fix_inserts_after_add() {
        let src = "FROM alpine:3.20\nRUN apk update && apk add --virtual .deps gcc\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3019"));
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert_eq!(fixed, "FROM alpine:3.20\nRUN apk update && apk add --no-cache --virtual .deps gcc\n");
    }
}
