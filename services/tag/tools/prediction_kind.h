#pragma once

// How one predicted span relates to the gold spans of its document, for newsflow-tag-eval
// --by-source (error analysis by mention source). Header-only: the tool and its test use it.

#include <span>
#include <string_view>

#include "services/tag/evaluation.h"

namespace newsflow::tag {

enum class PredictionKind {
  kExact,     // a gold span with the same start, end and type
  kType,      // a gold span with the same start and end, another type
  kBoundary,  // overlaps a gold span of the same type, other offsets
  kOther,     // overlaps only gold spans of other types (and other offsets)
  kSpurious,  // overlaps no gold span
};

inline std::string_view PredictionKindName(PredictionKind kind) {
  switch (kind) {
    case PredictionKind::kExact:
      return "exact";
    case PredictionKind::kType:
      return "type";
    case PredictionKind::kBoundary:
      return "boundary";
    case PredictionKind::kOther:
      return "other";
    case PredictionKind::kSpurious:
      return "spurious";
  }
  return "?";
}

// The first kind that applies, in the enum's order (an exact match wins over an overlap with
// another gold span, a right span of another type over a same-type overlap elsewhere).
inline PredictionKind ClassifyPrediction(std::span<const ScoredSpan> gold,
                                         const ScoredSpan& predicted) {
  bool same_span = false;
  bool same_type_overlap = false;
  bool overlap = false;
  for (const ScoredSpan& g : gold) {
    if (g.start >= predicted.end || predicted.start >= g.end) continue;
    overlap = true;
    const bool span = g.start == predicted.start && g.end == predicted.end;
    if (span && g.type == predicted.type) return PredictionKind::kExact;
    same_span |= span;
    same_type_overlap |= g.type == predicted.type;
  }
  if (same_span) return PredictionKind::kType;
  if (same_type_overlap) return PredictionKind::kBoundary;
  return overlap ? PredictionKind::kOther : PredictionKind::kSpurious;
}

}  // namespace newsflow::tag
