#!/usr/bin/env bash
# What a new user does: a fresh clone of this commit, `npm pack`, the tarball
# installed in an empty folder, then the installed s3repl run. CI runs this
# after the tests (.ci/run); run it by hand with `npm run check-package`.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/s3repl-package-XXXXXX")"
trap 'rm -rf "$work"' EXIT

say() { printf '\n== %s\n' "$*" >&2; }
fail() { printf 'check-package: %s\n' "$*" >&2; exit 1; }

say "fresh clone of $(git -C "$repo" rev-parse --short HEAD)"
git clone --quiet --no-hardlinks "$repo" "$work/clone"
git -C "$work/clone" checkout --quiet "$(git -C "$repo" rev-parse HEAD)"
[ ! -e "$work/clone/node_modules" ] && [ ! -e "$work/clone/dist" ] || fail "the clone is not fresh"

say "npm pack (no npm ci first: prepack installs what the build needs)"
(cd "$work/clone" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/s3repl-*.tgz)"
tar -tzf "$tarball" > "$work/files"
for f in package/dist/src/cli/main.js package/LICENSE package/README.md package/schema/replication.schema.json package/docs/configuration.md; do
  grep -qx "$f" "$work/files" || fail "$f is missing from $(basename "$tarball")"
done
if grep -q -e '^package/test/' -e '^package/src/' -e '\.map$' "$work/files"; then fail "tests, sources or source maps are in the package"; fi

say "install the tarball in an empty folder"
mkdir "$work/project"
cd "$work/project"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --prefer-offline "$tarball"
export PATH="$work/project/node_modules/.bin:$PATH" NO_COLOR=1

say "s3repl --help, -h, --version"
grep -q 'Declarative plan/apply for Amazon S3 replication' <<<"$(s3repl --help)" || fail "--help"
[ "$(s3repl -h)" = "$(s3repl --help)" ] || fail "-h differs from --help"
[ "$(s3repl --version)" = "$(node -p 'require("s3repl/package.json").version')" ] || fail "--version"
grep -q -- '--detailed-exitcode' <<<"$(npx --no-install s3repl plan --help)" || fail "npx s3repl plan --help"

say "s3repl init, then validate what it wrote"
s3repl init --source acme-orders --destination acme-orders-dr --destination-region us-west-2 --region us-east-1
grep -q '^# yaml-language-server: \$schema=./node_modules/s3repl/schema/replication.schema.json$' replication.yaml || fail "init's \$schema reference"
s3repl validate
if s3repl init --source x --destination y 2>/dev/null; then fail "init overwrote replication.yaml"; fi

say "validate a broken configuration: file:line:col, exit 1"
printf 'version: 1\nbuckets:\n  a: { create: maybe }\n' > broken.yaml
set +e
out="$(s3repl validate -c broken.yaml 2>&1)"
code=$?
set -e
[ "$code" = 1 ] || fail "validate of a broken file exited $code"
grep -q 'broken.yaml:3:' <<<"$out" || fail "no file:line:col in: $out"

say "package OK: $(basename "$tarball")"
