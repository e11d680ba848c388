use crate::lint::HashSet;

use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::shell::PipeToShellForm;
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds downloads whose output runs as a program: `curl … | sh`,
    /// `wget -O- … | bash`, `sh -c "$(curl …)"`, `eval "$(wget -qO- …)"` and
    /// `bash <(curl …)`, also through `sudo` and `tee`, in `RUN`, exec-form
    /// `RUN ["sh", "-c", …]` and `ONBUILD RUN`. The interpreters are the POSIX
    /// shells, `python`, `perl` and `ruby`; a pipe counts only when the
    /// interpreter reads its program from stdin.
    ///
    /// ## Why is this bad?
    /// The script behind the URL can change between two builds, or be replaced
    /// by whoever controls the server or the connection, and the build runs
    /// whatever arrives with no check. The image is no longer determined by the
    /// Dockerfile. The standard asks for deterministic image contents and names
    /// `curl … | sh` as a pattern to avoid.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://get.example.com/install.sh | sh
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ADD --checksum=sha256:<digest> https://get.example.com/v1.4.2/install.sh /tmp/install.sh
    /// RUN sh /tmp/install.sh
    /// ```
    ///
    /// Or download, verify and run in one step:
    /// ```dockerfile
    /// RUN curl -fsSLo /tmp/install.sh https://get.example.com/v1.4.2/install.sh \
    ///  && echo "<sha256>  /tmp/install.sh" | sha256sum -c - \
    ///  && sh /tmp/install.sh
    /// ```
    ///
    /// ## References
    /// hadolint has no rule for it (DL4006 is about `pipefail`); Trivy's
    /// misconfiguration checks and Checkov report the same pattern.
    pub struct RemoteScriptPipedToShell { code: "DD041", name: "remote-script-piped-to-shell", tag: Some(Tag::DeterministicDeps), severity: Error, fix: None }
}

impl Rule for RemoteScriptPipedToShell {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            // A heredoc run as a script is parsed twice (in the shell-form text
            // and on its own): report each download once.
            let mut seen: HashSet<TextRange> = HashSet::default();
            for script in run.scripts {
                for hit in script.script.pipe_to_shell() {
                    let (Some(dl), Some(sh)) =
                        (script.script.commands.get(hit.downloader), script.script.commands.get(hit.shell))
                    else {
                        continue;
                    };
                    let range = script.source_range(dl.range);
                    if !seen.insert(range) {
                        continue;
                    }
                    let (tool, shell) = (dl.effective_name(), sh.effective_name());
                    let how = match hit.form {
                        PipeToShellForm::Pipe => format!("piped into `{shell}`"),
                        PipeToShellForm::CommandSubstitution => format!("run by `{shell}` through `$(…)`"),
                        PipeToShellForm::ProcessSubstitution => format!("run by `{shell}` through `<(…)`"),
                    };
                    cx.report(self, range, format!("script downloaded with `{tool}` is {how}")).help(
                        "download to a file and verify its checksum before running it (`sha256sum -c`), or use `ADD --checksum=sha256:…`",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(src: &str) -> Vec<(String, String)> {
        let src = format!("FROM debian:12\n{src}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DD041"));
        diags.iter().map(|d| (d.range.slice(&src).to_string(), d.message.clone())).collect()
    }

    #[test]
    fn forms() {
        assert_eq!(
            hits("RUN curl -fsSL https://x.sh | sh"),
            [("curl -fsSL https://x.sh".into(), "script downloaded with `curl` is piped into `sh`".into())]
        );
        assert_eq!(
            hits("RUN sh -c \"$(wget -qO- https://x.sh)\""),
            [("wget -qO- https://x.sh".into(), "script downloaded with `wget` is run by `sh` through `$(…)`".into())]
        );
        assert_eq!(
            hits("RUN bash <(curl -s https://x.sh)"),
            [("curl -s https://x.sh".into(), "script downloaded with `curl` is run by `bash` through `<(…)`".into())]
        );
        assert_eq!(hits("RUN curl -s https://x.sh | sudo bash -s -- --yes").len(), 1);
        assert_eq!(hits("ONBUILD RUN wget -O- https://x.sh | bash").len(), 1);
        assert_eq!(hits("RUN [\"sh\", \"-c\", \"curl -s https://x.sh | sh\"]").len(), 1);
    }

    #[test]
    fn quiet() {
        for src in [
            "RUN curl -fsSLo /tmp/i.sh https://x.sh && sh /tmp/i.sh",
            "RUN curl -s https://x.tgz | tar xz",
            "RUN curl -s https://x.sh | sh -c 'cat > /tmp/x'",
            "RUN echo curl | sh",
        ] {
            assert_eq!(hits(src), Vec::<(String, String)>::new(), "{src}");
        }
    }

    #[test]
    fn heredoc_run_as_script_is_reported_once() {
        assert_eq!(hits("RUN <<EOF\ncurl -s https://x.sh | sh\nEOF").len(), 1);
        assert_eq!(hits("RUN bash <<EOF\ncurl -s https://x.sh | sh\nEOF").len(), 1);
    }
}
