//! Webhook ingest building blocks against hand-written payloads in
//! `tests/fixtures/webhooks/`: every fixture parses to an exact [`Event`] and
//! exact [`JobSpec`]s, a signed fixture verifies, and neither `parse` nor
//! `verify` panics on arbitrary bytes.

use std::path::PathBuf;

use drydock::github::events::{
    Envelope, Event, EventError, InstalledRepo, JobSpec, PullRequestAction, RepoRef, parse, parse_with_envelope,
};
use drydock::github::webhook::{EventName, SignatureError, WebhookSecrets, sign, verify};
use proptest::prelude::*;

const INSTALLATION: u64 = 48_213_007;
const HEAD: &str = "3f9c1e4a7b2d8e6f0a1c5b9d3e7f2a4c6b8d0e1f";
const BASE: &str = "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";
const SYNC: &str = "c4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3";
const MERGE: &str = "5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80";
const PUSHED: &str = "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e";
const DOCS: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
const CHECK_RUN: u64 = 27_182_818_284;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

/// The event name a fixture stands for: the file name up to the first dot.
fn event_of(name: &str) -> EventName {
    EventName::parse(name.split('.').next().unwrap()).unwrap()
}

fn parse_fixture(name: &str) -> Event {
    parse(&event_of(name), &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn web() -> RepoRef {
    RepoRef { installation_id: INSTALLATION, owner: "acme".into(), name: "web".into(), full_name: "acme/web".into() }
}

fn lint_pr(head_sha: &str) -> JobSpec {
    JobSpec::LintPullRequest {
        installation_id: INSTALLATION,
        owner: "acme".into(),
        repo: "web".into(),
        number: 12,
        head_sha: head_sha.into(),
    }
}

fn lint_commit(head_sha: &str, check_run_id: Option<u64>, pr_numbers: Vec<u64>) -> JobSpec {
    JobSpec::LintCommit {
        installation_id: INSTALLATION,
        owner: "acme".into(),
        repo: "web".into(),
        head_sha: head_sha.into(),
        check_run_id,
        pr_numbers,
    }
}

fn pr_event(action: PullRequestAction, head_sha: &str, draft: bool) -> Event {
    Event::PullRequest {
        action,
        repo: web(),
        number: 12,
        head_sha: head_sha.into(),
        head_ref: "feature/slim-image".into(),
        base_ref: "main".into(),
        draft,
    }
}

/// Every fixture, with the event and jobs it must produce.
fn expectations() -> Vec<(&'static str, Event, Vec<JobSpec>)> {
    let acme_repos = vec![
        InstalledRepo { id: 700_123, full_name: "acme/web".into() },
        InstalledRepo { id: 700_456, full_name: "acme/base-images".into() },
    ];
    vec![
        ("pull_request.opened.json", pr_event(PullRequestAction::Opened, HEAD, false), vec![lint_pr(HEAD)]),
        ("pull_request.synchronize.json", pr_event(PullRequestAction::Synchronize, SYNC, true), vec![lint_pr(SYNC)]),
        ("pull_request.edited-base.json", pr_event(PullRequestAction::BaseChanged, HEAD, false), vec![lint_pr(HEAD)]),
        (
            "pull_request.edited-title.json",
            Event::Ignored { event: "pull_request".into(), action: Some("edited".into()) },
            vec![],
        ),
        (
            "check_run.rerequested.json",
            // PR #4 targets another repository (this one is its fork's side): dropped.
            Event::CheckRunRerequested {
                repo: web(),
                check_run_id: CHECK_RUN,
                head_sha: HEAD.into(),
                pr_numbers: vec![12],
            },
            vec![lint_commit(HEAD, Some(CHECK_RUN), vec![12])],
        ),
        (
            "check_run.requested_action.json",
            Event::CheckRunAction {
                repo: web(),
                check_run_id: CHECK_RUN,
                head_sha: HEAD.into(),
                identifier: "relint".into(),
                pr_numbers: vec![12],
            },
            vec![lint_commit(HEAD, Some(CHECK_RUN), vec![12])],
        ),
        (
            "check_suite.rerequested.json",
            Event::CheckSuiteRerequested {
                repo: web(),
                check_suite_id: 31_415_926_535,
                head_sha: BASE.into(),
                pr_numbers: vec![],
            },
            vec![lint_commit(BASE, None, vec![])],
        ),
        (
            "merge_group.checks_requested.json",
            Event::MergeGroup {
                repo: web(),
                head_sha: MERGE.into(),
                head_ref: format!("refs/heads/gh-readonly-queue/main/pr-12-{BASE}"),
                base_ref: "refs/heads/main".into(),
            },
            vec![lint_commit(MERGE, None, vec![])],
        ),
        (
            "push.default.json",
            Event::PushDefaultBranch {
                repo: web(),
                before: BASE.into(),
                after: PUSHED.into(),
                touches_dockerfiles: true,
            },
            vec![
                JobSpec::RefreshConfig { installation_id: INSTALLATION, owner: "acme".into(), repo: "web".into() },
                JobSpec::DigestScan { installation_id: INSTALLATION, owner: "acme".into(), repo: "web".into() },
            ],
        ),
        (
            "push.default-docs.json",
            Event::PushDefaultBranch {
                repo: web(),
                before: BASE.into(),
                after: DOCS.into(),
                touches_dockerfiles: false,
            },
            vec![],
        ),
        ("push.branch.json", Event::PushOther, vec![]),
        (
            "installation.created.json",
            Event::InstallationCreated {
                installation_id: INSTALLATION,
                account: Some("acme".into()),
                repositories: acme_repos,
            },
            vec![
                JobSpec::InstallationSync { installation_id: INSTALLATION },
                JobSpec::DigestScan { installation_id: INSTALLATION, owner: "acme".into(), repo: "web".into() },
                JobSpec::DigestScan { installation_id: INSTALLATION, owner: "acme".into(), repo: "base-images".into() },
            ],
        ),
        (
            "installation.deleted.json",
            Event::InstallationDeleted { installation_id: INSTALLATION, account: Some("acme".into()) },
            vec![JobSpec::InstallationDeleted { installation_id: INSTALLATION }],
        ),
        (
            "installation_repositories.added.json",
            Event::InstallationRepositories {
                installation_id: INSTALLATION,
                account: Some("acme".into()),
                added: vec![InstalledRepo { id: 700_789, full_name: "acme/worker".into() }],
                removed: vec![],
            },
            vec![JobSpec::InstallationSync { installation_id: INSTALLATION }],
        ),
        ("ping.json", Event::Ignored { event: "ping".into(), action: None }, vec![]),
        ("issues.opened.json", Event::Ignored { event: "issues".into(), action: Some("opened".into()) }, vec![]),
    ]
}

#[test]
fn every_fixture_parses_to_its_event_and_jobs() {
    let expected = expectations();
    for (name, event, jobs) in &expected {
        let got = parse_fixture(name);
        assert_eq!(&got, event, "{name}: event");
        assert_eq!(&got.jobs(), jobs, "{name}: jobs");
    }
    // No fixture goes untested.
    let mut on_disk: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| std::path::Path::new(n).extension().is_some_and(|e| e == "json"))
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = expected.iter().map(|(n, ..)| (*n).to_owned()).collect();
    covered.sort();
    assert_eq!(on_disk, covered);
}

#[test]
fn envelopes_name_action_installation_and_repository() {
    let env = |name: &str| parse_with_envelope(&event_of(name), &fixture(name)).unwrap().0;
    assert_eq!(
        env("pull_request.opened.json"),
        Envelope {
            action: Some("opened".into()),
            installation_id: Some(INSTALLATION),
            repository: Some("acme/web".into())
        }
    );
    assert_eq!(
        env("push.default.json"),
        Envelope { action: None, installation_id: Some(INSTALLATION), repository: Some("acme/web".into()) }
    );
    assert_eq!(
        env("installation.created.json"),
        Envelope { action: Some("created".into()), installation_id: Some(INSTALLATION), repository: None }
    );
    assert_eq!(env("ping.json"), Envelope::default());
}

#[test]
fn newer_head_of_the_same_pr_has_the_same_coalesce_key() {
    let opened = parse_fixture("pull_request.opened.json").jobs();
    let pushed = parse_fixture("pull_request.synchronize.json").jobs();
    assert_eq!(opened[0].coalesce_key(), Some("pr:acme/web#12".into()));
    assert_eq!(opened[0].coalesce_key(), pushed[0].coalesce_key());
    assert_ne!(opened[0], pushed[0]);
}

#[test]
fn signed_fixture_verifies_and_tampering_does_not() {
    let secrets = WebhookSecrets::parse("old-secret, new-secret").unwrap();
    let body = fixture("pull_request.opened.json");
    let sig = sign("new-secret", &body);
    assert_eq!(verify(&secrets, Some(&sig), &body), Ok(()));
    let mut tampered = body.clone();
    let at = tampered.iter().position(|&b| b == b'2').unwrap();
    tampered[at] = b'3';
    assert_eq!(verify(&secrets, Some(&sig), &tampered), Err(SignatureError::Mismatch));
    assert_eq!(verify(&secrets, Some(&sign("retired", &body)), &body), Err(SignatureError::Mismatch));
}

#[test]
fn form_encoded_delivery_is_not_json() {
    // What GitHub sends when the webhook's content type is application/x-www-form-urlencoded.
    let body = b"payload=%7B%22action%22%3A%22opened%22%7D";
    assert_eq!(parse(&EventName::parse("pull_request").unwrap(), body), Err(EventError::NotJson));
}

#[test]
fn handled_event_with_wrong_shape_is_malformed_not_a_panic() {
    let pr = EventName::parse("pull_request").unwrap();
    let body = br#"{"action":"opened","number":12,"pull_request":{"head":{"ref":"x","sha":"y"},"base":{"ref":"main","sha":1}}}"#;
    assert_eq!(
        parse(&pr, body),
        Err(EventError::Malformed(
            "`pull_request` payload: unexpected value, expected a string at line 1 column 104".into()
        ))
    );
}

const EVENTS: &[&str] = &[
    "pull_request",
    "check_run",
    "check_suite",
    "merge_group",
    "push",
    "installation",
    "installation_repositories",
    "ping",
    "issues",
];

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..512), i in 0..EVENTS.len()) {
        let _ = parse(&EventName::parse(EVENTS[i]).unwrap(), &body);
    }

    #[test]
    fn parse_never_panics_on_json_like_text(body in r#"\{("[a-z_]{1,12}":(\{\}|\[\]|[0-9]{1,25}|-1|null|true|"[a-z ]{0,8}"|\{"[a-z_]{1,8}":[0-9a-z"]{0,6}\}),?){0,6}\}"#, i in 0..EVENTS.len()) {
        let _ = parse(&EventName::parse(EVENTS[i]).unwrap(), body.as_bytes());
    }

    #[test]
    fn parse_never_panics_on_mutated_fixtures(
        i in 0..16usize,
        cuts in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut names: Vec<String> = std::fs::read_dir(fixture_dir()).unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        let name = &names[i % names.len()];
        let mut body = fixture(name);
        for (at, byte) in cuts {
            let at = at.index(body.len());
            body[at] = byte;
        }
        let result = parse(&event_of(name), &body);
        if let Err(EventError::Malformed(msg)) = &result {
            prop_assert!(msg.chars().count() <= 200, "{msg}");
        }
    }

    #[test]
    fn verify_never_panics(
        header in proptest::option::of(".{0,80}"),
        raw in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..80)),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let secrets = WebhookSecrets::parse("s1,s2").unwrap();
        let bytes_header = raw.map(|b| String::from_utf8_lossy(&b).into_owned());
        let _ = verify(&secrets, header.as_deref(), &body);
        let _ = verify(&secrets, bytes_header.as_deref(), &body);
        let prefixed = header.map(|h| format!("sha256={h}"));
        let result = verify(&secrets, prefixed.as_deref(), &body);
        prop_assert_ne!(result, Ok(()));
    }

    #[test]
    fn a_signature_verifies_only_its_own_body(body in proptest::collection::vec(any::<u8>(), 0..256), flip in any::<prop::sample::Index>()) {
        let secrets = WebhookSecrets::parse("s1,s2").unwrap();
        let sig = sign("s2", &body);
        prop_assert_eq!(verify(&secrets, Some(&sig), &body), Ok(()));
        if !body.is_empty() {
            let mut other = body.clone();
            let at = flip.index(other.len());
            other[at] ^= 0x01;
            prop_assert_eq!(verify(&secrets, Some(&sig), &other), Err(SignatureError::Mismatch));
        }
    }
}
