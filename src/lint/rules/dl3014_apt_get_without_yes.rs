use super::commands::parse_args;
use super::run_fix::insert_after;
use super::tool_options::APT_GET;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;

declare_rule! {
    /// ## What it does
    /// Finds `apt-get install` commands without `-y` (or `--yes`,
    /// `--assume-yes`, `-q`/`-qq`, which imply it, as in hadolint, or
    /// `-o APT::Get::Assume-Yes=true`). `ONBUILD RUN` and exec-form RUN are
    /// checked too.
    ///
    /// ## Why is this bad?
    /// A build has no terminal to answer apt's "Do you want to continue?"
    /// question. When the install pulls in more than the named packages, apt
    /// asks, reads end-of-file and aborts, so the build fails depending on
    /// what the mirror holds that day.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `-y` after `install` and is safe: it answers the one
    /// question apt would otherwise abort on, and `-y` does not allow anything
    /// riskier (removing essential packages or downgrading still needs their
    /// own `--allow-…` flags). In an exec-form RUN the fix adds a `"-y"`
    /// element. No fix is offered when `install` is not written verbatim
    /// (split by a line continuation, or a JSON string with escapes).
    ///
    /// ## References
    /// hadolint DL3014 (same code, severity and meaning).
    pub struct AptGetWithoutYes { code: "DL3014", name: "apt-get-without-yes", tag: None, severity: Warning, fix: Safe }
}

impl Rule for AptGetWithoutYes {
    fn check_file(&self, cx: &mut Context<'_>) {
        let src = cx.src;
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "apt-get" {
                    continue;
                }
                let parsed = parse_args(c.args(), APT_GET);
                let Some(sub) = parsed.operands.first().filter(|w| w.text == "install") else { continue };
                let assume_yes = parsed.opts.iter().any(|o| {
                    o.name == "o"
                        && o.value.is_some_and(|v| {
                            let v = v.to_ascii_lowercase();
                            v.starts_with("apt::get::assume-yes=") && !v.ends_with("=false") && !v.ends_with("=0")
                        })
                });
                if parsed.has(&["y", "yes", "assume-yes", "q", "quiet"]) || assume_yes {
                    continue;
                }
                let diag = cx
                    .report(self, c.span_to(Some(sub)), "`apt-get install` without `-y`")
                    .help("add `-y`: the build cannot answer apt's confirmation prompt");
                if let Some(edit) = insert_after(src, c, sub, "-y") {
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
        let src = format!("FROM debian:12\n{src}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3014"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(hits("RUN apt-get install python"), ["apt-get install"]);
        assert_eq!(hits("ONBUILD RUN apt-get install python"), ["apt-get install"]);
        assert_eq!(hits("RUN apt-get install python=1 && apt-get clean"), ["apt-get install"]);
        for quiet in [
            "RUN apt-get install -y python",
            "RUN apt-get install --yes python",
            "RUN apt-get install --assume-yes python",
            "RUN apt-get -yq install python",
            "RUN apt-get -qq install python",
            "RUN apt-get -o APT::Get::Assume-Yes=true install python",
            "RUN apt-get update",
            "RUN apt install python",
        ] {
            assert_eq!(hits(quiet), Vec::<String>::new(), "{quiet}");
        }
    }

    #[test]
    fn fix_inserts_after_install() {
        let src = "FROM debian:12\nRUN apt-get update && sudo apt-get install --no-install-recommends curl\nRUN [\"apt-get\", \"install\", \"x\"]\nRUN apt-get inst\\\nall x\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3014"));
        assert_eq!(diags.len(), 3);
        let (fixed, n) = apply_safe_fixes(src, &diags);
        assert_eq!(n, 2, "split words get no fix");
        assert!(fixed.contains("sudo apt-get install -y --no-install-recommends curl"), "{fixed}");
        assert!(fixed.contains("RUN [\"apt-get\", \"install\", \"-y\", \"x\"]"), "{fixed}");
    }
}
