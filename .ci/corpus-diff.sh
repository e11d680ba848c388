#!/usr/bin/env bash
# Compares the findings of two drydock binaries on every corpus file, to prove a
# refactor or optimisation changes nothing: prints the differences, exits 1 if any.
#   bash .ci/corpus-diff.sh OLD_DRYDOCK NEW_DRYDOCK [CORPUS_DIR]
# Each Dockerfile is linted alone (with its directory as the build context, so
# its .dockerignore is read), as JSON; .dockerignore files are linted too.
set -euo pipefail
old="${1:?usage: corpus-diff.sh OLD_DRYDOCK NEW_DRYDOCK [CORPUS_DIR]}"
new="${2:?usage: corpus-diff.sh OLD_DRYDOCK NEW_DRYDOCK [CORPUS_DIR]}"
corpus="${3:-$(dirname "$0")/../../shared/corpus}"
[ -f "$corpus/MANIFEST.tsv" ] || { echo "corpus-diff: no $corpus/MANIFEST.tsv; pass the corpus directory" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
tail -n +2 "$corpus/MANIFEST.tsv" | cut -f1 | while read -r rel; do
    f="$corpus/$rel"
    for side in old new; do
        bin="$old"; [ "$side" = new ] && bin="$new"
        "$bin" lint --format json --failure-threshold none "$f" > "$out/$side" 2>&1 || true
    done
    if ! cmp -s "$out/old" "$out/new"; then
        echo "== $rel"
        diff <(tr ',' '\n' < "$out/old") <(tr ',' '\n' < "$out/new") || true
        echo differs >> "$out/count"
    fi
done
n=$( [ -f "$out/count" ] && wc -l < "$out/count" || echo 0)
echo "corpus-diff: $n file(s) differ"
[ "$n" -eq 0 ]
