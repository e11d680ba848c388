use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::ImageUseKind;

declare_rule! {
    /// ## What it does
    /// With `trusted-registries` in `.drydock.yml` (hadolint's
    /// `trustedRegistries` in `.hadolint.yaml`), finds `FROM` images from a
    /// registry not in the list. An image without a registry (`node:20`) is on
    /// Docker Hub, which the list names as `docker.io` (or `hub.docker.com`);
    /// `*.example.com` allows every subdomain. `scratch`, earlier stages and
    /// references whose variables have no value are not judged. Without a list
    /// the rule does nothing.
    ///
    /// ## Why is this bad?
    /// A base image runs with full trust inside the build and the container.
    /// Teams that mirror and scan images want every `FROM` to come from their
    /// own registries, not from whatever a Dockerfile author found online.
    ///
    /// ## Example
    /// ```dockerfile
    /// # trusted-registries: [registry.example.com]
    /// FROM node:20.11.1
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM registry.example.com/mirror/node:20.11.1
    /// ```
    ///
    /// ## References
    /// hadolint DL3026 (same code and meaning; ARG defaults are expanded here).
    pub struct UntrustedRegistry { code: "DL3026", name: "untrusted-registry", tag: None, severity: Error, fix: None }
}

/// Whether `registry` matches one entry of the list (`*.x.io` matches subdomains of `x.io`).
fn allowed(list: &[String], registry: &str) -> bool {
    let hub = registry == "docker.io";
    list.iter().any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        if hub && matches!(entry.as_str(), "docker.io" | "hub.docker.com" | "index.docker.io" | "registry-1.docker.io")
        {
            return true;
        }
        match entry.strip_prefix("*.") {
            Some(domain) => registry.strip_suffix(domain).is_some_and(|head| head.ends_with('.')),
            None => entry == registry,
        }
    })
}

/// The registry of a reference that still holds variables without a value
/// (`registry.k8s.io/etcd:${VERSION}`), when the registry part is literal.
fn registry_of_template(expanded: &str) -> Option<String> {
    let (head, _) = expanded.split_once('/')?;
    let literal = !head.contains(['$', '`']) && !head.is_empty();
    (literal && (head.contains(['.', ':']) || head == "localhost")).then(|| head.to_ascii_lowercase())
}

impl Rule for UntrustedRegistry {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (model, settings) = (cx.model, cx.settings);
        if settings.trusted_registries.is_empty() {
            return;
        }
        for image in model.images.iter().filter(|u| u.kind == ImageUseKind::From) {
            let text = &image.image;
            let registry = match text.reference.as_ref().filter(|_| text.unset.is_empty()) {
                Some(reference) if reference.is_scratch() => continue,
                Some(reference) => reference.registry.clone(),
                None => match registry_of_template(&text.expanded) {
                    Some(r) => r,
                    None => continue,
                },
            };
            if allowed(&settings.trusted_registries, &registry) {
                continue;
            }
            cx.report(
                self,
                text.range,
                format!("`{}` comes from `{registry}`, which is not a trusted registry", text.expanded),
            )
            .help(format!(
                "pull the image from one of {} (a mirror), or add `{registry}` to `trusted-registries`",
                settings.trusted_registries.join(", ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn registry_lists() {
        let list = vec!["docker.io".to_string(), "*.gcr.io".to_string(), "my.reg:5000".to_string()];
        assert!(allowed(&list, "docker.io"));
        assert!(allowed(&list, "eu.gcr.io"));
        assert!(allowed(&list, "my.reg:5000"));
        assert!(!allowed(&list, "gcr.io"));
        assert!(!allowed(&list, "ghcr.io"));
        assert!(allowed(&["hub.docker.com".to_string()], "docker.io"));
    }

    #[test]
    fn registry_of_a_template() {
        assert_eq!(super::registry_of_template("registry.k8s.io/etcd:${V}").as_deref(), Some("registry.k8s.io"));
        assert_eq!(super::registry_of_template("${REG}/etcd:1"), None);
        assert_eq!(super::registry_of_template("library/${X}"), None);
    }
}
