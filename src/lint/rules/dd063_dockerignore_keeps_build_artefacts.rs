use super::commands::is_python;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Arg, Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Checks that the build context's `.dockerignore` excludes the local build
    /// output of the ecosystems the Dockerfile builds with: `node_modules` for
    /// npm, yarn and pnpm; `__pycache__` and `.venv` for pip, python, poetry and
    /// uv; `target` for cargo and Maven; `build` and `.gradle` for Gradle;
    /// `bin` and `obj` for dotnet. The ecosystems are read from the `RUN`
    /// commands. It reports only when the Dockerfile copies from the context
    /// (`COPY`/`ADD` without `--from`), one finding per missing folder at the
    /// first such copy, and not for a folder that a `COPY` names on purpose
    /// (`COPY target/app.jar …`). It needs the context's `.dockerignore`, so
    /// it stays quiet when the context is unknown; a missing file is DD060's.
    ///
    /// ## Why is this bad?
    /// A developer's `node_modules`, virtualenv or `target` folder is built for
    /// their machine, not the image: a broad `COPY` puts it into a layer, where
    /// it can shadow what the image's own install produced, leak local files
    /// and bloat every build context upload. The standard says `.dockerignore`
    /// excludes build artefacts.
    ///
    /// ## Example
    /// ```dockerfile
    /// # .dockerignore contains: .git
    /// FROM node:22-slim
    /// COPY . .
    /// RUN npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # .dockerignore contains: .git
    /// #                         node_modules
    /// FROM node:22-slim
    /// COPY . .
    /// RUN npm ci
    /// ```
    ///
    /// ## References
    /// The standard's `.dockerignore` section; Docker's "Build context"
    /// documentation. hadolint cannot see `.dockerignore`.
    pub struct DockerignoreKeepsBuildArtefacts { code: "DD063", name: "dockerignore-keeps-build-artefacts", tag: Some(Tag::Dockerignore), severity: Warning, fix: None }
}

/// An artefact folder: its name, a context path to probe, and the pattern to suggest.
struct Artefact {
    folder: &'static str,
    probe: &'static str,
    pattern: &'static str,
}

const NODE_MODULES: Artefact = Artefact { folder: "node_modules", probe: "node_modules", pattern: "node_modules" };
const PYCACHE: Artefact = Artefact { folder: "__pycache__", probe: "app/__pycache__", pattern: "**/__pycache__" };
const VENV: Artefact = Artefact { folder: ".venv", probe: ".venv", pattern: ".venv" };
const TARGET: Artefact = Artefact { folder: "target", probe: "target", pattern: "target" };
const BUILD: Artefact = Artefact { folder: "build", probe: "build", pattern: "build" };
const GRADLE: Artefact = Artefact { folder: ".gradle", probe: ".gradle", pattern: ".gradle" };
const BIN: Artefact = Artefact { folder: "bin", probe: "bin", pattern: "**/bin" };
const OBJ: Artefact = Artefact { folder: "obj", probe: "obj", pattern: "**/obj" };

/// The ecosystem a command belongs to and its artefact folders.
fn artefacts(name: &str) -> (&'static str, &'static [Artefact]) {
    match name {
        "npm" | "npx" | "yarn" | "pnpm" => ("Node.js", &[NODE_MODULES]),
        "pip" | "pip3" | "poetry" | "uv" | "pipenv" => ("Python", &[PYCACHE, VENV]),
        n if is_python(n) || n.starts_with("pip3.") => ("Python", &[PYCACHE, VENV]),
        "cargo" => ("Rust", &[TARGET]),
        "mvn" | "mvnw" => ("Maven", &[TARGET]),
        "gradle" | "gradlew" => ("Gradle", &[BUILD, GRADLE]),
        "dotnet" => (".NET", &[BIN, OBJ]),
        _ => ("", &[]),
    }
}

/// The first `COPY`/`ADD` from the build context and its first context source.
fn first_context_copy(instructions: &[Instruction]) -> Option<&Arg> {
    instructions.iter().map(Instruction::effective).find_map(|inst| {
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
            return None;
        }
        super::dd050_whole_context_copy::sources(inst).iter().find(|s| is_context_source(&s.value))
    })
}

/// A source read from the build context (not a URL, git repository or heredoc).
fn is_context_source(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    !(src.starts_with("<<") || lower.contains("://") || lower.starts_with("git@"))
}

/// Whether some context `COPY`/`ADD` source names `folder` as a path element.
fn copied_on_purpose(instructions: &[Instruction], folder: &str) -> bool {
    instructions.iter().map(Instruction::effective).any(|inst| {
        matches!(inst.keyword, Keyword::Copy | Keyword::Add)
            && inst.flag("from").is_none()
            && super::dd050_whole_context_copy::sources(inst)
                .iter()
                .any(|s| is_context_source(&s.value) && s.value.split('/').any(|seg| seg == folder))
    })
}

impl Rule for DockerignoreKeepsBuildArtefacts {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(ignore) = cx.dockerignore else { return };
        let file = cx.file;
        let Some(at) = first_context_copy(&file.instructions) else { return };
        let mut missing: Vec<(&Artefact, &str)> = Vec::new();
        // Each folder is judged once, however many build commands name it.
        let mut judged: Vec<&str> = Vec::new();
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let (ecosystem, folders) = artefacts(c.name());
                for a in folders {
                    if judged.contains(&a.folder) {
                        continue;
                    }
                    judged.push(a.folder);
                    if ignore.excludes(a.probe) || copied_on_purpose(&file.instructions, a.folder) {
                        continue;
                    }
                    missing.push((a, ecosystem));
                }
            }
        }
        for (a, ecosystem) in missing {
            let message = format!(
                "`.dockerignore` does not exclude `{}` ({ecosystem} build output), and this copies from the build context",
                a.folder
            );
            cx.report(self, at.range, message).help(format!("add `{}` to `.dockerignore`", a.pattern));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{ContextIgnore, FileKind, LintInput, Settings, check};

    fn findings(dockerfile: &str, ignore: ContextIgnore<'_>) -> Vec<(String, String)> {
        let input = LintInput {
            path: "Dockerfile",
            source: dockerfile,
            kind: FileKind::Dockerfile,
            dockerignore: ignore,
            target: None,
        };
        check(&input, &Settings::only("DD063"))
            .iter()
            .map(|d| (d.range.slice(dockerfile).to_string(), d.message.clone()))
            .collect()
    }

    #[test]
    fn one_finding_per_missing_folder_at_the_first_context_copy() {
        let src = "FROM node:22\nCOPY --from=tools /x /x\nCOPY package.json package-lock.json ./\nRUN npm ci && python3 -m pip install x==1\n";
        let got = findings(src, ContextIgnore::Present(".git\n.venv\n"));
        assert_eq!(
            got,
            [
                ("package.json".to_string(), "`.dockerignore` does not exclude `node_modules` (Node.js build output), and this copies from the build context".to_string()),
                ("package.json".to_string(), "`.dockerignore` does not exclude `__pycache__` (Python build output), and this copies from the build context".to_string()),
            ]
        );
    }

    #[test]
    fn quiet() {
        let src = "FROM rust:1\nCOPY . .\nRUN cargo build --locked\n";
        assert_eq!(findings(src, ContextIgnore::Present("target/\n")), Vec::<(String, String)>::new());
        assert_eq!(findings(src, ContextIgnore::Unknown), Vec::<(String, String)>::new());
        assert_eq!(findings(src, ContextIgnore::Missing), Vec::<(String, String)>::new());
        let src = "FROM maven:3\nCOPY target/app.jar /app.jar\nRUN mvn -v\n";
        assert_eq!(findings(src, ContextIgnore::Present(".git\n")), Vec::<(String, String)>::new());
        let src = "FROM node:22\nRUN npm ci\nCOPY --from=build /app /app\nADD https://example.com/x.tgz /x\n";
        assert_eq!(findings(src, ContextIgnore::Present(".git\n")), Vec::<(String, String)>::new());
        let src = "FROM node:22\nCOPY . .\nRUN npm ci\n";
        assert_eq!(findings(src, ContextIgnore::Present("*\n!src\n!package*.json\n")), Vec::<(String, String)>::new());
    }

    #[test]
    fn dotnet_and_gradle() {
        let src = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY src/ /src/\nRUN dotnet publish -c Release && ./gradlew build\n";
        let got: Vec<String> = findings(src, ContextIgnore::Present("**/bin\n")).into_iter().map(|(_, m)| m).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].contains("`obj`") && got[1].contains("`build`") && got[2].contains("`.gradle`"));
    }
}
