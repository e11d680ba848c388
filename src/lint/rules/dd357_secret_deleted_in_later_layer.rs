use crate::lint::HashMap;

use super::commands::run_at;
use super::secrets::is_secret_file;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a secret file that a `COPY` or `ADD` puts into the image and a
    /// later `RUN` deletes (`rm`, `shred`, `unlink`), in the final stage or a
    /// stage it builds on. Secret files are the ones DD072 knows: `.env`,
    /// private keys, `.npmrc`, `.netrc`, cloud credentials.
    ///
    /// ## Why is this bad?
    /// Every instruction is a layer, and a layer is never edited: the `RUN rm`
    /// adds a new layer that hides the file, while the `COPY` layer below still
    /// holds it. Anyone who pulls the image gets the secret back with `docker
    /// save` or any layer browser. DD072 reports the copy itself; this rule
    /// points at the delete that gives a false sense of safety.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY .npmrc /root/.npmrc
    /// RUN npm ci
    /// RUN rm /root/.npmrc
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    /// ```
    pub struct SecretDeletedInLaterLayer { code: "DD357", name: "secret-deleted-in-later-layer", tag: Some(Tag::NoSecrets), severity: Error, fix: None }
}

/// A secret file a COPY/ADD placed: where it lands and the line of the copy.
struct Placed {
    /// Destination path of the file as far as it is known (may be relative).
    path: String,
    /// Its file name.
    name: String,
    line: u32,
}

/// Where `src` lands when copied to `dest` (a directory when it ends in `/`
/// or when several sources are copied).
fn landing(src: &str, dest: &str, many: bool) -> (String, String) {
    let src = src.trim_matches('"').trim_end_matches('/');
    let name = src.rsplit('/').next().unwrap_or(src).to_owned();
    let dest = dest.trim_matches('"');
    if many || dest.ends_with('/') || dest == "." {
        (format!("{}/{name}", dest.trim_end_matches('/')), name)
    } else {
        let dname = dest.rsplit('/').next().unwrap_or(dest).to_owned();
        (dest.to_owned(), dname)
    }
}

/// The secret files copied so far, indexed for [`PlacedFiles::deleted_by`]'s three tests, so that each deleted
/// path is looked up rather than compared with every file copied before (linear in a file of thousands of
/// COPYs and `rm`s).
#[derive(Default)]
struct PlacedFiles {
    placed: Vec<Placed>,
    /// The first file placed at each path, with each name, and under each directory (every prefix of its
    /// path that ends before a `/`).
    by_path: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    by_dir: HashMap<String, usize>,
}

impl PlacedFiles {
    fn push(&mut self, placed: Placed) {
        let index = self.placed.len();
        self.by_path.entry(placed.path.clone()).or_insert(index);
        self.by_name.entry(placed.name.clone()).or_insert(index);
        for (at, _) in placed.path.match_indices('/') {
            if let Some(dir) = placed.path.get(..at) {
                self.by_dir.entry(dir.to_owned()).or_insert(index);
            }
        }
        self.placed.push(placed);
    }

    /// The first file placed that deleting `target` removes: the same path, the same file name (relative
    /// paths and WORKDIR are not resolved), or a directory above it.
    fn deleted_by(&self, target: &str) -> Option<&Placed> {
        let t = target.trim_end_matches('/');
        if t.is_empty() || t.contains('$') {
            return None;
        }
        let base = t.rsplit('/').next().unwrap_or(t);
        let under = if t.starts_with('/') { self.by_dir.get(t) } else { None };
        [self.by_path.get(t), self.by_name.get(base), under]
            .into_iter()
            .flatten()
            .min()
            .and_then(|&i| self.placed.get(i))
    }

    fn is_empty(&self) -> bool {
        self.placed.is_empty()
    }
}

impl Rule for SecretDeletedInLaterLayer {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let Some(last) = model.final_stage else { return };
        let in_image: Vec<usize> = model.chain(last).into_iter().rev().collect();
        let runs = cx.run_scripts();
        let mut placed = PlacedFiles::default();
        for stage in in_image.iter().filter_map(|&s| model.stages.get(s)) {
            for i in stage.body.clone() {
                let Some(inst) = file.instructions.get(i) else { continue };
                if matches!(inst.keyword, Keyword::Copy | Keyword::Add) && inst.flag("from").is_none() {
                    let Some((dest, srcs)) = inst.args.split_last() else { continue };
                    for src in srcs.iter().filter(|s| is_secret_file(&s.value)) {
                        let (path, name) = landing(&src.value, &dest.value, srcs.len() > 1);
                        placed.push(Placed { path, name, line: inst.start_line });
                    }
                    continue;
                }
                if inst.keyword != Keyword::Run || placed.is_empty() {
                    continue;
                }
                let Some(run) = run_at(&runs, i) else { continue };
                for c in run.commands() {
                    if !matches!(c.name(), "rm" | "shred" | "unlink") {
                        continue;
                    }
                    for w in c.args().iter().filter(|w| !w.text.starts_with('-')) {
                        if let Some(p) = placed.deleted_by(&w.text) {
                            cx.report(
                                self,
                                c.word_range(w),
                                format!(
                                    "deleting `{}` here leaves it in the image: the COPY on line {} put it in an earlier layer",
                                    p.name, p.line
                                ),
                            )
                            .help("never copy the secret: mount it for the step that needs it with `RUN --mount=type=secret,id=…,target=…`");
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> PlacedFiles {
        let mut placed = PlacedFiles::default();
        for (i, (path, name)) in list.iter().enumerate() {
            placed.push(Placed { path: (*path).into(), name: (*name).into(), line: to_line(i) });
        }
        placed
    }

    fn to_line(i: usize) -> u32 {
        u32::try_from(i).unwrap() + 1
    }

    #[test]
    fn a_deletion_finds_the_first_file_it_removes() {
        let placed = files(&[("/etc/app/key.pem", "key.pem"), ("/root/.ssh/id_rsa", "id_rsa"), ("id_rsa", "id_rsa")]);
        let line = |t: &str| placed.deleted_by(t).map(|p| p.line);
        // The same path, the same name, or a directory above it (absolute only).
        assert_eq!(line("/etc/app/key.pem"), Some(1));
        assert_eq!(line("key.pem"), Some(1));
        assert_eq!(line("/etc/app/"), Some(1));
        assert_eq!(line("/etc"), Some(1));
        assert_eq!(line("/root/.ssh"), Some(2));
        // Both `id_rsa`s match by name: the first placed wins.
        assert_eq!(line("id_rsa"), Some(2));
        assert_eq!(line("etc/app"), None);
        assert_eq!(line("/et"), None);
        assert_eq!(line("/"), None);
        assert_eq!(line("$HOME/.ssh"), None);
    }
}
