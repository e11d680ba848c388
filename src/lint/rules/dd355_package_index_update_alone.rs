use super::{Rule, declare_rule};
use super::{commands, tool_options};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds a RUN that refreshes the package index (`apt-get update`, `apt
    /// update`, `apk update`) without installing anything in the same RUN.
    /// Trivy's DS017 and Checkov's `CKV_DOCKER_5` report the same.
    ///
    /// ## Why is this bad?
    /// Each RUN is a cached layer. A later `RUN apt-get install x` reuses the
    /// cached index layer from whenever it was first built, so it installs
    /// stale versions or fails when the mirror has moved on, and the image
    /// carries the index files for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    /// RUN apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update \
    ///  && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    pub struct PackageIndexUpdateAlone { code: "DD355", name: "package-index-update-alone", tag: None, severity: Warning, fix: None }
}

/// Subcommands that use the index an update fetched.
fn uses_index(tool: &str, sub: &str) -> bool {
    match tool {
        "apk" => matches!(sub, "add" | "upgrade" | "fix" | "fetch"),
        _ => !matches!(sub, "update" | "clean" | "autoclean" | "autoremove"),
    }
}

/// The subcommand of a package-manager command.
fn sub<'s>(c: &commands::RunCmd<'s>) -> Option<&'s str> {
    tool_options::package_manager_subcommand(c.name(), c.args())
}

impl Rule for PackageIndexUpdateAlone {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            let cmds = run.commands();
            let family = |name: &str| match name {
                "apt-get" | "apt" | "aptitude" => Some("apt"),
                "apk" => Some("apk"),
                _ => None,
            };
            for c in cmds {
                let Some(fam) = family(c.name()) else { continue };
                if sub(c) != Some("update") {
                    continue;
                }
                let used = cmds
                    .iter()
                    .any(|o| family(o.name()) == Some(fam) && sub(o).is_some_and(|s| uses_index(c.name(), s)));
                if !used {
                    let name = c.name();
                    cx.report(self, c.range(), format!("`{name} update` runs in a RUN that installs nothing")).help(
                        format!(
                            "update and install in the same RUN: `{name} update && {name} {} …`",
                            if fam == "apk" { "add" } else { "install -y" }
                        ),
                    );
                }
            }
        }
    }
}
