use super::commands::parse_args;
use super::run_fix::replace_word;
use super::tool_options::APT_GET;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;

declare_rule! {
    /// ## What it does
    /// Finds commands that run `apt`. `ONBUILD RUN` and exec-form RUN are
    /// checked too.
    ///
    /// ## Why is this bad?
    /// `apt` is the interactive front end for people at a terminal. Its
    /// output and options may change between releases (it warns "apt does not
    /// have a stable CLI interface"), it draws progress bars into the build
    /// log, and `apt upgrade` does more than `apt-get upgrade`. Scripts should
    /// use `apt-get` and `apt-cache`, whose behaviour is stable.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt update && apt install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// ## Fix safety
    /// The fix replaces `apt` with `apt-get` for the subcommands both share
    /// with the same meaning (`update`, `install`, `remove`, `purge`,
    /// `autoremove`, `clean`, `autoclean`, `source`, `build-dep`, `download`,
    /// `dist-upgrade`) and is safe: the same packages are installed or removed.
    /// One difference remains: `apt` deletes the `.deb` files it downloaded,
    /// `apt-get` keeps them in `/var/cache/apt/archives` (the official Debian
    /// and Ubuntu images remove them anyway); clean up with `apt-get clean`.
    /// No fix is offered for `upgrade` and `full-upgrade` (they differ), for
    /// the query commands (`search`, `show`, `list`, … which belong to
    /// `apt-cache` or have no script equivalent), or when `apt` is not written
    /// verbatim.
    ///
    /// ## References
    /// hadolint DL3027 (same code, severity and meaning).
    pub struct AptInsteadOfAptGet { code: "DL3027", name: "apt-instead-of-apt-get", tag: None, severity: Warning, fix: Sometimes }
}

/// `apt` subcommands that `apt-get` has with the same meaning.
const SHARED: &[&str] = &[
    "update",
    "install",
    "remove",
    "purge",
    "autoremove",
    "clean",
    "autoclean",
    "source",
    "build-dep",
    "download",
    "dist-upgrade",
];

impl Rule for AptInsteadOfAptGet {
    fn check_file(&self, cx: &mut Context<'_>) {
        let src = cx.src;
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "apt" {
                    continue;
                }
                let Some(word) = c.cmd.effective().first() else { continue };
                let parsed = parse_args(c.args(), APT_GET);
                let sub = parsed.operands.first().map(|w| w.text.as_str());
                let diag = cx
                    .report(self, c.word_range(word), "`apt` is meant for terminals, not scripts")
                    .help("use `apt-get` (or `apt-cache` to query packages), whose interface is stable");
                let Some(stem) = word.raw().strip_suffix("apt") else { continue };
                if sub.is_some_and(|s| SHARED.contains(&s))
                    && let Some(edit) = replace_word(src, c, word, &format!("{stem}apt-get"))
                {
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

    #[test]
    fn finds_and_fixes_apt() {
        let src = "FROM debian:12\nRUN apt update && apt install -y python && /usr/bin/apt autoremove\nRUN apt search curl && apt upgrade -y\nONBUILD RUN apt install x\nRUN apt-get install -y y && aptitude install z\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3027"));
        assert_eq!(diags.len(), 6);
        let (fixed, n) = apply_safe_fixes(src, &diags);
        assert_eq!(n, 4);
        assert_eq!(
            fixed,
            "FROM debian:12\nRUN apt-get update && apt-get install -y python && /usr/bin/apt-get autoremove\nRUN apt search curl && apt upgrade -y\nONBUILD RUN apt-get install x\nRUN apt-get install -y y && aptitude install z\n"
        );
    }
}
