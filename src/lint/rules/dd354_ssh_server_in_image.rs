use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds an SSH server in the image: `EXPOSE 22` (also `22/tcp`), and
    /// installing `openssh-server`, `openssh` (Alpine's server package) or
    /// `dropbear` with apt-get, apt, apk, yum, dnf, microdnf or zypper.
    /// Trivy's DS004 and Checkov's `CKV_DOCKER_1` flag the port.
    ///
    /// ## Why is this bad?
    /// A container is not a machine to log into: an SSH daemon adds an
    /// always-on network service, keys or passwords to manage and patch, and
    /// a second process beside the application. `docker exec` and
    /// `kubectl exec` give a shell without any of that.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get install -y --no-install-recommends openssh-server
    /// EXPOSE 22
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// EXPOSE 8080
    /// ```
    /// and `docker exec -it <container> sh` to get a shell.
    pub struct SshServerInImage { code: "DD354", name: "ssh-server-in-image", tag: None, severity: Warning, fix: None }
}

const SERVER_PACKAGES: &[&str] = &["openssh-server", "openssh", "dropbear", "dropbear-bin"];

impl Rule for SshServerInImage {
    fn check_file(&self, cx: &mut Context<'_>) {
        let help = "leave SSH out of the image; use `docker exec` or `kubectl exec` for a shell";
        for inst in &cx.file.instructions {
            let inst = inst.effective();
            if inst.keyword != Keyword::Expose {
                continue;
            }
            for arg in &inst.args {
                let port = arg.value.split('/').next().unwrap_or_default();
                if port == "22"
                    || port.split_once('-').is_some_and(
                        |(a, b)| matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if a <= 22 && 22 <= b),
                    )
                {
                    cx.report(self, arg.range, format!("`EXPOSE {}` publishes the SSH port", arg.value)).help(help);
                }
            }
        }
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let args = c.args();
                let installs = match c.name() {
                    "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper" | "tdnf" => {
                        args.iter().any(|w| matches!(w.text.as_str(), "install" | "in"))
                    }
                    "apk" => args.iter().any(|w| w.text == "add"),
                    _ => false,
                };
                if !installs {
                    continue;
                }
                // Every server package starts with `o` or `d`: other words need not be split.
                let pkg = args.iter().filter(|w| w.text.starts_with(['o', 'd'])).find(|w| {
                    let name = w.text.split(['=', '>', '<', '~']).next().unwrap_or_default();
                    SERVER_PACKAGES.contains(&name)
                });
                if let Some(w) = pkg {
                    cx.report(self, c.word_range(w), format!("`{}` installs an SSH server into the image", w.text))
                        .help(help);
                }
            }
        }
    }
}
