//! The semantic model rules read: stages, ARG scope, image references,
//! effective users and parsed RUN commands. Built once per file from the AST.
//!
//! Stages follow BuildKit: a stage starts at each `FROM`; `FROM <stage>` chains
//! are followed to the external base; the final stage is the last one or
//! `--target`. FROM references are expanded with the global ARGs (those before
//! the first FROM, plus BuildKit's automatic platform ARGs), stage instructions
//! with the stage's ARG and ENV scope, as `docker build` would with no
//! `--build-arg`.

pub mod expand;
pub mod image_ref;
pub mod shell;

use crate::lint::HashMap;

use self::image_ref::ImageRef;
use self::shell::{Script, SimpleCommand, Word};
use super::parser::{Dockerfile, Instruction, JoinedText, Keyword, Segments};
use super::source::{TextRange, to_u32};

/// BuildKit's automatic platform ARGs, with the values a linux/amd64 build sees.
pub const PLATFORM_ARGS: &[(&str, &str)] = &[
    ("BUILDPLATFORM", "linux/amd64"),
    ("BUILDOS", "linux"),
    ("BUILDARCH", "amd64"),
    ("BUILDVARIANT", ""),
    ("TARGETPLATFORM", "linux/amd64"),
    ("TARGETOS", "linux"),
    ("TARGETARCH", "amd64"),
    ("TARGETVARIANT", ""),
];

/// Everything rules need beyond the syntax tree.
#[derive(Debug, Default)]
pub struct Model {
    /// Stages in file order.
    pub stages: Vec<Stage>,
    /// ARGs declared before the first FROM.
    pub global_args: Vec<ArgDecl>,
    /// Every top-level ARG instruction's declarations, in file order (see [`Model::args_of`]).
    arg_decls: Vec<ArgDecl>,
    /// Index of the final stage (the last one, or the `--target` stage).
    pub final_stage: Option<usize>,
    /// `--target` named no stage.
    pub missing_target: Option<String>,
    /// For each instruction (by index), the stage it belongs to.
    pub stage_of: Vec<Option<usize>>,
    /// For each instruction (by index), its parsed shell scripts (RUN only).
    pub scripts: Vec<Vec<RunScript>>,
    /// For each exec-form `RUN` and `ONBUILD RUN` (by index), the scripts it runs: the exec form's words
    /// as one command (and a `sh -c` body), or `ONBUILD RUN`'s shell form. The model reads none of them;
    /// rules do (hadolint checks both), and holding them here lets rules borrow every script alike.
    pub other_scripts: Vec<Vec<RunScript>>,
    /// Every external image reference: FROM, `COPY --from=<image>`,
    /// `RUN --mount=from=<image>`.
    pub images: Vec<ImageUse>,
    /// The escape character of the file.
    pub escape: char,
    /// The first stage of each (lowercased) name: a stage reference resolves in one lookup, not a scan of
    /// the stages (a file of thousands of stages referring to each other stays linear).
    first_stage_named: HashMap<String, usize>,
}

/// One `FROM` and the instructions under it.
#[derive(Debug, Clone)]
pub struct Stage {
    /// 0-based position.
    pub index: usize,
    /// `AS name`, lowercased as BuildKit does.
    pub name: Option<String>,
    /// Span of the name.
    pub name_range: Option<TextRange>,
    /// Index of the FROM instruction.
    pub from: usize,
    /// Indexes of the instructions after FROM, up to the next FROM.
    pub body: std::ops::Range<usize>,
    /// What the stage stands on.
    pub base: Base,
    /// Whether RUN scripts in this stage are POSIX shell (not PowerShell/cmd).
    pub posix_shell: bool,
}

/// What a stage is built on.
#[derive(Debug, Clone)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// `FROM <earlier stage>`.
    Stage(usize),
    /// An external image.
    Image(ImageText),
}

/// An image reference as written and as resolved.
#[derive(Debug, Clone)]
pub struct ImageText {
    /// The text as written (`${BASE}:${TAG}`).
    pub raw: String,
    /// After ARG expansion.
    pub expanded: String,
    /// Span of the reference in the file.
    pub range: TextRange,
    /// The parsed reference, when the expansion is a valid reference.
    pub reference: Option<ImageRef>,
    /// Variables used that have no value.
    pub unset: Vec<String>,
    /// Whether the text used variables.
    pub templated: bool,
    /// When the whole reference is one variable whose default comes from an ARG:
    /// the span of that default value (where a digest edit must go).
    pub arg_default: Option<TextRange>,
}

impl ImageText {
    /// Whether the reference resolves to something that can be pinned.
    pub fn is_resolved(&self) -> bool {
        self.reference.is_some() && self.unset.is_empty()
    }
}

/// Where an external image is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageUseKind {
    /// `FROM image`.
    From,
    /// `COPY --from=image`.
    CopyFrom,
    /// `RUN --mount=from=image`.
    MountFrom,
}

/// An external image referenced by the file.
#[derive(Debug, Clone)]
pub struct ImageUse {
    /// How it is used.
    pub kind: ImageUseKind,
    /// The instruction.
    pub inst: usize,
    /// The stage it appears in.
    pub stage: usize,
    /// The reference.
    pub image: ImageText,
}

/// An ARG declaration.
#[derive(Debug, Clone)]
pub struct ArgDecl {
    /// Name.
    pub name: String,
    /// Default value after unquoting, if any.
    pub default: Option<String>,
    /// Span of the default value as written.
    pub default_range: Option<TextRange>,
    /// Instruction index.
    pub inst: usize,
}

/// A shell script run by a RUN instruction, with a map back to source bytes.
#[derive(Debug, Clone)]
pub struct RunScript {
    /// The script text as the shell sees it.
    pub text: String,
    /// The parsed script.
    pub script: Script,
    /// Maps script offsets to source offsets.
    pub map: JoinedText,
    /// Where the script came from.
    pub origin: ScriptOrigin,
}

/// Where a RUN script came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptOrigin {
    /// The shell-form command (with any heredocs appended, as the shell sees them).
    ShellForm,
    /// The body of the heredoc with this index, run by a shell.
    Heredoc(usize),
}

impl RunScript {
    /// Source span of a span of the script.
    pub fn source_range(&self, range: TextRange) -> TextRange {
        self.map.to_source_range(range.start, range.end)
    }
}

/// Who a stage runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveUser {
    /// The user as written (expanded), or the base image's default.
    pub user: String,
    /// Root, not root, or unknown (an unresolved variable).
    pub root: Option<bool>,
    /// The USER instruction that decided it, if any.
    pub inst: Option<usize>,
}

impl Model {
    /// Builds the model for `file`; `target` selects the final stage.
    pub fn build(file: &Dockerfile, target: Option<&str>) -> Self {
        Builder::new(file).build(target)
    }

    /// The final stage.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.final_stage.and_then(|i| self.stages.get(i))
    }

    /// The stage named `name` (case-insensitive) or with index `name`, declared
    /// before instruction `before`.
    pub fn stage_ref(&self, name: &str, before: usize) -> Option<usize> {
        // Stages are in file order, so the first stage of a name is the earliest declared: if it is not
        // before `before`, no stage of that name is.
        let lower = name.to_ascii_lowercase();
        if let Some(s) =
            self.first_stage_named.get(&lower).and_then(|&i| self.stages.get(i)).filter(|s| s.from < before)
        {
            return Some(s.index);
        }
        let idx: usize = name.parse().ok()?;
        self.stages.get(idx).filter(|s| s.from < before).map(|s| s.index)
    }

    /// The external base of `stage`, following `FROM <stage>` chains.
    pub fn root_base(&self, stage: usize) -> &Base {
        let mut current = stage;
        for _ in 0..=self.stages.len() {
            match self.stages.get(current).map(|s| &s.base) {
                Some(Base::Stage(parent)) => current = *parent,
                Some(base) => return base,
                None => break,
            }
        }
        &Base::Scratch
    }

    /// The stages `stage` stands on, itself first, then its parents.
    pub fn chain(&self, stage: usize) -> Vec<usize> {
        let mut out = vec![stage];
        let mut current = stage;
        // A stage can only be built on an earlier one, so indexes fall and the walk ends; a parent that does
        // not fall (a hand-built model) ends it too.
        while let Some(&Base::Stage(parent)) = self.stages.get(current).map(|s| &s.base) {
            if parent >= current {
                break;
            }
            out.push(parent);
            current = parent;
        }
        out
    }

    /// Who `stage` runs as: its last USER, else its parent stage's, else the
    /// base image's default.
    pub fn effective_user(&self, file: &Dockerfile, stage: usize) -> EffectiveUser {
        for s in self.chain(stage) {
            let Some(st) = self.stages.get(s) else { break };
            let user = st.body.clone().rev().find_map(|i| {
                let inst = file.instructions.get(i)?;
                (inst.keyword == Keyword::User).then_some((i, inst))
            });
            if let Some((i, inst)) = user {
                let raw = inst.args.first().map(|a| a.value.as_str()).unwrap_or_default();
                let scope = self.scope_at(file, i);
                let expanded = expand::expand(raw, self.escape, &|n| scope.get(n).cloned());
                let root = if expanded.unset.is_empty() { Some(is_root_user(&expanded.value)) } else { None };
                return EffectiveUser { user: expanded.value, root, inst: Some(i) };
            }
        }
        match self.root_base(stage) {
            Base::Image(img) => match &img.reference {
                Some(r) if default_user_is_nonroot(r) => {
                    EffectiveUser { user: "nonroot (image default)".into(), root: Some(false), inst: None }
                }
                Some(r) if r.repository.contains("nanoserver") => {
                    EffectiveUser { user: "ContainerUser (image default)".into(), root: Some(false), inst: None }
                }
                Some(_) => EffectiveUser { user: "root (image default)".into(), root: Some(true), inst: None },
                None => EffectiveUser { user: String::new(), root: None, inst: None },
            },
            _ => EffectiveUser { user: "root (image default)".into(), root: Some(true), inst: None },
        }
    }

    /// The variables in scope just before instruction `at` (ARG and ENV of its
    /// stage, with global ARG defaults and platform ARGs), for expanding its words.
    /// Each call walks the stage up to `at`: to visit many instructions in file
    /// order, use [`ScopeCursor`].
    pub fn scope_at(&self, file: &Dockerfile, at: usize) -> HashMap<String, String> {
        let mut cursor = ScopeCursor::new(self, file);
        cursor.at(at);
        cursor.scope
    }

    /// The declarations of top-level instruction `i`, as [`arg_decls`] gives them (none unless it is an
    /// ARG). Read once when the model is built: scopes replay ARGs for every rule that walks them.
    pub fn args_of(&self, i: usize) -> &[ArgDecl] {
        let start = self.arg_decls.partition_point(|d| d.inst < i);
        let end = start + self.arg_decls.get(start..).map_or(0, |rest| rest.partition_point(|d| d.inst == i));
        self.arg_decls.get(start..end).unwrap_or(&[])
    }

    /// The declarations of the ARG at instruction `i` (`top`), or of the ARG an `ONBUILD` there wraps: a
    /// top-level ARG's from the model ([`Self::args_of`]), an `ONBUILD ARG`'s read now.
    pub fn effective_args_of(&self, top: &Instruction, i: usize) -> std::borrow::Cow<'_, [ArgDecl]> {
        match top.sub.as_deref() {
            None => std::borrow::Cow::Borrowed(self.args_of(i)),
            Some(sub) if sub.keyword == Keyword::Arg => std::borrow::Cow::Owned(arg_decls(sub, i, self.escape)),
            Some(_) => std::borrow::Cow::Borrowed(&[]),
        }
    }

    /// Applies instruction `i` (an ARG or ENV) to `scope`.
    fn apply_to_scope(
        &self,
        inst: &Instruction,
        i: usize,
        globals: &HashMap<&str, &ArgDecl>,
        scope: &mut HashMap<String, String>,
    ) {
        match inst.keyword {
            Keyword::Arg => {
                for decl in self.args_of(i) {
                    let value = decl
                        .default
                        .as_deref()
                        .or_else(|| globals.get(decl.name.as_str()).and_then(|g| g.default.as_deref()))
                        .or_else(|| platform_default(&decl.name));
                    if let Some(v) = value {
                        scope.insert(decl.name.clone(), v.to_owned());
                    }
                }
            }
            Keyword::Env => {
                for pair in inst.args.chunks(2) {
                    if let [k, v] = pair {
                        let value = expand::expand(&v.value, self.escape, &|n| scope.get(n).cloned()).value;
                        scope.insert(k.value.clone(), value);
                    }
                }
            }
            _ => {}
        }
    }
}

/// [`Model::scope_at`] for instructions visited in file order: moving forward
/// within a stage applies only the instructions passed since the last call, so
/// a walk over a stage is linear instead of quadratic. Any other move starts
/// over. Gives exactly what `scope_at` gives.
pub struct ScopeCursor<'m> {
    model: &'m Model,
    file: &'m Dockerfile,
    globals: HashMap<&'m str, &'m ArgDecl>,
    /// The stage whose scope `scope` holds, and the next instruction to apply.
    at: Option<(usize, usize)>,
    scope: HashMap<String, String>,
}

impl<'m> ScopeCursor<'m> {
    /// A cursor over `file` and its `model`.
    pub fn new(model: &'m Model, file: &'m Dockerfile) -> Self {
        let globals = model.global_args.iter().map(|a| (a.name.as_str(), a)).collect();
        Self { model, file, globals, at: None, scope: HashMap::default() }
    }

    /// The variables in scope just before instruction `at`, as [`Model::scope_at`].
    pub fn at(&mut self, at: usize) -> &HashMap<String, String> {
        let model = self.model;
        let Some(Some(stage)) = model.stage_of.get(at).copied() else {
            self.at = None;
            self.scope = global_scope(&model.global_args);
            return &self.scope;
        };
        let parent = match model.stages.get(stage).map(|s| &s.base) {
            Some(&Base::Stage(p)) => Some(p),
            _ => None,
        };
        let from = match self.at {
            Some((s, next)) if s == stage && next <= at => next,
            // Moving on from the parent stage: the scope already holds the parent's ancestors and the part of
            // its body passed so far, so finishing the parent's body gives what starting over would build. A
            // chain of stages each built on the one before stays linear.
            Some((s, next)) if Some(s) == parent && model.stages.get(s).is_some_and(|p| p.body.end <= at) => {
                if let Some(p) = model.stages.get(s) {
                    self.apply(next.max(p.body.start)..p.body.end);
                }
                model.stages.get(stage).map_or(at, |st| st.body.start)
            }
            _ => {
                // Start over: the stages this one is built on, whole, then this one.
                self.scope.clear();
                for s in model.chain(stage).into_iter().skip(1).rev() {
                    if let Some(st) = model.stages.get(s) {
                        self.apply(st.body.clone().take_while(|&i| i < at));
                    }
                }
                model.stages.get(stage).map_or(at, |st| st.body.start)
            }
        };
        let end = model.stages.get(stage).map_or(from, |st| at.min(st.body.end));
        self.apply(from..end);
        self.at = Some((stage, end.max(from)));
        &self.scope
    }

    fn apply(&mut self, insts: impl Iterator<Item = usize>) {
        for i in insts {
            if let Some(inst) = self.file.instructions.get(i) {
                self.model.apply_to_scope(inst, i, &self.globals, &mut self.scope);
            }
        }
    }
}

fn platform_default(name: &str) -> Option<&'static str> {
    PLATFORM_ARGS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn global_scope(globals: &[ArgDecl]) -> HashMap<String, String> {
    let mut scope: HashMap<String, String> =
        PLATFORM_ARGS.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    for a in globals {
        if let Some(d) = &a.default {
            scope.insert(a.name.clone(), d.clone());
        } else if platform_default(&a.name).is_none() {
            scope.remove(&a.name);
        }
    }
    scope
}

/// `root`, `0`, `0:0`, `root:root`, `ContainerAdministrator`.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name.is_empty()
        || name == "0"
        || name.eq_ignore_ascii_case("root")
        || name.eq_ignore_ascii_case("ContainerAdministrator")
}

/// Images whose default user is not root: distroless `nonroot` variants and
/// Chainguard images other than `-dev`.
fn default_user_is_nonroot(r: &ImageRef) -> bool {
    let tag = r.tag.as_deref().unwrap_or("");
    if r.repository.starts_with("distroless/") || r.repository.contains("/distroless/") {
        return tag == "nonroot" || tag.ends_with("-nonroot") || tag.starts_with("nonroot-");
    }
    if r.registry == "cgr.dev" && r.repository.starts_with("chainguard/") {
        return !tag.contains("-dev") && tag != "dev";
    }
    false
}

/// The ARG declarations of one ARG instruction.
pub fn arg_decls(inst: &Instruction, index: usize, escape: char) -> Vec<ArgDecl> {
    inst.args
        .iter()
        .map(|a| match a.value.split_once('=') {
            Some((name, value)) => {
                let at = a.range.start + to_u32(name.len()) + 1;
                ArgDecl {
                    name: name.to_string(),
                    default: Some(expand::unquote(value, escape)),
                    default_range: Some(TextRange::new(at.min(a.range.end), a.range.end)),
                    inst: index,
                }
            }
            None => ArgDecl { name: a.value.clone(), default: None, default_range: None, inst: index },
        })
        .collect()
}

struct Builder<'a> {
    file: &'a Dockerfile,
    model: Model,
}

impl<'a> Builder<'a> {
    fn new(file: &'a Dockerfile) -> Self {
        let n = file.instructions.len();
        Self {
            file,
            model: Model {
                stage_of: vec![None; n],
                scripts: vec![Vec::new(); n],
                other_scripts: vec![Vec::new(); n],
                escape: file.escape,
                ..Model::default()
            },
        }
    }

    fn build(mut self, target: Option<&str>) -> Model {
        let file = self.file;
        let n = file.instructions.len();
        let froms: Vec<usize> =
            file.instructions.iter().enumerate().filter(|(_, i)| i.keyword == Keyword::From).map(|(i, _)| i).collect();
        for (i, inst) in file.instructions.iter().enumerate() {
            if inst.keyword == Keyword::Arg {
                self.model.arg_decls.extend(arg_decls(inst, i, file.escape));
            }
        }
        let first_from = froms.first().copied().unwrap_or(n);
        self.model.global_args = self.model.arg_decls.iter().take_while(|d| d.inst < first_from).cloned().collect();
        let globals = global_scope(&self.model.global_args);
        let global_defaults: HashMap<&str, &ArgDecl> =
            self.model.global_args.iter().map(|a| (a.name.as_str(), a)).collect();
        for (k, &from) in froms.iter().enumerate() {
            let end = froms.get(k + 1).copied().unwrap_or(n);
            let inst = &file.instructions[from];
            let (image_arg, name, name_range) = from_parts(inst);
            let base = match image_arg {
                None => Base::Image(ImageText {
                    raw: String::new(),
                    expanded: String::new(),
                    range: inst.name_range,
                    reference: None,
                    unset: Vec::new(),
                    templated: false,
                    arg_default: None,
                }),
                Some(arg) => {
                    let text = image_text(&arg.value, arg.range, file.escape, &globals, |var| {
                        global_defaults.get(var).and_then(|a| a.default_range)
                    });
                    let lower = text.expanded.to_ascii_lowercase();
                    if lower == "scratch" {
                        Base::Scratch
                    } else if let Some(&parent) = self.model.first_stage_named.get(lower.as_str()) {
                        Base::Stage(parent)
                    } else {
                        Base::Image(text)
                    }
                }
            };
            let posix = match &base {
                Base::Stage(p) => self.model.stages.get(*p).is_none_or(|s| s.posix_shell),
                Base::Image(img) => !is_windows_image(img) && file.escape != '`',
                Base::Scratch => file.escape != '`',
            };
            let index = self.model.stages.len();
            if let Some(n) = &name {
                self.model.first_stage_named.entry(n.clone()).or_insert(index);
            }
            self.model.stages.push(Stage {
                index,
                name,
                name_range,
                from,
                body: (from + 1)..end,
                base,
                posix_shell: posix,
            });
            for slot in self.model.stage_of.iter_mut().take(end).skip(from) {
                *slot = Some(index);
            }
        }
        self.model.final_stage = match target {
            Some(t) => {
                let lower = t.to_ascii_lowercase();
                let found =
                    self.model.stages.iter().find(|s| s.name.as_deref() == Some(lower.as_str())).map(|s| s.index);
                if found.is_none() {
                    self.model.missing_target = Some(t.to_string());
                }
                found.or(self.model.stages.len().checked_sub(1))
            }
            None => self.model.stages.len().checked_sub(1),
        };
        self.shells_and_images();
        for (i, inst) in file.instructions.iter().enumerate() {
            let scripts = match inst.keyword {
                Keyword::Run if inst.json => exec_scripts(inst),
                Keyword::Onbuild => match inst.sub.as_deref().filter(|s| s.keyword == Keyword::Run) {
                    Some(sub) if sub.json => exec_scripts(sub),
                    Some(sub) => shell_form_script(inst, sub),
                    None => continue,
                },
                _ => continue,
            };
            if let Some(slot) = self.model.other_scripts.get_mut(i) {
                *slot = scripts;
            }
        }
        self.model
    }

    /// Applies SHELL instructions, parses RUN scripts and collects image uses.
    fn shells_and_images(&mut self) {
        let file = self.file;
        // Image uses in file order; those named in COPY and RUN flags are expanded afterwards, with one scope
        // walk over the finished stages rather than a scope rebuilt for each.
        let mut pending: Vec<PendingImage<'a>> = Vec::new();
        for si in 0..self.model.stages.len() {
            let stage = self.model.stages[si].clone();
            if let Base::Image(img) = &stage.base {
                pending.push(PendingImage::Ready(ImageUse {
                    kind: ImageUseKind::From,
                    inst: stage.from,
                    stage: si,
                    image: img.clone(),
                }));
            }
            let mut posix = stage.posix_shell;
            for i in stage.body.clone() {
                let inst = &file.instructions[i];
                match inst.keyword {
                    Keyword::Shell => {
                        posix = inst.args.first().is_some_and(|a| {
                            let exe = a.value.rsplit(['/', '\\']).next().unwrap_or(&a.value).to_ascii_lowercase();
                            matches!(exe.trim_end_matches(".exe"), "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh")
                        });
                    }
                    Keyword::Run => {
                        if posix && !inst.json {
                            self.model.scripts[i] = run_scripts(inst);
                        }
                        for m in mount_froms(inst) {
                            // The raw text may differ from the processed value when quoted.
                            let range = if m.range.end <= m.flag_range.end { m.range } else { m.flag_range };
                            pending.push(PendingImage::Named {
                                value: m.value,
                                range,
                                inst: i,
                                stage: si,
                                kind: ImageUseKind::MountFrom,
                            });
                        }
                    }
                    Keyword::Copy | Keyword::Add => {
                        if let Some(flag) = inst.flag("from")
                            && let (Some(value), Some(range)) = (&flag.value, flag.value_range)
                        {
                            pending.push(PendingImage::Named {
                                value,
                                range,
                                inst: i,
                                stage: si,
                                kind: ImageUseKind::CopyFrom,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        let model = &self.model;
        let mut scopes = ScopeCursor::new(model, file);
        let images: Vec<ImageUse> = pending
            .into_iter()
            .filter_map(|p| match p {
                PendingImage::Ready(use_) => Some(use_),
                PendingImage::Named { value, range, inst, stage, kind } => {
                    let text = image_text(value, range, file.escape, scopes.at(inst), |_| None);
                    let lower = text.expanded.to_ascii_lowercase();
                    let not_an_image = lower == "scratch"
                        || model.stage_ref(&text.expanded, inst).is_some()
                        || text.expanded.parse::<usize>().is_ok();
                    (!not_an_image).then_some(ImageUse { kind, inst, stage, image: text })
                }
            })
            .collect();
        self.model.images = images;
    }
}

/// An image use found while the stages are read, before its text is expanded.
enum PendingImage<'a> {
    /// A FROM's base, already expanded with the global ARGs.
    Ready(ImageUse),
    /// `COPY --from=<value>` or `RUN --mount=from=<value>`: an image unless it names a stage.
    Named { value: &'a str, range: TextRange, inst: usize, stage: usize, kind: ImageUseKind },
}

/// One `from=` field of a `RUN --mount` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MountFrom<'i> {
    /// The value after `from=`.
    pub value: &'i str,
    /// Where the value is when the flag is written plainly.
    pub range: TextRange,
    /// Whether the flag is written plainly (no quotes or escapes), so `range` holds exactly `value`.
    pub exact: bool,
    /// The whole flag value's span.
    pub flag_range: TextRange,
}

/// The `from=` fields of every `--mount` flag of `inst` (the model's `RUN --mount=from=<image>` references,
/// and DD361's `from=<stage index>`).
pub fn mount_froms(inst: &Instruction) -> Vec<MountFrom<'_>> {
    let mut out = Vec::new();
    for flag in inst.flags.iter().filter(|f| f.name.eq_ignore_ascii_case("mount")) {
        let (Some(value), Some(flag_range)) = (&flag.value, flag.value_range) else {
            continue;
        };
        let exact = flag_range.len() as usize == value.len();
        let mut offset = 0usize;
        for field in value.split(',') {
            if let Some((k, v)) = field.split_once('=')
                && k.trim().eq_ignore_ascii_case("from")
            {
                let at = flag_range.start + to_u32(offset + k.len() + 1);
                out.push(MountFrom { value: v, range: TextRange::new(at, at + to_u32(v.len())), exact, flag_range });
            }
            offset += field.len() + 1;
        }
    }
    out
}

/// FROM's image argument and `AS name`.
fn from_parts(inst: &Instruction) -> (Option<&super::parser::Arg>, Option<String>, Option<TextRange>) {
    let image = inst.args.first();
    match inst.args.as_slice() {
        [_, kw, name, ..] if kw.value.eq_ignore_ascii_case("as") => {
            (image, Some(name.value.to_ascii_lowercase()), Some(name.range))
        }
        _ => (image, None, None),
    }
}

fn image_text(
    raw: &str,
    range: TextRange,
    escape: char,
    scope: &HashMap<String, String>,
    default_range: impl Fn(&str) -> Option<TextRange>,
) -> ImageText {
    let templated = raw.contains('$');
    let expanded = expand::expand(raw, escape, &|n| scope.get(n).cloned());
    let reference = ImageRef::parse(&expanded.value).ok();
    let arg_default = single_var(raw).and_then(default_range);
    ImageText {
        raw: raw.to_string(),
        expanded: expanded.value,
        range,
        reference,
        unset: expanded.unset,
        templated,
        arg_default,
    }
}

/// `$NAME` or `${NAME}`: the variable name.
fn single_var(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix("${").and_then(|r| r.strip_suffix('}')).or_else(|| raw.strip_prefix('$'))?;
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(inner)
}

fn is_windows_image(img: &ImageText) -> bool {
    let s = img.expanded.to_ascii_lowercase();
    ["windows/servercore", "windowsservercore", "nanoserver", "mcr.microsoft.com/windows"]
        .iter()
        .any(|needle| s.contains(needle))
}

/// The shell-form script of `ONBUILD RUN …`: the command is the tail of the
/// outer instruction's joined text; heredoc bodies are appended as the shell
/// reads them.
fn shell_form_script(outer: &Instruction, sub: &Instruction) -> Vec<RunScript> {
    let Some(arg) = sub.args.first() else { return Vec::new() };
    let Some((script, map)) = shell_form_text(outer, &arg.value) else { return Vec::new() };
    let parsed = shell::parse_script(&script);
    vec![RunScript { text: script, script: parsed, map, origin: ScriptOrigin::ShellForm }]
}

/// Exec-form `RUN ["prog", "arg"…]`: one command whose words are the JSON
/// strings; for `["sh", "-c", "script"]` the script is parsed too, mapped into
/// the string when it has no JSON escapes.
fn exec_scripts(inst: &Instruction) -> Vec<RunScript> {
    let identity = JoinedText { text: String::new(), segments: Segments::one((0, 0)) };
    let argv: Vec<Word> = inst.args.iter().map(|a| Word::plain(a.value.clone(), a.range)).collect();
    let Some(range) = inst.args.first().map(|a| a.range).map(|r| inst.args.iter().fold(r, |acc, a| acc.cover(a.range)))
    else {
        return Vec::new();
    };
    let cmd = SimpleCommand { argv, range, ..SimpleCommand::default() };
    let mut out = vec![RunScript {
        text: String::new(),
        script: Script { commands: vec![cmd], ..Script::default() },
        map: identity,
        origin: ScriptOrigin::ShellForm,
    }];
    if let [exe, flag, body, ..] = inst.args.as_slice()
        && shell::SHELLS.contains(&exe.value.rsplit('/').next().unwrap_or(&exe.value))
        && flag.value.starts_with('-')
        && flag.value.ends_with('c')
        && body.range.len() as usize == body.value.len() + 2
    {
        let map = JoinedText { text: String::new(), segments: Segments::one((0, body.range.start + 1)) };
        out.push(RunScript {
            text: body.value.clone(),
            script: shell::parse_script(&body.value),
            map,
            origin: ScriptOrigin::ShellForm,
        });
    }
    out
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// The shell-form command of `inst` — the tail of its joined text, `command` long — with its heredoc
/// bodies appended as the shell reads them, and the map from that text back to the source. `None` when
/// the joined text is shorter than the command.
fn shell_form_text(inst: &Instruction, command: &str) -> Option<(String, JoinedText)> {
    let text = &inst.text;
    let trimmed_len = text.text.trim_end().len();
    let cmd_start = trimmed_len.checked_sub(command.len())?;
    let mut map = JoinedText::default();
    let mut script = String::new();
    // Segments start at strictly increasing text offsets: each ends where the next begins.
    for (k, &(t, s)) in text.segments.iter().enumerate() {
        let t = t as usize;
        let seg_end = text.segments.get(k + 1).map_or(trimmed_len, |&(nt, _)| nt as usize);
        let lo = t.max(cmd_start);
        let hi = seg_end.min(trimmed_len);
        if lo >= hi {
            continue;
        }
        map.segments.push((to_u32(script.len()), s + to_u32(lo - t)));
        script.push_str(text.text.get(lo..hi).unwrap_or_default());
    }
    for doc in &inst.heredocs {
        script.push('\n');
        map.segments.push((to_u32(script.len()), doc.body_range.start));
        script.push_str(&doc.content);
        // An unterminated heredoc's delimiter is in no source byte: leave it out, and the shell
        // model appends it past the mapped text, where it belongs to no span.
        if doc.terminated {
            map.segments.push((to_u32(script.len()), doc.body_range.end));
            script.push_str(&doc.name);
        }
    }
    Some((script, map))
}

/// The shell scripts a RUN instruction runs: the shell-form command with its
/// heredocs appended (as the shell sees them), or a heredoc body run by the
/// default shell (`RUN <<EOF`) or by an explicit shell (`RUN bash <<EOF`).
fn run_scripts(inst: &Instruction) -> Vec<RunScript> {
    let Some(arg) = inst.args.first() else {
        return Vec::new();
    };
    if inst.text.text.trim_end().len() < arg.value.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let command = arg.value.trim();
    let pure_heredoc = inst.heredocs.len() == 1
        && command.trim_start_matches(|c: char| c.is_ascii_digit()).starts_with("<<")
        && !command.contains(char::is_whitespace);
    if pure_heredoc {
        if let Some(doc) = inst.heredocs.first()
            && shebang_is_shell(&doc.content)
        {
            out.push(heredoc_script(doc, 0));
        }
        return out;
    }
    let Some((script, map)) = shell_form_text(inst, &arg.value) else { return out };
    let parsed = shell::parse_script(&script);
    // A heredoc fed to an explicit shell (`RUN bash <<EOF`) is a script too.
    let fed_to_shell = parsed.commands.iter().any(|c| {
        c.argv.first().is_some_and(|w| SHELLS.contains(&w.text.rsplit('/').next().unwrap_or(&w.text)))
            && c.argv.iter().skip(1).all(|w| w.text.starts_with('-') && w.text != "-c")
    });
    if fed_to_shell && let Some(doc) = inst.heredocs.first() {
        out.push(heredoc_script(doc, 0));
    }
    out.insert(0, RunScript { text: script, script: parsed, map, origin: ScriptOrigin::ShellForm });
    out
}

fn heredoc_script(doc: &super::parser::Heredoc, index: usize) -> RunScript {
    let map = JoinedText { text: String::new(), segments: Segments::one((0, doc.body_range.start)) };
    RunScript {
        text: doc.content.clone(),
        script: shell::parse_script(&doc.content),
        map,
        origin: ScriptOrigin::Heredoc(index),
    }
}

fn shebang_is_shell(body: &str) -> bool {
    let Some(first) = body.lines().next() else {
        return true;
    };
    let Some(interp) = first.strip_prefix("#!") else {
        return true;
    };
    let mut words = interp.split_whitespace();
    let exe = words.next().unwrap_or("");
    let exe = exe.rsplit('/').next().unwrap_or(exe);
    let exe = if exe == "env" { words.find(|w| !w.starts_with('-')).unwrap_or("") } else { exe };
    SHELLS.contains(&exe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::parser::parse;

    fn model(src: &str) -> (Dockerfile, Model) {
        let (file, _) = parse(src);
        let m = Model::build(&file, None);
        (file, m)
    }

    #[test]
    fn args_of_gives_each_instructions_own_declarations() {
        let src = "ARG A=1 B\nFROM x\nARG C='two words'\nRUN true\nARG D E=\"e\" F\nONBUILD ARG G\n";
        let (file, m) = model(src);
        for (i, inst) in file.instructions.iter().enumerate() {
            let expected: Vec<_> = if inst.keyword == Keyword::Arg { arg_decls(inst, i, '\\') } else { Vec::new() };
            let got = m.args_of(i);
            assert_eq!(got.len(), expected.len(), "instruction {i}");
            for (g, e) in got.iter().zip(&expected) {
                assert_eq!(
                    (&g.name, &g.default, g.default_range, g.inst),
                    (&e.name, &e.default, e.default_range, e.inst)
                );
            }
        }
        assert_eq!(m.args_of(99).len(), 0);
        assert_eq!(m.global_args.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["A", "B"]);
    }

    #[test]
    fn stage_refs_resolve_to_the_first_stage_of_a_name_declared_before() {
        let (_, m) = model("FROM a AS one\nFROM b AS One\nCOPY --from=ONE /x /y\nFROM c AS two\n");
        // Duplicate names resolve to the first, in any case.
        assert_eq!(m.stage_ref("one", 2), Some(0));
        assert_eq!(m.stage_ref("ONE", 2), Some(0));
        // Not yet declared at instruction 0 (its own FROM), nor `two` before instruction 3.
        assert_eq!(m.stage_ref("one", 0), None);
        assert_eq!(m.stage_ref("two", 3), None);
        assert_eq!(m.stage_ref("two", 4), Some(2));
        // Indexes, and names no stage has.
        assert_eq!(m.stage_ref("1", 2), Some(1));
        assert_eq!(m.stage_ref("3", 9), None);
        assert_eq!(m.stage_ref("three", 9), None);
    }

    #[test]
    fn stages_chain_to_external_base() {
        let (_, m) = model(
            "FROM golang:1.22 AS Build\nRUN go build\nFROM build AS test\nFROM scratch\nCOPY --from=test /a /a\n",
        );
        assert_eq!(m.stages.len(), 3);
        assert_eq!(m.stages[0].name.as_deref(), Some("build"));
        assert!(matches!(m.stages[1].base, Base::Stage(0)));
        assert!(matches!(m.root_base(1), Base::Image(_)));
        assert!(matches!(m.stages[2].base, Base::Scratch));
        assert_eq!(m.final_stage, Some(2));
        assert_eq!(m.images.len(), 1, "COPY --from=<stage> is not an image");
    }

    #[test]
    fn target_selects_final_stage() {
        let (file, _) = parse("FROM a AS one\nFROM b AS two\n");
        assert_eq!(Model::build(&file, Some("ONE")).final_stage, Some(0));
        let m = Model::build(&file, Some("nope"));
        assert_eq!(m.missing_target.as_deref(), Some("nope"));
    }

    #[test]
    fn effective_user_follows_chain_and_defaults() {
        let (file, m) = model("FROM debian:12 AS base\nUSER app\nFROM base\nRUN x\n");
        assert_eq!(m.effective_user(&file, 1).root, Some(false));
        let (file, m) = model("FROM gcr.io/distroless/static-debian12:nonroot\n");
        assert_eq!(m.effective_user(&file, 0).root, Some(false));
        let (file, m) = model("FROM gcr.io/distroless/static-debian12\n");
        assert_eq!(m.effective_user(&file, 0).root, Some(true));
        let (file, m) = model("FROM alpine:3\nARG U=0\nUSER ${U}:${U}\n");
        let u = m.effective_user(&file, 0);
        assert_eq!((u.root, u.inst), (Some(true), Some(2)));
    }

    #[test]
    fn mount_froms_give_values_and_exact_spans() {
        let src = "FROM alpine:3\nRUN --mount=type=bind,from=busybox:1,target=/b --mount=type=cache,target=/c true\n";
        let (file, _) = crate::lint::parser::parse(src);
        let froms = mount_froms(&file.instructions[1]);
        assert_eq!(froms.len(), 1);
        assert_eq!((froms[0].value, froms[0].exact), ("busybox:1", true));
        assert_eq!(froms[0].range.slice(src), "busybox:1");
        let quoted = "FROM alpine:3\nRUN --mount=\"type=bind,from=0,target=/b\" true\n";
        let (file, _) = crate::lint::parser::parse(quoted);
        let froms = mount_froms(&file.instructions[1]);
        assert_eq!(froms.iter().map(|m| (m.value, m.exact)).collect::<Vec<_>>(), [("0", false)]);
    }

    #[test]
    fn mount_from_images_are_collected() {
        let (_, m) = model("FROM alpine:3\nRUN --mount=type=bind,from=busybox:1,target=/b true\n");
        assert_eq!(m.images.len(), 2);
        assert_eq!(m.images[1].kind, ImageUseKind::MountFrom);
        assert_eq!(m.images[1].image.raw, "busybox:1");
    }

    #[test]
    fn run_script_maps_back_to_source() {
        let src = "FROM alpine:3\nRUN apk add \\\n    curl\n";
        let (_, m) = model(src);
        let scripts = &m.scripts[1];
        assert_eq!(scripts.len(), 1);
        let text = &scripts[0].text;
        let at = text.find("curl").expect("curl") as u32;
        assert_eq!(scripts[0].source_range(TextRange::new(at, at + 4)).slice(src), "curl");
    }

    #[test]
    fn windows_stages_are_not_posix() {
        let (_, m) = model("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir\n");
        assert!(!m.stages[0].posix_shell);
        assert!(m.scripts[1].is_empty());
    }

    #[test]
    fn scope_cursor_continues_from_a_parent_left_half_way() {
        // A chain three deep, with ENV and ARG in every stage; the walk leaves each parent half way through
        // its body and jumps into the child, or skips a generation.
        let src = "ARG V=1\nFROM a AS one\nENV A=1\nARG V\nENV B=$A$V\nRUN x\nFROM one AS two\nENV C=$B\nENV A=2\n\
                   RUN y\nFROM two AS three\nENV D=$A$C\nRUN z\nFROM one AS side\nENV E=$B\n";
        let (file, m) = model(src);
        for order in [vec![2, 7, 11, 14], vec![3, 8, 12], vec![1, 10, 12, 13, 14], vec![4, 5, 6, 9, 10, 11, 12]] {
            let mut cursor = ScopeCursor::new(&m, &file);
            for at in order {
                assert_eq!(cursor.at(at), &m.scope_at(&file, at), "instruction {at}");
            }
        }
    }

    #[test]
    fn scope_cursor_matches_scope_at_in_any_order() {
        let src = "ARG V=1\nARG G\nFROM a AS base\nARG V\nENV E=$V X=${G:-g}\nARG G=2\nRUN x\nENV E=$E.$G\n\
                   FROM base AS two\nENV F=$E\nARG V=3\nRUN y\nFROM b\nARG TARGETOS\nENV T=$TARGETOS-$V\nRUN z\n";
        let (file, m) = model(src);
        let n = file.instructions.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.extend((0..n).rev());
        order.extend([5, 5, 1, 9, 2, 14, 3]);
        let mut cursor = ScopeCursor::new(&m, &file);
        for at in order {
            assert_eq!(cursor.at(at), &m.scope_at(&file, at), "instruction {at}");
        }
    }

    #[test]
    fn root_users() {
        for u in ["root", "0", "0:0", "root:root", "", "ContainerAdministrator"] {
            assert!(is_root_user(u), "{u}");
        }
        for u in ["app", "1000", "nonroot:nonroot", "ContainerUser"] {
            assert!(!is_root_user(u), "{u}");
        }
    }
}
