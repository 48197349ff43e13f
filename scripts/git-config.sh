#!/usr/bin/env bash
# Sets, in this checkout's own git config, the filter .gitattributes names for
# stack files: git sees a Pulumi.<stack>.yaml without the `encryptionsalt:`
# line Pulumi writes into it, so bringing a stack up leaves `git status` clean
# while the salt stays in the working file, where Pulumi reads it.
# scripts/up.sh runs it again after creating a stack. Safe to run again;
# does nothing outside a git checkout.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "not a git checkout: nothing to set"
  exit 0
fi
git config filter.dind-compose-salt.clean "sed -e '/^encryptionsalt:/d'"
git config filter.dind-compose-salt.smudge cat
# A stack file Pulumi has just added its salt to differs from the index in
# size, which `git status` takes as a change without reading the file. When
# the filtered file is what the index holds (`git diff` is empty), adding it
# stages nothing and brings the index's record of it up to date.
git ls-files -z -- 'Pulumi.*.yaml' | while IFS= read -r -d '' file; do
  if git diff --quiet -- "$file"; then
    git add -- "$file"
  fi
done
echo "git filter dind-compose-salt set: stack files' encryptionsalt lines stay out of git"
