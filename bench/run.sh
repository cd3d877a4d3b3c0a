#!/usr/bin/env bash
# Benchmark reimage against ripgrep / sd on a generated multi-repository corpus.
#
#   bench/run.sh                 default (~30k files, ~420 MB) and small (~3k files) corpora
#   bench/run.sh --small         small corpus only (a minute or two)
#   bench/run.sh --corpus DIR    any tree, e.g. one made by ../shared/bench/gen_corpus.py
#   bench/run.sh --runs N        timed runs per command (default 10, after 2 warm-up runs;
#                                three times as many on the small corpus, whose runs last ~30 ms)
#
# Writes bench/RESULTS.md (overwritten on every run); raw hyperfine exports, JSON findings and
# tree checks go to target/bench-results/. Generated corpora are cached in
# target/bench-corpus/<size>-seed1 and regenerated only when bench/gen_corpus.py changes.
# See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
OLD=ghcr.io/gdtiti/grok2api
NEW=ghcr.io/gdtiti/grok2api-api
SEED=1
RULES=500
SMALL=0
RUNS=10
CORPUS_ARG=
CMDLINE="bench/run.sh${*:+ $*}"

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --small) SMALL=1 ;;
        --corpus) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; CORPUS_ARG=$2; shift ;;
        --corpus=*) CORPUS_ARG=${1#*=} ;;
        --runs) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; RUNS=$2; shift ;;
        --runs=*) RUNS=${1#*=} ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --runs needs a positive integer" >&2; exit 2; }

log() { printf '\n==> %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

# ---------------------------------------------------------------------------------------------
# tools
# ---------------------------------------------------------------------------------------------
apt_install() {
    local sudo=
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    log "installing $* with apt-get"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
command -v hyperfine >/dev/null || apt_install hyperfine || cargo install --locked hyperfine
[[ -x /usr/bin/time ]] || apt_install time || log "no /usr/bin/time (package time): peak RSS will not be measured"
command -v rsync >/dev/null || apt_install rsync || true
missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v fastmod >/dev/null || missing+=(fastmod)
command -v sd >/dev/null || missing+=(sd)
if [[ ${#missing[@]} -gt 0 ]]; then
    log "cargo install ${missing[*]}"
    cargo install "${missing[@]}"
fi
for t in hyperfine rg sd python3; do
    command -v "$t" >/dev/null || { echo "bench/run.sh: $t is required" >&2; exit 2; }
done
HAVE_FASTMOD=0
command -v fastmod >/dev/null && HAVE_FASTMOD=1

log "cargo build --release"
(cd "$ROOT" && cargo build --release)
TARGET=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
REIMAGE=$TARGET/release/reimage
# The same work as the peers: they rewrite every file, history and vendored code included, and do
# not ask git; the generated repositories' `.git/index` is random bytes, which the fail-closed
# dirty-tree guard rightly refuses, so `-w` runs pass --allow-dirty.
SAME="--include-history --include-vendored"
# reimage.toml rules (`--config FILE`) arrived after --deny; measure them when the build has them.
HAVE_CONFIG=0
grep -q -- '--config' <<<"$("$REIMAGE" rename --help 2>/dev/null)" && HAVE_CONFIG=1
# The built-in migration catalog (`check --catalog`) arrived later still.
CATALOG_CMD=()
grep -q -- '--catalog' <<<"$("$REIMAGE" check --help 2>/dev/null)" &&
    CATALOG_CMD=(-n "reimage check --catalog (1 rule + catalog)" "'$REIMAGE' check $SAME --catalog --deny $OLD .")
CACHE=$TARGET/bench-corpus
WORK=$TARGET/bench-work
RESULTS=$TARGET/bench-results
REPORT="python3 $BENCH_DIR/report.py"
mkdir -p "$CACHE" "$WORK"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

if command -v rsync >/dev/null; then
    restore() { printf "rsync -a --delete '%s/' '%s/'" "$1" "$2"; }
else
    restore() { printf "rm -rf '%s' && cp -a '%s' '%s'" "$2" "$1" "$2"; }
fi

# The whole-name regex for sd, mirroring the ground-truth regex of ../shared/bench/gen_corpus.py
# (TRUE_RE): OLD not preceded by a word character or `.`, and followed by `:` / `@` (tag, digest,
# `${TAG}`), a sentence-final `.`, any character other than [\w./-], or the end of the line.
# Rust regex has no look-around, so the neighbours are captured and written back. On corpora from
# bench/gen_corpus.py it finds exactly what that generator's (narrower) VERIFY_RE finds.
export SD_RE='(^|[^\w.])ghcr\.io/gdtiti/grok2api(\.\s|\.$|[^\w./-]|$)'
export SD_REPL='${1}'"$NEW"'${2}'

{
    printf 'reimage\t%s\n' "$("$REIMAGE" --version) ($(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown))"
    printf 'rg\t%s\n' "$(rg --version | head -1)"
    printf 'sd\t%s\n' "$(sd --version)"
    printf 'fastmod\t%s\n' "$(fastmod --version 2>/dev/null || echo 'fastmod: not installed')"
    printf 'hyperfine\t%s\n' "$(hyperfine --version)"
    printf 'cmdline\t%s\n' "$CMDLINE"
} >"$RESULTS/info.tsv"

# ---------------------------------------------------------------------------------------------
# corpora
# ---------------------------------------------------------------------------------------------
corpus_for() { # size -> path of the cached corpus, generated if missing or stale
    local size=$1 dir=$CACHE/$1-seed$SEED stamp
    stamp=$(sha256sum "$BENCH_DIR/gen_corpus.py" | cut -c1-16)
    if [[ ! -f $dir.stamp || $(cat "$dir.stamp") != "$stamp" || ! -f $dir.manifest.json ]]; then
        log "generating the $size corpus into $dir"
        rm -rf "$dir" "$dir".* "$dir.tmp" "$dir.tmp".*
        local flag=()
        [[ $size == small ]] && flag=(--small)
        python3 "$BENCH_DIR/gen_corpus.py" "$dir.tmp" --seed "$SEED" "${flag[@]}" >&2
        mv "$dir.tmp" "$dir"
        mv "$dir.tmp.manifest.json" "$dir.manifest.json"
        mv "$dir.tmp.positions.json" "$dir.positions.json"
        echo "$stamp" >"$dir.stamp"
    else
        log "reusing the $size corpus in $dir"
    fi
    echo "$dir"
}

rss() { # label outfile cmd... : run once under /usr/bin/time -v, record the peak RSS
    local label=$1 out=$2
    shift 2
    if [[ ! -x /usr/bin/time ]]; then
        "$@" >"$out" 2>"$D/stderr.txt" || true
        return
    fi
    /usr/bin/time -v -o "$D/time.txt" "$@" >"$out" 2>"$D/stderr.txt" || true
    printf '%s\t%s\n' "$label" "$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$D/time.txt")" >>"$D/rss.tsv"
}

json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"][sys.argv[2]])' "$@" 2>/dev/null || echo "?"; }

bench_corpus() { # label corpus-dir origin
    local label=$1 corpus=$2 origin=$3
    # A 30 ms run is at the mercy of scheduler noise: more runs give its mean the same weight.
    local RUNS=$RUNS
    [[ $label == small ]] && RUNS=$((RUNS * 3))
    D=$RESULTS/$label
    local W=$WORK/$label
    mkdir -p "$D" "$W"
    log "[$label] corpus $corpus"
    local nfiles nbytes
    nfiles=$(find "$corpus" -type f | wc -l)
    nbytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
    printf 'corpus\t%s\nfiles\t%s\nbytes\t%s\norigin\t%s\nold\t%s\nnew\t%s\nruns\t%s\nnproc\t%s\n' \
        "$corpus" "$nfiles" "$nbytes" "$origin" "$OLD" "$NEW" "$RUNS" "$(nproc)" >"$D/meta.tsv"
    if ! $REPORT expected "$corpus" "$D/expected.json"; then
        rm -f "$D/expected.json"
        log "[$label] no manifest next to $corpus: counts will be reported without ground truth"
    fi
    $REPORT rules "$RULES" "$OLD" >"$D/rules.txt"
    local deny500
    deny500=$(sed 's/^/--deny /' "$D/rules.txt" | tr '\n' ' ')

    log "[$label] scan: reimage check (1 and $RULES rules) vs rg -l -F (warm cache)"
    # --output=pipe: ripgrep short-circuits when stdout is /dev/null, which would flatter it.
    (cd "$corpus" && hyperfine --warmup 2 --runs "$RUNS" --ignore-failure --output=pipe \
        --export-json "$D/scan.json" \
        -n "reimage check (1 rule)" "'$REIMAGE' check $SAME --deny $OLD ." \
        -n "reimage check ($RULES rules)" "'$REIMAGE' check $SAME $deny500 ." \
        "${CATALOG_CMD[@]}" \
        -n "rg -l -F" "rg -l -F --hidden -g '!.git' $OLD")

    if [[ $HAVE_CONFIG == 1 ]]; then
        $REPORT rules-toml "$D/rules.txt" "$OLD" "$NEW" 1 >"$D/rules-1.toml"
        $REPORT rules-toml "$D/rules.txt" "$OLD" "$NEW" "$RULES" >"$D/rules-$RULES.toml"
        log "[$label] config: reimage rename --config with 1 and $RULES [[rename]] rules (preview)"
        (cd "$corpus" && hyperfine --warmup 2 --runs "$RUNS" --ignore-failure --output=pipe \
            --export-json "$D/config.json" \
            -n "reimage rename --config (1 rule)" "'$REIMAGE' rename $SAME --config '$D/rules-1.toml' ." \
            -n "reimage rename --config ($RULES rules)" "'$REIMAGE' rename $SAME --config '$D/rules-$RULES.toml' .")
    fi

    log "[$label] rename: reimage rename -w vs rg -l | xargs sd (fresh copy before each run)"
    local extra=()
    if [[ $HAVE_FASTMOD == 1 ]]; then
        extra=(--prepare "$(restore "$corpus" "$W/fastmod")" -n "fastmod"
            "cd '$W/fastmod' && fastmod --accept-all --hidden \"\$SD_RE\" \"\$SD_REPL\" -g '!.git' -- . 2>/dev/null")
    fi
    (cd "$W" && hyperfine --warmup 2 --runs "$RUNS" --ignore-failure --output=pipe --export-json "$D/rename.json" \
        --prepare "$(restore "$corpus" "$W/reimage")" -n "reimage rename -w" \
        "cd '$W/reimage' && '$REIMAGE' rename $SAME --allow-dirty $OLD $NEW -w ." \
        --prepare "$(restore "$corpus" "$W/sd")" -n "rg | xargs sd" \
        "cd '$W/sd' && rg -l -0 -F --hidden -g '!.git' $OLD | xargs -0 -r sd \"\$SD_RE\" \"\$SD_REPL\"" \
        "${extra[@]}")

    log "[$label] peak RSS and correctness"
    : >"$D/rss.tsv"
    (
        cd "$corpus"
        rss "reimage check --deny OLD" "$D/out.txt" "$REIMAGE" check $SAME --deny "$OLD" .
        # shellcheck disable=SC2086
        rss "reimage check, $RULES × --deny" "$D/out.txt" "$REIMAGE" check $SAME $deny500 .
        rss "reimage check --format json" "$D/check-1.json" "$REIMAGE" check $SAME --deny "$OLD" --format json .
        # shellcheck disable=SC2086
        rss "reimage check --format json, $RULES × --deny" "$D/check-500.json" "$REIMAGE" check $SAME $deny500 --format json .
        rss "reimage rename OLD NEW (preview) --format json" "$D/preview.json" "$REIMAGE" rename $SAME "$OLD" "$NEW" --format json .
        rss "rg -l -F --hidden -g '!.git' OLD" "$D/rg-files.txt" rg -l -F --hidden -g '!.git' "$OLD"
        if [[ $HAVE_CONFIG == 1 ]]; then
            rss "reimage rename --config ($RULES rules) --format json" "$D/config-500.json" \
                "$REIMAGE" rename $SAME --config "$D/rules-$RULES.toml" --format json .
        fi
    )
    eval "$(restore "$corpus" "$W/rss")"
    (cd "$W/rss" && rss "reimage rename OLD NEW -w" "$D/out.txt" "$REIMAGE" rename $SAME --allow-dirty "$OLD" "$NEW" -w .)
    rm -f "$D/out.txt" "$D/time.txt"

    {
        printf 'rg_files\t%s\n' "$(wc -l <"$D/rg-files.txt")"
        (cd "$W/reimage" && "$REIMAGE" rename $SAME "$OLD" "$NEW" --format json . >"$D/after-preview.json" 2>/dev/null || true)
        printf 'rewrite_after_w\t%s\n' "$(json_field "$D/after-preview.json" rewrite)"
        (cd "$W/reimage" && "$REIMAGE" check $SAME --deny "$OLD" --format json . >"$D/after-check.json" 2>/dev/null || true)
        printf 'stale_after_w\t%s\n' "$(json_field "$D/after-check.json" stale)"
        local h1 h2 h3
        h1=$(sha256sum <"$D/check-1.json")
        h2=$(cd "$corpus" && { "$REIMAGE" check $SAME --deny "$OLD" --format json . || true; } | sha256sum)
        h3=$(cd "$corpus" && { "$REIMAGE" check $SAME -j 1 --deny "$OLD" --format json . || true; } | sha256sum)
        if [[ $h1 == "$h2" && $h1 == "$h3" ]]; then printf 'deterministic\tyes\n'; else printf 'deterministic\tno\n'; fi
    } >"$D/after.tsv"

    if [[ -f $D/expected.json ]]; then
        log "[$label] comparing the renamed trees with the expected rename"
        for tool in reimage sd fastmod; do
            [[ -d $W/$tool ]] || continue
            $REPORT verify-tree "$corpus" "$W/$tool" "$D/expected.json" "$OLD" "$NEW" "$D/tree-$tool.json"
        done
    fi
    printf '[%s] reimage check: stale=%s, rename preview: rewrite=%s, 500 rules: stale=%s\n' "$label" \
        "$(json_field "$D/check-1.json" stale)" "$(json_field "$D/preview.json" rewrite)" \
        "$(json_field "$D/check-500.json" stale)" >&2
}

if [[ -n $CORPUS_ARG ]]; then
    [[ -d $CORPUS_ARG ]] || { echo "bench/run.sh: --corpus $CORPUS_ARG: not a directory" >&2; exit 2; }
    bench_corpus custom "$(cd "$CORPUS_ARG" && pwd)" "given with --corpus"
elif [[ $SMALL == 1 ]]; then
    bench_corpus small "$(corpus_for small)" "bench/gen_corpus.py --small --seed $SEED"
else
    bench_corpus default "$(corpus_for default)" "bench/gen_corpus.py --seed $SEED"
    bench_corpus small "$(corpus_for small)" "bench/gen_corpus.py --small --seed $SEED"
fi

log "writing bench/RESULTS.md"
$REPORT results "$RESULTS" "$BENCH_DIR/RESULTS.md"
echo "bench/RESULTS.md written; raw data in $RESULTS" >&2
