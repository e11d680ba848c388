use super::commands::parse_args;
use super::run_fix::insert_after;
use super::tool_options::APT_GET;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;

declare_rule! {
    /// ## What it does
    /// Finds `apt-get install` commands without `--no-install-recommends`
    /// (or `-o APT::Install-Recommends=false`). `ONBUILD RUN` and exec-form RUN
    /// are checked too.
    ///
    /// ## Why is this bad?
    /// By default apt also installs every package the named ones merely
    /// *recommend*: documentation, optional tools, sometimes whole desktop
    /// stacks. They make the image larger and widen its attack surface, and the
    /// standard asks for minimal images.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `--no-install-recommends` after `install`. It is
    /// **unsafe**, so `--fix` never applies it: it changes which packages are
    /// installed, and software often relies on a recommended package (`curl`
    /// recommends `ca-certificates`, without which every HTTPS download fails).
    /// Apply it by hand and add the recommended packages you need.
    ///
    /// ## References
    /// hadolint DL3015 (same code, severity and meaning).
    pub struct AptGetInstallRecommends { code: "DL3015", name: "apt-get-install-recommends", tag: None, severity: Info, fix: Unsafe }
}

impl Rule for AptGetInstallRecommends {
    fn check_file(&self, cx: &mut Context<'_>) {
        let src = cx.src;
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "apt-get" {
                    continue;
                }
                let parsed = parse_args(c.args(), APT_GET);
                let Some(sub) = parsed.operands.first().filter(|w| w.text == "install") else { continue };
                let off_by_option = parsed.opts.iter().any(|o| {
                    o.name == "o"
                        && o.value.is_some_and(|v| {
                            let v = v.to_ascii_lowercase();
                            v == "apt::install-recommends=false" || v == "apt::install-recommends=0"
                        })
                });
                let literal = c.args().iter().any(|w| w.text == "APT::Install-Recommends=false");
                if parsed.has(&["no-install-recommends"]) || off_by_option || literal {
                    continue;
                }
                let diag = cx
                    .report(self, c.span_to(Some(sub)), "`apt-get install` without `--no-install-recommends`")
                    .help("add `--no-install-recommends` and name the recommended packages you really need");
                if let Some(edit) = insert_after(src, c, sub, "--no-install-recommends") {
                    diag.fix(Fix::unsafe_([edit]));
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
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3015"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(hits("RUN apt-get install -y python"), ["apt-get install"]);
        assert_eq!(hits("ONBUILD RUN apt-get install -y python"), ["apt-get install"]);
        for quiet in [
            "RUN apt-get install -y --no-install-recommends python",
            "RUN apt-get -o APT::Install-Recommends=false install python",
            "RUN apt-get install -y APT::Install-Recommends=false python",
            "RUN apt-get update",
        ] {
            assert_eq!(hits(quiet), Vec::<String>::new(), "{quiet}");
        }
    }

    #[test]
    fn the_fix_is_never_applied() {
        let src = "FROM debian:12\nRUN apt-get install -y curl\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3015"));
        assert!(diags[0].fix.is_some());
        assert_eq!(apply_safe_fixes(src, &diags).1, 0);
    }
}
