use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::{ScopeCursor, expand};
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a `WORKDIR` inside a directory that belongs to the kernel or the
    /// boot loader: `/proc`, `/sys`, `/dev`, `/boot`, `/initrd` and
    /// `/lost+found` (after expanding ARG and ENV defaults). Trivy's DS030
    /// reports the same.
    ///
    /// ## Why is this bad?
    /// At run time the container engine mounts fresh `proc`, `sysfs` and
    /// `devtmpfs` file systems over `/proc`, `/sys` and `/dev`, so whatever
    /// the build wrote there is hidden, and the process starts in a directory
    /// that is not the one the image was built with. `/boot`, `/initrd` and
    /// `/lost+found` belong to a host's boot and file-system check, not to an
    /// application. It is almost always a typo or a variable with the wrong
    /// default.
    ///
    /// ## Example
    /// ```dockerfile
    /// WORKDIR /proc/app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// WORKDIR /app
    /// ```
    ///
    /// ## References
    /// Trivy DS030 ("WORKDIR should not be mounted on system dirs").
    pub struct WorkdirInSystemDirectory { code: "DD360", name: "workdir-in-system-directory", tag: None, severity: Warning, fix: None }
}

/// Top-level directories that are not the image's to use.
const SYSTEM_DIRS: &[&str] = &["proc", "sys", "dev", "boot", "initrd", "lost+found"];

/// The system directory `path` lies in, if any.
fn system_dir(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix('/')?;
    let first = rest.split('/').find(|c| !c.is_empty() && *c != ".")?;
    SYSTEM_DIRS.iter().copied().find(|d| *d == first)
}

impl Rule for WorkdirInSystemDirectory {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut found = Vec::new();
        // In file order, so the scope is carried forward rather than rebuilt for each WORKDIR.
        let mut scopes = ScopeCursor::new(model, file);
        for (i, inst) in file.instructions.iter().enumerate() {
            let inst = inst.effective();
            if inst.keyword != Keyword::Workdir {
                continue;
            }
            let Some(arg) = inst.args.first() else { continue };
            let path = if arg.value.contains('$') {
                let scope = scopes.at(i);
                expand::expand(&arg.value, model.escape, &|n| scope.get(n).cloned()).value
            } else {
                expand::unquote(&arg.value, model.escape)
            };
            if let Some(dir) = system_dir(&path) {
                found.push((arg.range, path, dir));
            }
        }
        for (range, path, dir) in found {
            cx.report(self, range, format!("`WORKDIR {path}` is inside `/{dir}`, which is not the image's to use"))
                .help("work in an application directory such as `/app` or `/srv/<name>`");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::system_dir;

    #[test]
    fn system_dirs() {
        assert_eq!(system_dir("/proc/self"), Some("proc"));
        assert_eq!(system_dir("//dev"), Some("dev"));
        assert_eq!(system_dir("/lost+found"), Some("lost+found"));
        assert_eq!(system_dir("/devel"), None);
        assert_eq!(system_dir("/app/proc"), None);
        assert_eq!(system_dir("proc"), None);
    }
}
