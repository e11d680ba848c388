//! The deploy artefacts and the App manifest: there is no Docker engine or
//! cluster here, so every manifest is parsed and checked for what issue 6
//! promises (hardened pods, probes on `/healthz` and `/readyz`, secrets by
//! reference), and drydock lints its own Dockerfile clean.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::common::manifest_dir;

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, key| match key.parse::<usize>() {
        Ok(i) => &v[i],
        Err(_) => &v[key],
    })
}

fn kube_dir() -> std::path::PathBuf {
    manifest_dir().join("deploy/kubernetes")
}

#[test]
fn kustomization_lists_every_manifest_and_each_parses() {
    let dir = kube_dir();
    let kustomization = yaml(&dir.join("kustomization.yaml"));
    let resources: Vec<&str> =
        at(&kustomization, "resources").as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| Path::new(n).extension().is_some_and(|e| e == "yaml") && n != "kustomization.yaml")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = resources.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(listed, on_disk, "kustomization.yaml must list every manifest in deploy/kubernetes");
    for name in &on_disk {
        let doc = yaml(&dir.join(name));
        assert!(doc["apiVersion"].is_string() && doc["kind"].is_string(), "{name} lacks apiVersion/kind");
        assert!(at(&doc, "metadata.name").is_string(), "{name} lacks metadata.name");
    }
}

#[test]
fn deployment_is_hardened_and_probed() {
    let d = yaml(&kube_dir().join("deployment.yaml"));
    assert_eq!(d["kind"], "Deployment");
    let pod = at(&d, "spec.template.spec");
    assert_eq!(at(pod, "securityContext.runAsNonRoot"), &Value::Bool(true));
    assert_eq!(at(pod, "securityContext.seccompProfile.type"), "RuntimeDefault");
    assert_eq!(pod["automountServiceAccountToken"], Value::Bool(false));
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    let sc = &c["securityContext"];
    assert_eq!(sc["runAsNonRoot"], Value::Bool(true));
    assert_eq!(sc["readOnlyRootFilesystem"], Value::Bool(true));
    assert_eq!(sc["allowPrivilegeEscalation"], Value::Bool(false));
    assert_eq!(at(sc, "capabilities.drop"), &serde_json::json!(["ALL"]));
    assert_eq!(at(sc, "seccompProfile.type"), "RuntimeDefault");
    assert!(at(c, "resources.requests.cpu").is_string() && at(c, "resources.limits.memory").is_string());
    assert_eq!(at(c, "livenessProbe.httpGet.path"), "/healthz");
    assert_eq!(at(c, "readinessProbe.httpGet.path"), "/readyz");
    // Secrets come by reference: a Secret volume, and env vars that name files in it.
    let volumes = pod["volumes"].as_array().unwrap();
    assert!(volumes.iter().any(|v| at(v, "secret.secretName") == "drydock"), "no Secret volume");
    let env = c["env"].as_array().unwrap();
    for var in ["DRYDOCK_PRIVATE_KEY_FILE", "DRYDOCK_WEBHOOK_SECRET_FILE", "DATABASE_URL_FILE"] {
        assert!(
            env.iter()
                .any(|e| e["name"] == var && e["value"].as_str().is_some_and(|v| v.starts_with("/var/run/secrets/"))),
            "{var} must point into the mounted Secret"
        );
    }
    for e in env {
        let name = e["name"].as_str().unwrap();
        assert!(
            !(name.contains("SECRET") || name.contains("KEY")) || name.ends_with("_FILE"),
            "{name} would put a secret in the environment"
        );
    }
}

#[test]
fn pdb_and_hpa_target_the_deployment() {
    let dir = kube_dir();
    let pdb = yaml(&dir.join("poddisruptionbudget.yaml"));
    assert_eq!(pdb["kind"], "PodDisruptionBudget");
    assert_eq!(pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"], "drydock");
    let hpa = yaml(&dir.join("horizontalpodautoscaler.yaml"));
    assert_eq!(hpa["kind"], "HorizontalPodAutoscaler");
    assert_eq!(at(&hpa, "spec.scaleTargetRef.kind"), "Deployment");
    assert_eq!(at(&hpa, "spec.scaleTargetRef.name"), "drydock");
    let min = at(&hpa, "spec.minReplicas").as_u64().unwrap();
    assert!(min >= 2, "one replica cannot keep the PDB's minAvailable during a drain");
}

#[test]
fn compose_has_healthchecks_and_file_secrets() {
    let c = yaml(&manifest_dir().join("deploy/compose.yaml"));
    let services = c["services"].as_object().unwrap();
    for name in ["drydock", "postgres"] {
        let s = &services[name];
        assert!(s["healthcheck"]["test"].is_array(), "{name} has no healthcheck");
        assert!(s["image"].as_str().is_some(), "{name} has no image");
    }
    assert_eq!(at(&services["drydock"], "depends_on.postgres.condition"), "service_healthy");
    let declared = c["secrets"].as_object().unwrap();
    for (name, secret) in declared {
        assert!(secret["file"].is_string(), "secret {name} must come from a file");
    }
    let env = services["drydock"]["environment"].as_object().unwrap();
    for (k, v) in env {
        if k.contains("SECRET") || k.contains("KEY") || k == "DATABASE_URL_FILE" {
            assert!(v.as_str().unwrap().starts_with("/run/secrets/"), "{k} must name a secret file");
        }
    }
    // Digest-pinned like everything drydock asks of others.
    assert!(services["postgres"]["image"].as_str().unwrap().contains("@sha256:"));
}

#[test]
fn app_manifest_asks_for_what_the_readme_explains() {
    let path = manifest_dir().join("app-manifest/drydock.json");
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for key in ["name", "url", "redirect_url", "setup_url"] {
        assert!(m[key].is_string(), "manifest lacks {key}");
    }
    assert!(at(&m, "hook_attributes.url").as_str().unwrap().ends_with("/webhook"));
    assert_eq!(m["public"], Value::Bool(false));
    assert_eq!(
        m["default_permissions"],
        serde_json::json!({"checks": "write", "pull_requests": "write", "contents": "write", "metadata": "read"})
    );
    let mut events: Vec<&str> = m["default_events"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    events.sort_unstable();
    assert_eq!(events, ["check_run", "check_suite", "merge_group", "pull_request", "push"]);
    let readme = std::fs::read_to_string(manifest_dir().join("app-manifest/README.md")).unwrap();
    for p in m["default_permissions"].as_object().unwrap().keys() {
        assert!(readme.contains(&format!("`{p}`")), "app-manifest/README.md does not explain `{p}`");
    }
}

#[test]
fn drydock_lints_its_own_deploy_folder_clean() {
    let out = Command::cargo_bin("drydock")
        .unwrap()
        .current_dir(manifest_dir())
        .args(["lint", "--format", "json", "--failure-threshold", "warning", "deploy/"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bad: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("error" | "warning")))
        .collect();
    assert!(bad.is_empty(), "drydock's own deploy/ has findings: {bad:#?}");
    assert!(out.status.success(), "exit {:?}", out.status);
    // Both files were read: the Dockerfile and the context's ignore file.
    let dockerfile = std::fs::read_to_string(manifest_dir().join("deploy/Dockerfile")).unwrap();
    assert!(dockerfile.contains("gcr.io/distroless/cc-debian12:nonroot@sha256:"));
    assert!(dockerfile.contains("cargo build --locked"));
    assert!(dockerfile.contains("USER nonroot"));
    assert!(manifest_dir().join("deploy/Dockerfile.dockerignore").is_file());
}

#[test]
fn pre_commit_hooks_select_exactly_the_files_drydock_lints() {
    let hooks = yaml(&manifest_dir().join(".pre-commit-hooks.yaml"));
    let hooks = hooks.as_array().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["drydock-lint", "drydock-lint-system"]);
    let names = [
        "Dockerfile",
        "dockerfile",
        "Containerfile",
        "Dockerfile.prod",
        "containerfile.dev",
        "api.Dockerfile",
        "build.dockerfile",
        ".dockerignore",
        "Dockerfile.dockerignore",
        "web.dockerignore",
        "Dockerfile-old",
        "Dockerfiles",
        "notes.md",
        "mydockerfile",
        "dockerignore",
        "docker-compose.yml",
    ];
    for hook in hooks {
        assert_eq!(hook["entry"], "drydock lint", "{hook}");
        let files = regex::Regex::new(hook["files"].as_str().unwrap()).unwrap();
        for name in names {
            let lintable = drydock::lint::is_lintable_name(std::ffi::OsStr::new(name));
            for path in [name.to_owned(), format!("services/api/{name}")] {
                assert_eq!(files.is_match(&path), lintable, "{}: `{path}`", hook["id"]);
            }
        }
    }
}
