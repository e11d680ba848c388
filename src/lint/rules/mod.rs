//! The rule registry.
//!
//! One rule is one file holding one `declare_rule!` (its docs are its doc comment)
//! and one `impl Rule`. [`RULES`] lists them sorted by code; tests guard that
//! order, the docs' headings and that every rule has a fixture.

pub(crate) mod commands;
mod dd001_unpinned_image;
mod dd002_unresolved_image;
mod dd010_non_minimal_final_base;
mod dd020_toolchain_in_final_stage;
mod dd030_root_by_default;
mod dd040_unlocked_dependency_install;
mod dd041_remote_script_piped_to_shell;
mod dd042_remote_add_without_checksum;
mod dd043_lockfile_copied_after_install;
mod dd044_download_without_checksum;
mod dd050_whole_context_copy;
mod dd060_missing_dockerignore;
mod dd061_dockerignore_keeps_git;
mod dd062_dockerignore_keeps_secrets;
mod dd063_dockerignore_keeps_build_artefacts;
mod dd064_copy_of_ignored_path;
mod dd070_secret_value;
mod dd071_url_credentials;
mod dd072_secret_file_copied;
mod dd073_secret_variable_used_in_run;
mod dd080_service_without_healthcheck;
mod dd100_empty_continuation_line;
mod dd101_unknown_instruction;
mod dd102_missing_target_stage;
mod dd103_stage_name_casing;
mod dd104_from_as_casing;
mod dd105_legacy_key_value_format;
mod dd106_inconsistent_instruction_casing;
mod dd107_expose_proto_casing;
mod dd108_expose_invalid_format;
mod dd109_undefined_arg_in_from;
mod dd110_invalid_instruction_arguments;
mod dd111_undefined_variable;
mod dd112_invalid_definition_description;
mod dd200_dockerignore_inline_comment;
mod dd201_dockerignore_pattern_never_matches;
mod dd202_dockerignore_redundant_pattern;
mod dd203_dockerignore_reincludes_secret;
mod dd350_tls_verification_disabled;
mod dd351_package_signature_check_disabled;
mod dd352_plain_http_download;
mod dd353_password_set_in_image;
mod dd354_ssh_server_in_image;
mod dd355_package_index_update_alone;
mod dd356_system_upgrade;
mod dd357_secret_deleted_in_later_layer;
mod dd358_unpinned_syntax_frontend;
mod dd360_workdir_in_system_directory;
mod dd361_copy_from_stage_index;
mod dd362_unused_stage;
mod dd363_apk_del_without_virtual;
mod dd364_final_stage_without_command;
mod dd365_semicolon_ignores_failure;
mod dd366_copy_owned_by_runtime_user;
mod dd367_gem_or_rvm_cache_kept;
mod dl1000_parse_error;
mod dl1001_inline_ignore_pragma;
mod dl3000_relative_workdir;
mod dl3001_pointless_command;
mod dl3002_last_user_root;
mod dl3003_cd_instead_of_workdir;
mod dl3004_sudo;
mod dl3006_untagged_image;
mod dl3007_latest_tag;
mod dl3008_unpinned_apt_package;
mod dl3009_apt_lists_not_deleted;
mod dl3010_copy_then_extract;
mod dl3011_expose_port_out_of_range;
mod dl3012_multiple_healthchecks;
mod dl3013_unpinned_pip_package;
mod dl3014_apt_get_without_yes;
mod dl3015_apt_get_install_recommends;
mod dl3016_unpinned_npm_package;
mod dl3018_unpinned_apk_package;
mod dl3019_apk_add_without_no_cache;
mod dl3020_add_for_local_files;
mod dl3021_copy_sources_to_non_directory;
mod dl3022_copy_from_unknown_stage;
mod dl3023_copy_from_own_stage;
mod dl3024_duplicate_stage_name;
mod dl3025_shell_form_cmd;
mod dl3026_untrusted_registry;
mod dl3027_apt_instead_of_apt_get;
mod dl3028_unpinned_gem;
mod dl3029_constant_from_platform;
mod dl3030_yum_without_yes;
mod dl3032_yum_clean_all_missing;
mod dl3033_unpinned_yum_package;
mod dl3034_zypper_without_non_interactive;
mod dl3035_zypper_dist_upgrade;
mod dl3036_zypper_clean_missing;
mod dl3037_unpinned_zypper_package;
mod dl3038_dnf_without_yes;
mod dl3040_dnf_clean_all_missing;
mod dl3041_unpinned_dnf_package;
mod dl3042_pip_install_with_cache;
mod dl3043_invalid_onbuild_trigger;
mod dl3044_env_self_reference;
mod dl3045_copy_to_relative_without_workdir;
mod dl3046_useradd_without_no_log_init;
mod dl3047_wget_without_progress;
mod dl3048_invalid_label_key;
mod dl3049_missing_label;
mod dl3050_superfluous_label;
mod dl3051_empty_label;
mod dl3052_label_not_url;
mod dl3053_label_not_rfc3339;
mod dl3054_label_not_spdx;
mod dl3055_label_not_git_hash;
mod dl3056_label_not_semver;
mod dl3057_missing_healthcheck;
mod dl3058_label_not_email;
mod dl3059_consecutive_runs;
mod dl3060_yarn_cache_clean_missing;
mod dl3061_instruction_before_from;
mod dl3062_unpinned_go_package;
mod dl3063_reserved_stage_name;
mod dl3064_secret_name_in_arg_or_env;
mod dl3065_redundant_target_platform;
mod dl3066_non_numeric_user;
mod dl3067_copy_entire_filesystem;
mod dl4000_maintainer_instruction;
mod dl4001_curl_and_wget;
mod dl4003_multiple_cmd;
mod dl4004_multiple_entrypoints;
mod dl4005_ln_bin_sh;
mod dl4006_pipe_without_pipefail;
mod labels;
mod run_fix;
mod secrets;
mod tool_options;

use super::context::Context;
use super::diagnostic::{Severity, Tag};
use super::parser::Instruction;

/// What kind of file a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Runs on Dockerfiles.
    Dockerfile,
    /// Runs on `.dockerignore` files.
    DockerIgnore,
}

/// Whether a rule offers a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixKind {
    /// No fix.
    None,
    /// A fix that keeps the meaning; `--fix` applies it.
    Safe,
    /// A fix that is shown but never applied automatically.
    Unsafe,
    /// Safe in some cases and unsafe in others.
    Sometimes,
}

/// A rule's static description.
#[derive(Debug)]
pub struct Meta {
    /// Permanent code: hadolint's `DLxxxx` where the meaning matches, else `DDxxx`.
    pub code: &'static str,
    /// Kebab-case name that describes the pattern, not the fix.
    pub name: &'static str,
    /// Standard section enforced, if any.
    pub tag: Option<Tag>,
    /// Default severity.
    pub severity: Severity,
    /// Fix availability.
    pub fix: FixKind,
    /// What the rule reads.
    pub target: Target,
    /// The doc comment: What it does / Why is this bad? / Example / Use instead.
    pub docs: &'static str,
    /// Whether the rule runs without being asked for. hadolint's `ignore`-severity
    /// rules (DL1001, DL3057) are off until a config names them (`rules: {DL3057: on}`
    /// or hadolint's `override`).
    pub enabled_by_default: bool,
}

impl Meta {
    /// The docs with the one leading space of each `///` line removed.
    pub fn docs(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first sentence under `## What it does`, for one-line listings.
    pub fn summary(&self) -> String {
        let docs = self.docs();
        let body = docs.split("## What it does").nth(1).unwrap_or(&docs);
        let para: Vec<&str> = body
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty())
            .take_while(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let text = para.join(" ");
        match text.find(". ") {
            Some(i) => text[..=i].trim_end_matches('.').to_string(),
            None => text.trim_end_matches('.').to_string(),
        }
    }
}

/// Gives a rule its [`Meta`]; implemented by `declare_rule!`.
pub trait Described {
    /// The rule's description.
    fn meta(&self) -> &'static Meta;
}

/// A lint rule. Every hook has an empty default, so a rule implements only what
/// it needs and there is no dispatch table to maintain.
pub trait Rule: Described + Sync {
    /// Called once per instruction, in file order (ONBUILD's inner instruction is
    /// reachable through [`Instruction::sub`]), when [`Self::per_instruction`] says so.
    fn check_instruction(&self, _inst: &Instruction, _cx: &mut Context<'_>) {}

    /// Whether the rule has a [`Self::check_instruction`] hook. Rules that do
    /// return `true`; the others are not called for every instruction (a
    /// million empty calls on the corpus). A rule that forgets it fires on
    /// nothing, which its fixture test catches.
    fn per_instruction(&self) -> bool {
        false
    }

    /// Called once per Dockerfile, after the instruction hooks.
    fn check_file(&self, _cx: &mut Context<'_>) {}
}

/// Declares a rule: its unit struct, its docs from the doc comment and its [`Meta`].
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis struct $name:ident {
            code: $code:literal,
            name: $rname:literal,
            tag: $tag:expr,
            severity: $sev:ident,
            fix: $fix:ident
            $(, target: $target:ident)?
            $(, default: $default:ident)?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $crate::lint::rules::Described for $name {
            fn meta(&self) -> &'static $crate::lint::rules::Meta {
                static META: $crate::lint::rules::Meta = $crate::lint::rules::Meta {
                    code: $code,
                    name: $rname,
                    tag: $tag,
                    severity: $crate::lint::diagnostic::Severity::$sev,
                    fix: $crate::lint::rules::FixKind::$fix,
                    target: declare_rule!(@target $($target)?),
                    docs: concat!($($doc, "\n"),+),
                    enabled_by_default: declare_rule!(@default $($default)?),
                };
                &META
            }
        }
    };
    (@target) => { $crate::lint::rules::Target::Dockerfile };
    (@target $t:ident) => { $crate::lint::rules::Target::$t };
    (@default) => { true };
    (@default off) => { false };
}
pub(crate) use declare_rule;

/// Every rule, sorted by code.
pub static RULES: &[&dyn Rule] = &[
    &dd001_unpinned_image::UnpinnedImage,
    &dd002_unresolved_image::UnresolvedImage,
    &dd010_non_minimal_final_base::NonMinimalFinalBase,
    &dd020_toolchain_in_final_stage::ToolchainInFinalStage,
    &dd030_root_by_default::RootByDefault,
    &dd040_unlocked_dependency_install::UnlockedDependencyInstall,
    &dd041_remote_script_piped_to_shell::RemoteScriptPipedToShell,
    &dd042_remote_add_without_checksum::RemoteAddWithoutChecksum,
    &dd043_lockfile_copied_after_install::LockfileCopiedAfterInstall,
    &dd044_download_without_checksum::DownloadWithoutChecksum,
    &dd050_whole_context_copy::WholeContextCopy,
    &dd060_missing_dockerignore::MissingDockerignore,
    &dd061_dockerignore_keeps_git::DockerignoreKeepsGit,
    &dd062_dockerignore_keeps_secrets::DockerignoreKeepsSecrets,
    &dd063_dockerignore_keeps_build_artefacts::DockerignoreKeepsBuildArtefacts,
    &dd064_copy_of_ignored_path::CopyOfIgnoredPath,
    &dd070_secret_value::SecretValue,
    &dd071_url_credentials::UrlCredentials,
    &dd072_secret_file_copied::SecretFileCopied,
    &dd073_secret_variable_used_in_run::SecretVariableUsedInRun,
    &dd080_service_without_healthcheck::ServiceWithoutHealthcheck,
    &dd100_empty_continuation_line::EmptyContinuationLine,
    &dd101_unknown_instruction::UnknownInstruction,
    &dd102_missing_target_stage::MissingTargetStage,
    &dd103_stage_name_casing::StageNameCasing,
    &dd104_from_as_casing::FromAsCasing,
    &dd105_legacy_key_value_format::LegacyKeyValueFormat,
    &dd106_inconsistent_instruction_casing::InconsistentInstructionCasing,
    &dd107_expose_proto_casing::ExposeProtoCasing,
    &dd108_expose_invalid_format::ExposeInvalidFormat,
    &dd109_undefined_arg_in_from::UndefinedArgInFrom,
    &dd110_invalid_instruction_arguments::InvalidInstructionArguments,
    &dd111_undefined_variable::UndefinedVariable,
    &dd112_invalid_definition_description::InvalidDefinitionDescription,
    &dd200_dockerignore_inline_comment::DockerignoreInlineComment,
    &dd201_dockerignore_pattern_never_matches::DockerignorePatternNeverMatches,
    &dd202_dockerignore_redundant_pattern::DockerignoreRedundantPattern,
    &dd203_dockerignore_reincludes_secret::DockerignoreReincludesSecret,
    &dd350_tls_verification_disabled::TlsVerificationDisabled,
    &dd351_package_signature_check_disabled::PackageSignatureCheckDisabled,
    &dd352_plain_http_download::PlainHttpDownload,
    &dd353_password_set_in_image::PasswordSetInImage,
    &dd354_ssh_server_in_image::SshServerInImage,
    &dd355_package_index_update_alone::PackageIndexUpdateAlone,
    &dd356_system_upgrade::SystemUpgrade,
    &dd357_secret_deleted_in_later_layer::SecretDeletedInLaterLayer,
    &dd358_unpinned_syntax_frontend::UnpinnedSyntaxFrontend,
    &dd360_workdir_in_system_directory::WorkdirInSystemDirectory,
    &dd361_copy_from_stage_index::CopyFromStageIndex,
    &dd362_unused_stage::UnusedStage,
    &dd363_apk_del_without_virtual::ApkDelWithoutVirtual,
    &dd364_final_stage_without_command::FinalStageWithoutCommand,
    &dd365_semicolon_ignores_failure::SemicolonIgnoresFailure,
    &dd366_copy_owned_by_runtime_user::CopyOwnedByRuntimeUser,
    &dd367_gem_or_rvm_cache_kept::GemOrRvmCacheKept,
    &dl1000_parse_error::ParseError,
    &dl1001_inline_ignore_pragma::InlineIgnorePragma,
    &dl3000_relative_workdir::RelativeWorkdir,
    &dl3001_pointless_command::PointlessCommand,
    &dl3002_last_user_root::LastUserRoot,
    &dl3003_cd_instead_of_workdir::CdInsteadOfWorkdir,
    &dl3004_sudo::Sudo,
    &dl3006_untagged_image::UntaggedImage,
    &dl3007_latest_tag::LatestTag,
    &dl3008_unpinned_apt_package::UnpinnedAptPackage,
    &dl3009_apt_lists_not_deleted::AptListsNotDeleted,
    &dl3010_copy_then_extract::CopyThenExtract,
    &dl3011_expose_port_out_of_range::ExposePortOutOfRange,
    &dl3012_multiple_healthchecks::MultipleHealthchecks,
    &dl3013_unpinned_pip_package::UnpinnedPipPackage,
    &dl3014_apt_get_without_yes::AptGetWithoutYes,
    &dl3015_apt_get_install_recommends::AptGetInstallRecommends,
    &dl3016_unpinned_npm_package::UnpinnedNpmPackage,
    &dl3018_unpinned_apk_package::UnpinnedApkPackage,
    &dl3019_apk_add_without_no_cache::ApkAddWithoutNoCache,
    &dl3020_add_for_local_files::AddForLocalFiles,
    &dl3021_copy_sources_to_non_directory::CopySourcesToNonDirectory,
    &dl3022_copy_from_unknown_stage::CopyFromUnknownStage,
    &dl3023_copy_from_own_stage::CopyFromOwnStage,
    &dl3024_duplicate_stage_name::DuplicateStageName,
    &dl3025_shell_form_cmd::ShellFormCmd,
    &dl3026_untrusted_registry::UntrustedRegistry,
    &dl3027_apt_instead_of_apt_get::AptInsteadOfAptGet,
    &dl3028_unpinned_gem::UnpinnedGem,
    &dl3029_constant_from_platform::ConstantFromPlatform,
    &dl3030_yum_without_yes::YumWithoutYes,
    &dl3032_yum_clean_all_missing::YumCleanAllMissing,
    &dl3033_unpinned_yum_package::UnpinnedYumPackage,
    &dl3034_zypper_without_non_interactive::ZypperWithoutNonInteractive,
    &dl3035_zypper_dist_upgrade::ZypperDistUpgrade,
    &dl3036_zypper_clean_missing::ZypperCleanMissing,
    &dl3037_unpinned_zypper_package::UnpinnedZypperPackage,
    &dl3038_dnf_without_yes::DnfWithoutYes,
    &dl3040_dnf_clean_all_missing::DnfCleanAllMissing,
    &dl3041_unpinned_dnf_package::UnpinnedDnfPackage,
    &dl3042_pip_install_with_cache::PipInstallWithCache,
    &dl3043_invalid_onbuild_trigger::InvalidOnbuildTrigger,
    &dl3044_env_self_reference::EnvSelfReference,
    &dl3045_copy_to_relative_without_workdir::CopyToRelativeWithoutWorkdir,
    &dl3046_useradd_without_no_log_init::UseraddWithoutNoLogInit,
    &dl3047_wget_without_progress::WgetWithoutProgress,
    &dl3048_invalid_label_key::InvalidLabelKey,
    &dl3049_missing_label::MissingLabel,
    &dl3050_superfluous_label::SuperfluousLabel,
    &dl3051_empty_label::EmptyLabel,
    &dl3052_label_not_url::LabelNotUrl,
    &dl3053_label_not_rfc3339::LabelNotRfc3339,
    &dl3054_label_not_spdx::LabelNotSpdx,
    &dl3055_label_not_git_hash::LabelNotGitHash,
    &dl3056_label_not_semver::LabelNotSemver,
    &dl3057_missing_healthcheck::MissingHealthcheck,
    &dl3058_label_not_email::LabelNotEmail,
    &dl3059_consecutive_runs::ConsecutiveRuns,
    &dl3060_yarn_cache_clean_missing::YarnCacheCleanMissing,
    &dl3061_instruction_before_from::InstructionBeforeFrom,
    &dl3062_unpinned_go_package::UnpinnedGoPackage,
    &dl3063_reserved_stage_name::ReservedStageName,
    &dl3064_secret_name_in_arg_or_env::SecretNameInArgOrEnv,
    &dl3065_redundant_target_platform::RedundantTargetPlatform,
    &dl3066_non_numeric_user::NonNumericUser,
    &dl3067_copy_entire_filesystem::CopyEntireFilesystem,
    &dl4000_maintainer_instruction::MaintainerInstruction,
    &dl4001_curl_and_wget::CurlAndWget,
    &dl4003_multiple_cmd::MultipleCmd,
    &dl4004_multiple_entrypoints::MultipleEntrypoints,
    &dl4005_ln_bin_sh::LnBinSh,
    &dl4006_pipe_without_pipefail::PipeWithoutPipefail,
];

/// The rule with `code` (case-insensitive), if any.
pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    // RULES is sorted by code (a test keeps it so) and codes are ASCII uppercase and digits, so a
    // binary search comparing case-insensitively finds it; settings ask this for every rule of every file.
    // Codes are nearly always asked for as written (upper case): a plain comparison finds those.
    if let Ok(i) = RULES.binary_search_by(|r| r.meta().code.cmp(code)) {
        return RULES.get(i).copied();
    }
    let upper = |s: &'static str| s.bytes().map(|b| b.to_ascii_uppercase());
    RULES
        .binary_search_by(|r| upper(r.meta().code).cmp(code.bytes().map(|b| b.to_ascii_uppercase())))
        .ok()
        .and_then(|i| RULES.get(i).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_code_finds_every_rule_in_any_case() {
        for rule in RULES {
            let code = rule.meta().code;
            for asked in [
                code.to_owned(),
                code.to_ascii_lowercase(),
                format!("{}{}", &code[..2].to_ascii_lowercase(), &code[2..]),
            ] {
                assert_eq!(by_code(&asked).map(|r| r.meta().code), Some(code), "{asked}");
            }
        }
        for unknown in ["", "DL", "DL99999", "SC2086", "dd9999", "DD0011"] {
            assert!(by_code(unknown).is_none(), "{unknown}");
        }
    }

    #[test]
    fn registry_is_sorted_and_documented() {
        assert!(
            RULES.windows(2).all(|w| w[0].meta().code < w[1].meta().code),
            "RULES must be sorted by code with no duplicates"
        );
        for rule in RULES {
            let m = rule.meta();
            for heading in ["## What it does", "## Why is this bad?", "## Example", "Use instead:"] {
                assert!(m.docs.contains(heading), "{}: docs lack `{heading}`", m.code);
            }
            if m.fix != FixKind::None {
                assert!(m.docs.contains("## Fix safety"), "{}: a rule with a fix documents its safety", m.code);
            }
            assert!(!m.summary().is_empty(), "{}: empty summary", m.code);
        }
    }
}
