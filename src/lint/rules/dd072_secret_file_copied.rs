use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `COPY` and `ADD` of files that hold secrets: `.env` files (not
    /// `.env.example`/`.sample`/`.template`), SSH keys (`id_rsa`, `id_ed25519`, …),
    /// private keys (`*.key`, `*.p12`, `*.pfx`, `*.pem` that are not certificates),
    /// `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.aws/credentials`,
    /// `credentials.json` and docker's `config.json`.
    ///
    /// ## Why is this bad?
    /// A copied file stays in its layer forever, even when a later `RUN rm`
    /// deletes it, so anyone who pulls the image gets the secret. The standard
    /// names `.env` files among the secrets that must never enter an image.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY .npmrc /root/.npmrc
    /// RUN npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    /// ```
    pub struct SecretFileCopied { code: "DD072", name: "secret-file-copied", tag: Some(Tag::NoSecrets), severity: Error, fix: None }
}

fn is_secret_file(path: &str) -> bool {
    let p = path.trim_matches('"').trim_end_matches('/');
    let base = p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
    if base == ".env" {
        return true;
    }
    if let Some(rest) = base.strip_prefix(".env.") {
        return !matches!(rest, "example" | "sample" | "template" | "dist" | "defaults" | "schema");
    }
    if base.starts_with("id_rsa")
        || base.starts_with("id_dsa")
        || base.starts_with("id_ecdsa")
        || base.starts_with("id_ed25519")
    {
        return !std::path::Path::new(&base).extension().is_some_and(|e| e.eq_ignore_ascii_case("pub"));
    }
    if matches!(base.as_str(), ".npmrc" | ".pypirc" | ".netrc" | ".git-credentials" | "credentials.json" | ".htpasswd")
    {
        return true;
    }
    if p.ends_with(".aws/credentials") || p.ends_with(".docker/config.json") {
        return true;
    }
    let ext = base.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "key" | "p12" | "pfx" | "jks" | "keystore" | "kdbx" => true,
        "pem" => {
            let stem = base.trim_end_matches(".pem");
            !["cert", "crt", "chain", "bundle", "pub", "public", "ca", "root"].iter().any(|w| stem.contains(w))
        }
        _ => false,
    }
}

impl Rule for SecretFileCopied {
    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
            return;
        }
        for src in super::dd050_whole_context_copy::sources(inst) {
            if is_secret_file(&src.value) {
                cx.report(self, src.range, format!("`{}` copies a secret file into the image", src.value))
                    .help("mount it for the one step that needs it: `RUN --mount=type=secret,id=…,target=…`");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_secret_file;

    #[test]
    fn secret_files() {
        for p in [
            ".env",
            "app/.env.production",
            "id_rsa",
            "keys/server.key",
            "tls/private.pem",
            ".npmrc",
            "home/.aws/credentials",
        ] {
            assert!(is_secret_file(p), "{p}");
        }
        for p in [".env.example", "id_rsa.pub", "certs/ca.pem", "fullchain.pem", "src/", "package.json", "keyboard.txt"]
        {
            assert!(!is_secret_file(p), "{p}");
        }
    }
}
