use super::commands::{self, is_dynamic, list, parse_args};
use super::dl3018_unpinned_apk_package::APK;
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds an `apk add` whose packages a later `apk del` in the same RUN
    /// removes by name, when the `apk add` did not group them with
    /// `--virtual` (`-t`). dockerfilelint reported this as
    /// `apkadd-missing-virtual`.
    ///
    /// ## Why is this bad?
    /// Build-only packages are installed, used and removed in one RUN. Listed
    /// twice, the two lists drift apart: a package added to the install but
    /// not to the removal stays in the image. `apk del` of a package that
    /// another installed package depends on also only drops it from the
    /// world file and leaves it installed. A virtual package names the whole
    /// group once, and `apk del <group>` removes exactly what it pulled in.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add --no-cache gcc musl-dev \
    ///  && pip install --no-cache-dir -r requirements.txt \
    ///  && apk del gcc musl-dev
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apk add --no-cache --virtual .build-deps gcc musl-dev \
    ///  && pip install --no-cache-dir -r requirements.txt \
    ///  && apk del .build-deps
    /// ```
    pub struct ApkDelWithoutVirtual { code: "DD363", name: "apk-del-without-virtual", tag: None, severity: Info, fix: None }
}

/// `name` of `name=1.2`, `name~1.2`, `name>=1.2`, `name<2`.
fn package_name(word: &str) -> &str {
    word.split(['=', '~', '<', '>']).next().unwrap_or(word)
}

impl Rule for ApkDelWithoutVirtual {
    fn check_file(&self, cx: &mut Context<'_>) {
        let mut found = Vec::new();
        for run in cx.run_scripts().iter() {
            let cmds = run.commands();
            for (k, add) in cmds.iter().enumerate() {
                if add.name() != "apk" {
                    continue;
                }
                let parsed = parse_args(add.args(), APK);
                let Some((sub, packages)) = parsed.operands.split_first() else { continue };
                if sub.text != "add" || parsed.has(&["t", "virtual"]) {
                    continue;
                }
                let added: Vec<&str> = packages
                    .iter()
                    .map(|w| w.text.as_str())
                    .filter(|t| !is_dynamic(t) && !commands::ends_with_ci(t, ".apk"))
                    .map(package_name)
                    .collect();
                let mut removed: Vec<&str> = Vec::new();
                for del in cmds.iter().skip(k + 1).filter(|c| c.name() == "apk") {
                    let parsed = parse_args(del.args(), APK);
                    let Some((sub, names)) = parsed.operands.split_first() else { continue };
                    if sub.text != "del" {
                        continue;
                    }
                    for n in names {
                        let name = package_name(&n.text);
                        if added.contains(&name) && !removed.contains(&name) {
                            removed.push(name);
                        }
                    }
                }
                if !removed.is_empty() {
                    found.push((add.span_to(Some(sub)), list(&removed)));
                }
            }
        }
        for (range, names) in found {
            cx.report(self, range, format!("`apk add` installs {names}, which `apk del` removes by name later"))
                .help("group build-only packages with `apk add --virtual .build-deps …` and remove them with `apk del .build-deps`");
        }
    }
}
