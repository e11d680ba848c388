use super::{Rule, declare_rule};
use super::{commands, tool_options};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds whole-system upgrades in a RUN: `apt-get`/`apt`
    /// `upgrade`/`dist-upgrade`/`full-upgrade`, `apk upgrade`, and
    /// `yum`/`dnf`/`microdnf` `upgrade`/`update`/`distro-sync` without package
    /// names. Upgrading named packages is fine. Trivy's DS024 reports
    /// `dist-upgrade`; hadolint's DL3035 covers `zypper dist-upgrade`, so
    /// zypper is left to it.
    ///
    /// ## Why is this bad?
    /// The result depends on the day the layer was built: two builds of the
    /// same Dockerfile get different packages, and a cached layer silently
    /// keeps old ones. The base image is the unit to update: pick a newer
    /// tag (or digest) and rebuild, which also updates what the upgrade
    /// cannot (the base's own layers).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get dist-upgrade -y
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12.8@sha256:…
    /// RUN apt-get update && apt-get install -y --no-install-recommends openssl=3.0.15-1~deb12u1
    /// ```
    pub struct SystemUpgrade { code: "DD356", name: "system-upgrade", tag: None, severity: Info, fix: None }
}

impl Rule for SystemUpgrade {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let name = c.name();
                // Only package managers' options are parsed.
                let Some(spec) = tool_options::for_package_manager(name) else { continue };
                let args = c.args();
                // The subcommand, and whether anything follows it.
                let [Some(sub), next] = commands::first_operands::<2>(args, spec) else { continue };
                let (sub, alone) = (sub.text.as_str(), next.is_none());
                let whole_system = match name {
                    "apt-get" | "apt" | "aptitude" => {
                        matches!(sub, "upgrade" | "dist-upgrade" | "full-upgrade" | "safe-upgrade") && alone
                    }
                    "apk" => sub == "upgrade" && alone,
                    "yum" | "dnf" | "microdnf" | "tdnf" => {
                        matches!(sub, "upgrade" | "update" | "distro-sync" | "upgrade-minimal") && alone
                    }
                    _ => false,
                };
                if whole_system {
                    let last = args.iter().find(|w| w.text == sub);
                    cx.report(self, c.span_to(last), format!("`{name} {sub}` upgrades the whole system while building"))
                        .help("update the base image instead (a newer tag or digest), and upgrade only named packages that need a fix");
                }
            }
        }
    }
}
