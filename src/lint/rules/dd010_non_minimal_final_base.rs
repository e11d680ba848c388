use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::Base;
use crate::lint::model::image_ref::ImageRef;

declare_rule! {
    /// ## What it does
    /// Checks that the final stage, after following `FROM <stage>` chains, stands
    /// on a minimal base: distroless, scratch, alpine, a `slim`/`minimal`/`micro`/
    /// `chiseled` variant, Chainguard, or a base listed in `allowed-bases`. It
    /// reports full OS images (ubuntu, debian, fedora, …) and full toolchain images
    /// (golang, rust, node, python, maven, the .NET SDK, …). Images it does not
    /// know are not reported.
    ///
    /// ## Why is this bad?
    /// The base image is the default attack surface. A full OS or toolchain image
    /// brings hundreds of packages, a shell, a package manager and compilers that
    /// the application never uses, each one a place for a vulnerability. The
    /// standard reserves full OS images for development and CI stages, never the
    /// final production image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22
    /// WORKDIR /src
    /// COPY . .
    /// RUN go build -o /service ./cmd/service
    /// ENTRYPOINT ["/service"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// WORKDIR /src
    /// COPY go.mod go.sum ./
    /// COPY cmd/ cmd/
    /// RUN go build -o /service ./cmd/service
    ///
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY --from=build /service /service
    /// ENTRYPOINT ["/service"]
    /// ```
    ///
    /// ## Configuration
    /// `allowed-bases` in `.drydock.yml` lists more images (globs such as
    /// `registry.example.com/base/*`) to accept as minimal.
    pub struct NonMinimalFinalBase { code: "DD010", name: "non-minimal-final-base", tag: Some(Tag::MinimalBase), severity: Error, fix: None }
}

/// Images that are a full OS or a full toolchain, by the last path component.
const FULL: &[&str] = &[
    "ubuntu",
    "debian",
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "archlinux",
    "opensuse",
    "leap",
    "tumbleweed",
    "kalilinux",
    "ubi",
    "ubi8",
    "ubi9",
    "ubi10",
    "servercore",
    "windows",
    "buildpack-deps",
    "golang",
    "rust",
    "gcc",
    "node",
    "python",
    "pypy",
    "ruby",
    "php",
    "perl",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "maven",
    "gradle",
    "sdk",
    "elixir",
    "erlang",
    "haskell",
    "swift",
    "julia",
    "r-base",
    "clojure",
    "groovy",
    "dart",
    "mono",
    "composer",
];

/// Markers of a minimal image, in the tag or the repository name.
const MINIMAL_MARKERS: &[&str] =
    &["alpine", "slim", "minimal", "micro", "distroless", "chiseled", "scratch", "busybox", "nanoserver", "wolfi"];

fn last_component(r: &ImageRef) -> &str {
    r.repository.rsplit('/').next().unwrap_or(&r.repository)
}

/// Whether `r` is known to be minimal.
pub(crate) fn is_minimal(r: &ImageRef) -> bool {
    let tag = r.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    let repo = r.repository.to_ascii_lowercase();
    r.registry == "cgr.dev"
        || has_minimal_marker(&tag)
        || has_minimal_marker(&repo)
        || matches!(last_component(r), "alpine" | "busybox" | "static" | "base" | "cc" | "wolfi-base")
            && repo.contains("distroless")
}

/// Whether `text` holds one of [`MINIMAL_MARKERS`]. Asked only of final bases that are full images
/// (DD010 looks the base up in that list first), so a plain search per marker is enough.
fn has_minimal_marker(text: &str) -> bool {
    MINIMAL_MARKERS.iter().any(|m| text.contains(m))
}

/// Whether `r` is known to be a full OS or toolchain image.
fn is_full(r: &ImageRef) -> bool {
    let last = last_component(r).to_ascii_lowercase();
    FULL.contains(&last.as_str())
}

/// A minimal alternative to suggest for a full image.
fn suggestion(r: &ImageRef) -> String {
    let last = last_component(r);
    let tag = r.tag.as_deref().filter(|t| *t != "latest").unwrap_or("<version>");
    match last {
        "golang" | "rust" | "gcc" => {
            "build in this stage, then copy the binary into `gcr.io/distroless/static-debian12:nonroot` (or `cc-debian12` when it links libc)".into()
        }
        "node" => format!("run on `node:{tag}-alpine` or `gcr.io/distroless/nodejs22-debian12:nonroot` in a final stage"),
        "python" => format!("run on `python:{tag}-slim` or `gcr.io/distroless/python3-debian12:nonroot` in a final stage"),
        "openjdk" | "eclipse-temurin" | "amazoncorretto" | "maven" | "gradle" => {
            "run the jar on a JRE-only minimal image such as `gcr.io/distroless/java21-debian12:nonroot`".into()
        }
        "debian" => format!("use `debian:{tag}-slim`, or distroless when no shell is needed at runtime"),
        "ubuntu" => "use a distroless or alpine image; if Ubuntu is required, a chiseled Ubuntu image".into(),
        "sdk" => "publish in this stage, then copy the output into `mcr.microsoft.com/dotnet/runtime-deps` (a `-chiseled` tag) or `aspnet` `-alpine`".into(),
        _ => "copy the built artefacts into a minimal final stage: distroless, alpine or a `-slim` variant".into(),
    }
}

fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((pre, rest)) => {
            let Some(tail) = text.strip_prefix(pre) else { return false };
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob_match(rest, &tail[i..]))
        }
    }
}

fn allowed(r: &ImageRef, expanded: &str, allowed: &[String]) -> bool {
    let full = format!("{}/{}", r.registry, r.repository);
    allowed.iter().any(|p| {
        let p = p.trim();
        glob_match(p, expanded)
            || glob_match(p, &full)
            || glob_match(p, &r.repository)
            || glob_match(p, last_component(r))
    })
}

impl Rule for NonMinimalFinalBase {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(final_stage) = cx.model.final_stage() else { return };
        let Base::Image(img) = cx.model.root_base(final_stage.index) else { return };
        let Some(r) = &img.reference else { return };
        // The cheap list lookup first: most final bases are not in it.
        if !is_full(r) || is_minimal(r) || allowed(r, &img.expanded, &cx.settings.allowed_bases) {
            return;
        }
        let Some(from) = cx.file.instructions.get(final_stage.from) else { return };
        let range = from.args.first().map_or(from.name_range, |a| a.range);
        let via = if matches!(final_stage.base, Base::Stage(_)) {
            format!(" (through `FROM {}`)", from.args.first().map_or("", |a| a.value.as_str()))
        } else {
            String::new()
        };
        cx.report(self, range, format!("final stage runs on `{}`, a full OS or toolchain image{via}", img.expanded))
            .help(suggestion(r));
    }
}

#[cfg(test)]
mod tests {
    use super::{MINIMAL_MARKERS, glob_match, has_minimal_marker};

    #[test]
    fn every_marker_is_found() {
        for m in MINIMAL_MARKERS {
            assert!(has_minimal_marker(&format!("x{m}y")), "{m}");
        }
    }

    proptest::proptest! {
        /// The one-pass search finds a marker where a substring search for each one does.
        #[test]
        fn marker_search_agrees_with_contains(text in "([a-z0-9.-]|alpine|slim|minimal|micro|distroless|chiseled|scratch|busybox|nanoserver|wolfi|alp|sli){0,8}") {
            proptest::prop_assert_eq!(has_minimal_marker(&text), MINIMAL_MARKERS.iter().any(|m| text.contains(m)));
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("registry.example.com/base/*", "registry.example.com/base/jre"));
        assert!(glob_match("*-runtime", "mycorp-runtime"));
        assert!(!glob_match("mycorp/*", "other/x"));
    }
}
