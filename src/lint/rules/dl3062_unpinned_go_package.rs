use super::commands::{ends_with_ci, is_dynamic};
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::shell::Word;

declare_rule! {
    /// ## What it does
    /// Finds `go install`, `go get` and `go run` of a remote package without a
    /// version (`go install golang.org/x/tools/gopls`) or with a moving one
    /// (`@latest`, `@upgrade`, `@patch`, or a branch such as `@main`,
    /// `@master`, `@HEAD`). Local packages (`.`, `./cmd/app`, `/src/...`,
    /// `main.go`), the arguments of the program `go run` runs, and words built
    /// from variables are not reported. `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// `@latest` and branch names resolve to whatever was published last, and
    /// a package with no version takes it from whichever `go.mod` happens to be
    /// in the working directory (or fails outside a module). Either way the
    /// Dockerfile does not say what ends up in the image. The standard's
    /// `deterministic-deps` section asks for `go install pkg@version`.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN go install github.com/go-delve/delve/cmd/dlv@latest
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN go install github.com/go-delve/delve/cmd/dlv@v1.23.1
    /// ```
    ///
    /// ## References
    /// hadolint DL3062 (same code and meaning; `@latest` and branch names are
    /// reported here as well).
    pub struct UnpinnedGoPackage { code: "DL3062", name: "unpinned-go-package", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// `go` build flags that take a value when written without `=`.
const VALUE_FLAGS: &[&str] = &[
    "o",
    "C",
    "p",
    "tags",
    "ldflags",
    "gcflags",
    "asmflags",
    "gccgoflags",
    "mod",
    "modfile",
    "pkgdir",
    "toolexec",
    "exec",
    "overlay",
    "pgo",
    "buildmode",
    "compiler",
    "installsuffix",
    "covermode",
    "coverpkg",
    "buildvcs",
];

/// Version queries that move over time.
const MOVING: &[&str] = &["latest", "upgrade", "patch", "main", "master", "HEAD"];

/// The package operands of `go install|get|run`, skipping flags and their
/// values; for `go run` only the first (the rest are the program's arguments).
fn packages(args: &[Word]) -> Option<(&Word, Vec<&Word>)> {
    let (sub, rest) = args.split_first()?;
    if !matches!(sub.text.as_str(), "install" | "get" | "run") {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(w) = rest.get(i) {
        i += 1;
        if w.text == "--" {
            out.extend(rest.get(i..).unwrap_or_default());
            break;
        }
        if let Some(flag) = w.text.strip_prefix('-') {
            let name = flag.trim_start_matches('-');
            if !name.contains('=') && VALUE_FLAGS.contains(&name) {
                i += 1;
            }
            continue;
        }
        out.push(w);
        if sub.text == "run" {
            break;
        }
    }
    Some((sub, out))
}

/// Why a package operand is not pinned, if it is not.
fn problem(pkg: &str) -> Option<String> {
    if is_dynamic(pkg) || pkg.starts_with(['.', '/']) || ends_with_ci(pkg, ".go") || !pkg.contains('.') {
        // Local paths and files; a path with no dot in its first element is a
        // standard-library or main-module package, not a download.
        return None;
    }
    match pkg.rsplit_once('@') {
        None => Some("without a version".to_string()),
        Some((_, v)) if MOVING.contains(&v) => Some(format!("with the moving version `@{v}`")),
        Some(_) => None,
    }
}

impl Rule for UnpinnedGoPackage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "go" {
                    continue;
                }
                let Some((sub, pkgs)) = packages(c.args()) else { continue };
                for pkg in pkgs {
                    let Some(why) = problem(&pkg.text) else { continue };
                    let name = pkg.text.split('@').next().unwrap_or(&pkg.text);
                    cx.report(self, c.word_range(pkg), format!("`go {}` of `{name}` {why}", sub.text))
                        .help(format!("pin a release, e.g. `go {} {name}@<version>`", sub.text));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(run: &str) -> Vec<(String, String)> {
        let src = format!("FROM golang:1.23\n{run}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3062"));
        diags.iter().map(|d| (d.range.slice(&src).to_string(), d.message.clone())).collect()
    }

    #[test]
    fn fires() {
        assert_eq!(
            hits("RUN go install golang.org/x/tools/gopls"),
            [(
                "golang.org/x/tools/gopls".into(),
                "`go install` of `golang.org/x/tools/gopls` without a version".into()
            )]
        );
        assert_eq!(
            hits("RUN go install -ldflags '-s -w' github.com/x/y/cmd/z@latest"),
            [(
                "github.com/x/y/cmd/z@latest".into(),
                "`go install` of `github.com/x/y/cmd/z` with the moving version `@latest`".into()
            )]
        );
        assert_eq!(hits("ONBUILD RUN go get github.com/x/y@main").len(), 1);
        assert_eq!(hits("RUN go run github.com/x/gen --out gen.go").len(), 1);
    }

    #[test]
    fn quiet() {
        for run in [
            "RUN go install github.com/go-delve/delve/cmd/dlv@v1.23.1",
            "RUN go install ./cmd/... && go install . && go build -o /x ./cmd/x",
            "RUN go run main.go && go run . --flag x && go run ./tools/gen github.com/a/b",
            "RUN go run github.com/x/auth@v0.1.0 add-locations --locations=europe-west4",
            "RUN go install -tags netgo -o /x std && go get && go mod download",
            "RUN go install \"$TOOL\"",
        ] {
            assert_eq!(hits(run), Vec::<(String, String)>::new(), "{run}");
        }
    }
}
