#pragma once

// Annotated entity data for training and evaluation: JSON lines of
// {"id", "text", "entities": [{"start", "end", "type", ...}]} with code-point offsets, and the
// conversion between entity spans and per-token BIO labels.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "services/tag/ner/features.h"
#include "services/tag/ner/tokenizer.h"

namespace newsflow::tag::ner {

struct GoldEntity {
  std::string type;
  uint32_t start = 0;  // code points, [start, end)
  uint32_t end = 0;
};

struct AnnotatedDocument {
  std::string id;
  std::string text;
  std::vector<GoldEntity> entities;
};

// Reads every line of `path`; blank lines are skipped. Returns false and sets `*error` on the
// first unreadable file or malformed line (with its line number).
bool ReadAnnotatedJsonl(const std::string& path, std::vector<AnnotatedDocument>* documents,
                        std::string* error);

// Which documents of an annotated file a data spec names. "PATH" keeps all; "PATH#even" and
// "PATH#odd" keep the documents at even / odd 0-based positions; "PATH#k/n" keeps fold k of n
// (positions i with i % n == k) and "PATH#-k/n" every other document, so "--train
// dev.jsonl#-0/2" and "--dev dev.jsonl#0/2" are the two sides of one cross-validation fold.
// A '#' suffix that is none of these is part of the path.
struct DataSpec {
  std::string path;
  uint32_t folds = 0;  // 0: every document
  uint32_t fold = 0;
  bool complement = false;  // keep the documents outside fold `fold`
  bool Keeps(size_t position) const;
};
DataSpec ParseDataSpec(const std::string& spec);

// ReadAnnotatedJsonl of the spec's path, keeping the spec's documents (in file order).
bool ReadAnnotatedSpec(const std::string& spec, std::vector<AnnotatedDocument>* documents,
                       std::string* error);

// The mapping from annotation types to model types used by the shipped model: EVENT and NORP
// become MISC (the tagger's downstream types are PERSON, ORG, LOC, PRODUCT, DATE, MISC).
std::map<std::string, std::string> DefaultTypeAliases();

// Model type of an annotation type: itself if in `types`, else its alias if that is in `types`,
// else empty (the entity is not a target).
std::string MapType(const std::string& type, const std::vector<std::string>& types,
                    const std::map<std::string, std::string>& aliases);

// BIO labels (sequence_model.h numbering) for `tokens`: tokens overlapping an entity get its
// label. Returns how many entities do not start and end on token boundaries (they are labelled
// with the tokens they overlap).
size_t EntitiesToLabels(std::span<const Token> tokens, std::span<const GoldEntity> entities,
                        const std::vector<std::string>& types,
                        const std::map<std::string, std::string>& aliases,
                        std::vector<uint16_t>* labels);

// Adds the labelled spans of a document (BIO `labels`, one per token) to `names`, except spans
// whose type index has its bit set in `skip_types`. A leading "the" is left out ("the Taliban"
// is listed as "Taliban"): name lists are matched from a capitalized token.
void AddLabelledNames(std::string_view text, std::span<const Token> tokens,
                      std::span<const uint16_t> labels, uint32_t skip_types, NameList* names);

// Tokenizes `name` and adds it to `names` as type index `type` (same "the" rule).
void AddName(std::string_view name, uint32_t type, NameList* names);

// Reads a name list file for AddName / NameList::InsertPart: one "TYPE<TAB>text" per line
// ("LOC\tNew Mexico"); a type written "TYPE:part" marks a single word as part of such names
// ("PERSON:part\tValeska"). Lines of types not in `types`, blank lines and lines starting
// with '#' are skipped; multi-word parts are skipped. Returns false and sets `*error` when the
// file cannot be read or a line has no tab. `*added` (if not null) counts the lines used.
bool AddNameListFile(const std::string& path, const std::vector<std::string>& types,
                     NameList* names, std::string* error, size_t* added = nullptr);

}  // namespace newsflow::tag::ner
