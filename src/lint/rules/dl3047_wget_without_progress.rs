use super::commands::{OptSpec, parse_args};
use super::run_fix::insert_after;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;
use crate::lint::model::{Base, Model};

declare_rule! {
    /// ## What it does
    /// Finds `wget` commands without `--progress`, unless they are quiet
    /// (`-q`, `--quiet`, `-nv`, `--no-verbose`) or log elsewhere (`-o`,
    /// `--output-file`, `-a`, `--append-output`), as hadolint does.
    /// `ONBUILD RUN` and exec-form RUN are checked too.
    ///
    /// ## Why is this bad?
    /// Without a terminal, GNU wget prints one progress line per few kilobytes,
    /// so a large download floods the build log with thousands of lines and
    /// hides the output that matters.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN wget https://example.com/big.tar.gz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN wget --progress=dot:giga https://example.com/big.tar.gz
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `--progress=dot:giga` after `wget`. It only changes what
    /// GNU wget writes to the log, so it is safe, except on Alpine and BusyBox
    /// bases whose BusyBox `wget` rejects `--progress` and would fail the
    /// build: there (and when the base image is not known) the fix is unsafe.
    /// No fix is offered when `wget` is not written verbatim.
    ///
    /// ## References
    /// hadolint DL3047 (same code, severity and meaning).
    pub struct WgetWithoutProgress { code: "DL3047", name: "wget-without-progress", tag: None, severity: Info, fix: Sometimes }
}

/// `wget` short options that take a value.
const WGET: OptSpec<'static> = OptSpec { short: "OoaPUeTtwiBDlARIXQ", long: &[] };

impl Rule for WgetWithoutProgress {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (model, src) = (cx.model, cx.src);
        for run in cx.run_scripts().iter() {
            // Only asked for a RUN with a wget to fix (it walks the stage's base chain).
            let mut busybox = None;
            for c in run.commands() {
                if c.name() != "wget" {
                    continue;
                }
                let parsed = parse_args(c.args(), WGET);
                let quiet =
                    parsed.has(&["progress", "q", "quiet", "no-verbose", "o", "output-file", "a", "append-output"])
                        || c.args().iter().any(|w| w.text == "-nv");
                if quiet {
                    continue;
                }
                let Some(name) = c.cmd.effective().first() else { continue };
                let diag = cx
                    .report(self, c.word_range(name), "`wget` without `--progress` floods the build log")
                    .help("add `--progress=dot:giga`, or `-nv` / `-q` for less output");
                if let Some(edit) = insert_after(src, c, name, "--progress=dot:giga") {
                    let busybox = *busybox.get_or_insert_with(|| maybe_busybox(model, run.inst));
                    diag.fix(if busybox { Fix::unsafe_([edit]) } else { Fix::safe([edit]) });
                }
            }
        }
    }
}

/// Whether the stage of instruction `inst` may run BusyBox `wget`: its base is
/// Alpine or BusyBox, scratch, or not known.
fn maybe_busybox(model: &Model, inst: usize) -> bool {
    let Some(stage) = model.stage_of.get(inst).copied().flatten() else { return true };
    match model.root_base(stage) {
        Base::Image(image) => {
            let name = image.expanded.to_ascii_lowercase();
            !image.is_resolved() || ["alpine", "busybox"].iter().any(|b| name.contains(b))
        }
        Base::Scratch | Base::Stage(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::Applicability;
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    #[test]
    fn finds_and_fixes_on_gnu_bases() {
        let src = "FROM debian:12\nRUN wget https://a/b.tgz && wget -q https://a/c && wget -nv x && wget -O- -o log y && wget --progress=bar:force z\nONBUILD RUN wget x\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3047"));
        assert_eq!(diags.len(), 2);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert!(fixed.contains("RUN wget --progress=dot:giga https://a/b.tgz &&"), "{fixed}");
        assert!(fixed.contains("ONBUILD RUN wget --progress=dot:giga x"), "{fixed}");
    }

    #[test]
    fn busybox_bases_get_an_unsafe_fix() {
        for base in ["alpine:3.20", "python:3.12-alpine", "busybox:1.36", "$BASE"] {
            let src = format!("FROM {base}\nRUN wget https://a/b\n");
            let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3047"));
            let fix = diags[0].fix.as_ref().expect("fix");
            assert_eq!(fix.applicability, Applicability::Unsafe, "{base}");
        }
    }
}
