use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds a final stage that runs a long-running service but has no
    /// `HEALTHCHECK`, in the stage or the stages it is built `FROM`. A stage runs a
    /// service when it has `EXPOSE`, or when its `CMD`/`ENTRYPOINT` starts a known
    /// server (nginx, httpd, gunicorn, uvicorn, `node server.js`, `java -jar`,
    /// `npm start`, `rails server`, `php-fpm`, …). `HEALTHCHECK NONE` is an explicit
    /// choice and is not reported.
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker and Compose report a hung or deadlocked
    /// service as running, and traffic keeps going to it. The standard's review
    /// checklist asks for a `HEALTHCHECK` on long-running services.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27-alpine
    /// EXPOSE 8080
    /// CMD ["nginx", "-g", "daemon off;"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27-alpine
    /// EXPOSE 8080
    /// HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://127.0.0.1:8080/healthz || exit 1
    /// CMD ["nginx", "-g", "daemon off;"]
    /// ```
    ///
    /// ## References
    /// hadolint DL3057 (off by default because it fires on every image), Trivy
    /// DS026 and Checkov `CKV_DOCKER_2` report any image without a health check;
    /// this rule only reports services.
    pub struct ServiceWithoutHealthcheck { code: "DD080", name: "service-without-healthcheck", tag: Some(Tag::Healthcheck), severity: Warning, fix: None }
}

const SERVERS: &[&str] = &[
    "nginx",
    "httpd",
    "apache2",
    "apache2-foreground",
    "caddy",
    "traefik",
    "haproxy",
    "envoy",
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "waitress-serve",
    "uwsgi",
    "php-fpm",
    "puma",
    "unicorn",
    "rackup",
    "redis-server",
    "postgres",
    "mysqld",
    "mongod",
    "memcached",
    "rabbitmq-server",
    "catalina.sh",
    "flask",
    "streamlit",
    "serve",
    "http-server",
    "pm2-runtime",
];

/// The words of a CMD/ENTRYPOINT, JSON or shell form.
fn words(inst: &Instruction) -> Vec<String> {
    if inst.json {
        inst.args.iter().map(|a| a.value.clone()).collect()
    } else {
        inst.args.first().map(|a| a.value.split_whitespace().map(str::to_string).collect()).unwrap_or_default()
    }
}

fn is_server_command(words: &[String]) -> bool {
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_ascii_lowercase();
    let names: Vec<String> = words.iter().map(|w| base(w)).collect();
    let has = |s: &str| names.iter().any(|n| n == s);
    names.iter().any(|n| SERVERS.contains(&n.as_str()))
        || (has("java") && has("-jar"))
        || (has("npm") || has("yarn") || has("pnpm")) && has("start")
        || (has("rails") || has("bin/rails")) && (has("server") || has("s"))
        || has("manage.py") && has("runserver")
        || (has("python") || has("python3")) && has("http.server")
        || has("dotnet")
            && names.iter().any(|n| std::path::Path::new(n).extension().is_some_and(|e| e.eq_ignore_ascii_case("dll")))
        || names.first().is_some_and(|n| n == "node")
            && names.get(1).is_some_and(|n| {
                ["server.js", "index.js", "app.js", "main.js", "dist/main.js", "server"].iter().any(|s| n.ends_with(s))
            })
}

impl Rule for ServiceWithoutHealthcheck {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(stage) = cx.model.final_stage() else { return };
        let mut evidence: Option<(TextRange, String)> = None;
        for s in cx.model.chain(stage.index) {
            let Some(st) = cx.model.stages.get(s) else { continue };
            for i in st.body.clone() {
                let Some(inst) = cx.file.instructions.get(i) else { continue };
                match inst.keyword {
                    Keyword::Healthcheck => return,
                    Keyword::Expose if evidence.is_none() => {
                        let ports = inst.args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>().join(" ");
                        evidence = Some((
                            inst.name_range.cover(inst.args.last().map_or(inst.name_range, |a| a.range)),
                            format!("it exposes {ports}"),
                        ));
                    }
                    Keyword::Cmd | Keyword::Entrypoint if evidence.is_none() => {
                        let w = words(inst);
                        if is_server_command(&w) {
                            evidence = Some((inst.name_range, format!("`{}` starts a server", w.join(" "))));
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some((range, why)) = evidence {
            cx.report(self, range, format!("the final stage runs a service ({why}) but has no `HEALTHCHECK`"))
                .help("add `HEALTHCHECK CMD <probe>` that fails when the service stops answering (distroless: a probe binary or subcommand)");
        }
    }
}
