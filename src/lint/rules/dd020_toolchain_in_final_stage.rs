use super::commands::{OptSpec, RunCmd, first_operand, is_python, parse_args};
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::shell::Word;
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds build toolchains at work in the final image: a `RUN` in the final
    /// stage, or in a stage the final stage is built `FROM`, that compiles or
    /// packages code, or installs a compiler or build tool with a system
    /// package manager.
    ///
    /// Builds: `go build`/`go install`, `cargo build`/`cargo install`, `rustc`,
    /// `gcc`/`g++`/`cc`/`c++`/`clang` (and versioned names such as `gcc-12`),
    /// `make`, `cmake`, `mvn`/`./mvnw` `package|install|verify`, `gradle` or
    /// `./gradlew` `build|assemble|jar|bootJar|installDist`, `npm run build`,
    /// `yarn build`, `pnpm build` (and `build:*` scripts), `dotnet
    /// build|publish`, `javac`, `tsc`, `pip wheel`, `python setup.py
    /// build|bdist*` and `python -m build`.
    ///
    /// Toolchain installs with `apt-get`/`apt`, `apk`, `dnf`, `microdnf` or
    /// `yum`: `build-essential`, `build-base`, `gcc`, `g++`, `gcc-c++`, `clang`,
    /// `make`, `cmake`, `golang`, `go`, `cargo`, `rustc`, `maven`, `gradle` and
    /// JDKs (`openjdk-17-jdk`, `openjdk17-jdk`). Removing them later in the same
    /// `RUN` still ran the build in the final stage, so it is still reported.
    ///
    /// Version checks (`rustc --version`) are not builds. `ONBUILD RUN` runs
    /// in other builds, not in this image, and is not checked. One finding per
    /// `RUN`, at its first toolchain command.
    ///
    /// ## Why is this bad?
    /// The standard says the build toolchain never enters the production image:
    /// compilers and build tools in the final stage bring their vulnerabilities
    /// and size with them, and leave an image that can compile further code if
    /// compromised. A single-stage image that compiles is the case the standard
    /// names. Build in a separate stage and copy only the output.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22
    /// WORKDIR /app
    /// COPY . .
    /// RUN go build -o /app/service ./cmd/service
    /// ENTRYPOINT ["/app/service"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// WORKDIR /app
    /// COPY . .
    /// RUN go build -o /app/service ./cmd/service
    ///
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=build /app/service /service
    /// ENTRYPOINT ["/service"]
    /// ```
    ///
    /// ## References
    /// The standard's "Multi-stage builds separate build toolchain from runtime
    /// image". hadolint has no such rule.
    pub struct ToolchainInFinalStage { code: "DD020", name: "toolchain-in-final-stage", tag: Some(Tag::MultiStage), severity: Error, fix: None }
}

/// System packages that are compilers or build tools.
fn is_toolchain_package(name: &str) -> bool {
    // `gcc=4:12.2.0-3`, `gcc~=12`, `gcc>12`: the name before any version.
    let name = name.split(['=', '<', '>', '~']).next().unwrap_or(name);
    let name = name.split(':').next().unwrap_or(name);
    matches!(
        name,
        "build-essential"
            | "build-base"
            | "gcc"
            | "g++"
            | "gcc-c++"
            | "clang"
            | "make"
            | "cmake"
            | "golang"
            | "golang-go"
            | "go"
            | "cargo"
            | "rustc"
            | "maven"
            | "gradle"
    ) || versioned(name, "gcc-")
        || versioned(name, "g++-")
        || versioned(name, "clang-")
        || (name.starts_with("openjdk") && (name.ends_with("-jdk") || name.ends_with("-jdk-headless")))
        || (name.starts_with("java-") && name.ends_with("-openjdk-devel"))
}

/// `gcc-12`: a prefix followed by a version number.
fn versioned(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix).is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Compiler commands, also in versioned forms (`gcc-12`, `clang-17`).
fn is_compiler(name: &str) -> bool {
    matches!(name, "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" | "rustc" | "javac" | "tsc" | "make" | "cmake")
        || versioned(name, "gcc-")
        || versioned(name, "g++-")
        || versioned(name, "clang-")
        || versioned(name, "clang++-")
}

/// Flags that only print information (`--version`, `-dumpmachine`).
fn is_info_flag(flag: &str) -> bool {
    matches!(
        flag,
        "--version"
            | "-version"
            | "-v"
            | "-V"
            | "--help"
            | "-h"
            | "-dumpversion"
            | "-dumpmachine"
            | "-print-search-dirs"
    )
}

/// The word (within `args`) that names a build step, if the first operand is one of `subs`.
fn first_operand_in<'w>(args: &'w [Word], spec: OptSpec<'_>, subs: &[&str]) -> Option<&'w Word> {
    first_operand(args, spec).filter(|w| subs.contains(&w.text.as_str()))
}

/// A `build` or `build:*` script name.
fn is_build_script(name: &str) -> bool {
    name == "build" || name.starts_with("build:")
}

/// Gradle task names that build artefacts (also qualified, `:app:build`).
fn is_gradle_build_task(task: &str) -> bool {
    let t = task.rsplit(':').next().unwrap_or(task);
    matches!(t, "build" | "assemble" | "jar" | "bootJar" | "shadowJar" | "installDist" | "war" | "bootWar")
}

/// What the command does that needs a toolchain: where to report it (the
/// command up to the word that makes it a build, or the toolchain package) and
/// a label for the message.
fn toolchain_use(c: &RunCmd<'_>) -> Option<(TextRange, String)> {
    let name = c.name();
    let args = c.args();
    let none = OptSpec { short: "", long: &[] };
    let upto = |w: &Word| Some((c.span_to(Some(w)), format!("{name} {}", w.text)));
    if let Some(pip) = c.pip_args() {
        return first_operand_in(pip, none, &["wheel"]).map(|w| (c.span_to(Some(w)), "pip wheel".to_string()));
    }
    match name {
        "go" => first_operand_in(args, none, &["build", "install"]).and_then(upto),
        "cargo" => {
            let p = parse_args(args, OptSpec { short: "pFjZC", long: &["config", "manifest-path", "color"] });
            let sub = p.operands.iter().copied().find(|w| !w.text.starts_with('+'))?;
            matches!(sub.text.as_str(), "build" | "b" | "install")
                .then(|| (c.span_to(Some(sub)), format!("cargo {}", sub.text)))
        }
        "mvn" | "mvnw" => {
            args.iter().find(|w| matches!(w.text.as_str(), "package" | "install" | "verify" | "deploy")).and_then(upto)
        }
        "gradle" | "gradlew" => {
            args.iter().find(|w| !w.text.starts_with('-') && is_gradle_build_task(&w.text)).and_then(upto)
        }
        "npm" | "yarn" | "pnpm" => {
            let p = parse_args(args, OptSpec { short: "wC", long: &["prefix", "workspace", "cwd", "filter", "dir"] });
            let script = match p.operands.as_slice() {
                [run, script, ..] if run.text == "run" || run.text == "run-script" => *script,
                [script, ..] if name != "npm" => *script,
                _ => return None,
            };
            is_build_script(&script.text).then(|| (c.span_to(Some(script)), format!("{name} run {}", script.text)))
        }
        "dotnet" => first_operand_in(args, none, &["build", "publish"]).and_then(upto),
        "apt-get" | "apt" | "apk" | "dnf" | "microdnf" | "yum" => {
            let p = parse_args(
                args,
                OptSpec { short: "tocX", long: &["target-release", "option", "repository", "virtual"] },
            );
            let (sub, pkgs) = p.operands.split_first()?;
            if !matches!(sub.text.as_str(), "install" | "add") {
                return None;
            }
            let pkg = pkgs.iter().find(|w| is_toolchain_package(&w.text))?;
            Some((c.word_range(pkg), format!("{name} {} {}", sub.text, pkg.text)))
        }
        // `gcc --version`, `javac -version`: a version check, not a build.
        n if is_compiler(n) && (args.is_empty() || !args.iter().all(|w| is_info_flag(&w.text))) => {
            Some((c.span_to(None), n.to_string()))
        }
        n if is_python(n) => {
            let first = args.iter().find(|w| !w.text.starts_with('-') || w.text == "-m")?;
            if first.text == "-m" {
                let module = args.iter().skip_while(|w| w.text != "-m").nth(1)?;
                return (module.text == "build").then(|| (c.span_to(Some(module)), format!("{n} -m build")));
            }
            if !first.text.ends_with("setup.py") {
                return None;
            }
            let cmd = args.iter().skip_while(|w| w.text != first.text).nth(1)?;
            (cmd.text == "build" || cmd.text.starts_with("bdist"))
                .then(|| (c.span_to(Some(cmd)), format!("{n} setup.py {}", cmd.text)))
        }
        _ => None,
    }
}

impl Rule for ToolchainInFinalStage {
    fn check_file(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        let Some(final_stage) = model.final_stage else { return };
        let mut in_chain = vec![false; model.stages.len()];
        for s in model.chain(final_stage) {
            if let Some(slot) = in_chain.get_mut(s) {
                *slot = true;
            }
        }
        for run in cx.run_scripts().iter() {
            let stage = model.stage_of.get(run.inst).copied().flatten();
            if run.onbuild || !stage.is_some_and(|s| in_chain.get(s).copied().unwrap_or(false)) {
                continue;
            }
            let final_name =
                if stage == Some(final_stage) { "the final stage" } else { "a stage the final image is built on" };
            let Some((range, what)) = run.commands().iter().find_map(toolchain_use) else { continue };
            cx.report(self, range, format!("build toolchain runs in {final_name}: `{what}`")).help(
                "build in a separate stage (`FROM … AS build`) and `COPY --from=build` only the output into the final stage",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(src: &str) -> Vec<String> {
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD020"));
        diags.iter().map(|d| d.range.slice(src).to_string()).collect()
    }

    fn single(run: &str) -> Vec<String> {
        hits(&format!("FROM debian:12\n{run}\n"))
    }

    #[test]
    fn builds_in_a_single_stage() {
        assert_eq!(single("RUN go build -o /s ./cmd/s"), ["go build"]);
        assert_eq!(single("RUN cargo +stable build --release --locked"), ["cargo +stable build"]);
        assert_eq!(single("RUN ./configure && make -j4 && make install"), ["make"]);
        assert_eq!(single("RUN make"), ["make"]);
        assert_eq!(single("RUN mvn -B -DskipTests package"), ["mvn -B -DskipTests package"]);
        assert_eq!(single("RUN ./gradlew --no-daemon :app:bootJar"), ["./gradlew --no-daemon :app:bootJar"]);
        assert_eq!(single("RUN npm ci && npm run build:prod"), ["npm run build:prod"]);
        assert_eq!(single("RUN yarn build"), ["yarn build"]);
        assert_eq!(single("RUN dotnet publish -c Release"), ["dotnet publish"]);
        assert_eq!(single("RUN python3 setup.py bdist_wheel"), ["python3 setup.py bdist_wheel"]);
        assert_eq!(single("RUN python -m build"), ["python -m build"]);
        assert_eq!(single("RUN pip wheel -w /wheels ."), ["pip wheel"]);
        assert_eq!(single("RUN gcc-12 -O2 -o x x.c"), ["gcc-12"]);
    }

    #[test]
    fn toolchain_installs() {
        assert_eq!(
            single("RUN apt-get update && apt-get install -y --no-install-recommends curl=8 build-essential=12.9"),
            ["build-essential=12.9"]
        );
        assert_eq!(single("RUN apk add --no-cache --virtual .build-deps gcc musl-dev"), ["gcc"]);
        assert_eq!(single("RUN dnf install -y java-17-openjdk-devel gcc-c++"), ["java-17-openjdk-devel"]);
        assert_eq!(single("RUN apt-get install -y openjdk-17-jdk-headless"), ["openjdk-17-jdk-headless"]);
        assert_eq!(single("RUN python3 -m pip wheel ."), ["python3 -m pip wheel"]);
    }

    #[test]
    fn quiet() {
        for run in [
            "RUN go version && cargo --version && npm ci && npm run start",
            "RUN apt-get install -y curl ca-certificates openjdk-17-jre-headless",
            "RUN mvn dependency:go-offline && gradle dependencies",
            "RUN python app.py build && pip install flask==3",
            "ONBUILD RUN make",
            "RUN echo make",
            "RUN rustc --version && javac -version && gcc -dumpmachine && cmake --version",
        ] {
            assert_eq!(single(run), Vec::<String>::new(), "{run}");
        }
    }

    #[test]
    fn only_the_final_chain() {
        let src = "FROM golang:1.22 AS build\nRUN go build -o /s .\nFROM build AS test\nRUN go test ./...\nFROM debian:12 AS base\nRUN make\nFROM base\nCOPY --from=build /s /s\n";
        assert_eq!(hits(src), ["make"]);
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD020"));
        assert_eq!(diags[0].message, "build toolchain runs in a stage the final image is built on: `make`");
        let src =
            "FROM debian:12 AS build\nRUN make\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /s /s\n";
        assert_eq!(hits(src), Vec::<String>::new());
    }

    #[test]
    fn one_finding_per_run() {
        assert_eq!(single("RUN apt-get install -y gcc && gcc -o x x.c && make"), ["gcc"]);
        let src = "FROM debian:12\nRUN apt-get install -y gcc && gcc -o x x.c && make\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD020"));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "build toolchain runs in the final stage: `apt-get install gcc`");
    }
}
