#!/usr/bin/env python3
"""Writes a synthetic knowledge base of N aliases (default 100,000) for memory and speed tests.

    python3 services/tag/tools/synthetic_kb.py --aliases 100000 --out /tmp/kb100k
    /usr/bin/time -v build/bin/newsflow-process --kb /tmp/kb100k --tag-only < articles.jsonl

The directory gets the shipped knowledge base (config/kb/*.yaml, so news text still has real
hits) plus synthetic.yaml: made-up pronounceable names ("Kavelor Trensi"), each entity with its
name, a "... Group" alias and, for one in five, a three-character Chinese alias. Deterministic
(fixed seed), so runs are comparable. Never commit the output.
"""

import argparse
import glob
import os
import random
import shutil

SYLLABLES = ["ka", "ve", "lor", "tren", "si", "mo", "dar", "qui", "ne", "pha", "zul", "bri",
             "ton", "ge", "vis", "ra", "lem", "cor", "hal", "dun", "fe", "ix", "sta", "wen"]
TYPES = ["person", "org", "loc", "product"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aliases", type=int, default=100000, help="synthetic aliases to write")
    parser.add_argument("--out", required=True, help="directory to create or overwrite")
    parser.add_argument("--shipped", default="config/kb",
                        help="knowledge base to copy next to the synthetic file ('' for none)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rng = random.Random(args.seed)

    def word(syllables):
        return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()

    os.makedirs(args.out, exist_ok=True)
    if args.shipped:
        for path in sorted(glob.glob(os.path.join(args.shipped, "*.yaml"))):
            shutil.copy(path, args.out)
    seen = set()
    count = 0
    entity = 0
    with open(os.path.join(args.out, "zz_synthetic.yaml"), "w", encoding="utf-8") as out:
        out.write("version: 1\nentities:\n")
        while count < args.aliases:
            name = word(2 + rng.randrange(2)) + " " + word(2 + rng.randrange(2))
            group = word(3) + " " + word(2) + " Group"
            if name.lower() in seen or group.lower() in seen:
                continue  # an alias may name one entity only
            seen.update((name.lower(), group.lower()))
            aliases = [group]
            count += 2
            zh = ""
            if rng.randrange(5) == 0 and count < args.aliases:
                zh = "".join(chr(0x4E00 + rng.randrange(0x5000)) for _ in range(3))
                if zh not in seen:
                    seen.add(zh)
                    count += 1
                else:
                    zh = ""
            line = "  - {id: syn%d, type: %s, name: %s, aka: [%s]" % (
                entity, TYPES[rng.randrange(4)], name, ", ".join(aliases))
            if zh:
                line += ", zh: [%s]" % zh
            out.write(line + "}\n")
            entity += 1
    print("%s: %d entities, %d aliases (plus %s)" % (args.out, entity, count,
                                                    args.shipped or "nothing"))


if __name__ == "__main__":
    main()
