#include "services/tag/document_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "services/tag/summary.h"

namespace newsflow::tag {
namespace {

// A mention of the first occurrence of `surface` at or after byte `from`.
Mention At(std::string_view text, std::string_view surface, EntityType type, MentionSource source,
           size_t from = 0, std::string id = "") {
  const size_t pos = text.find(surface, from);
  EXPECT_NE(pos, std::string_view::npos) << surface;
  Mention m;
  m.type = type;
  m.byte_start = static_cast<uint32_t>(pos);
  m.byte_end = static_cast<uint32_t>(pos + surface.size());
  m.text = std::string(surface);
  m.source = source;
  m.entity_id = std::move(id);
  return m;
}

std::vector<EntityType> Types(const std::vector<Mention>& ms) {
  std::vector<EntityType> out;
  for (const Mention& m : ms) out.push_back(m.type);
  return out;
}

TEST(RetypeTeamsInScoresTest, PlacesOnBothSidesOfAScoreBecomeTeamsThroughoutTheDocument) {
  const std::string text =
      "Group G \u2014 Belgium 3 \u2013 0 Panama\n\nBelgium faced Panama in Sochi. Sweden won.";
  std::vector<Mention> ms = {
      At(text, "Belgium", EntityType::kLoc, MentionSource::kKnowledgeBase, 0, "belgium"),
      At(text, "Panama", EntityType::kLoc, MentionSource::kModel),
      At(text, "Belgium", EntityType::kLoc, MentionSource::kModel, 30),
      At(text, "Panama", EntityType::kLoc, MentionSource::kModel, 40),
      At(text, "Sochi", EntityType::kLoc, MentionSource::kModel),
      At(text, "Sweden", EntityType::kLoc, MentionSource::kModel),
  };
  RetypeTeamsInScores(text, &ms);
  EXPECT_EQ(Types(ms),
            (std::vector<EntityType>{EntityType::kOrg, EntityType::kOrg, EntityType::kOrg,
                                     EntityType::kOrg, EntityType::kLoc, EntityType::kLoc}));
}

TEST(RetypeTeamsInScoresTest, ResultVerbsWithAScoreCount) {
  const std::string text = "Sweden defeated South Korea 1 \u2013 0; Tunisia lost 1 - 2 to England.";
  std::vector<Mention> ms = {
      At(text, "Sweden", EntityType::kLoc, MentionSource::kModel),
      At(text, "South Korea", EntityType::kLoc, MentionSource::kKnowledgeBase),
      At(text, "Tunisia", EntityType::kLoc, MentionSource::kModel),
      At(text, "England", EntityType::kLoc, MentionSource::kModel),
  };
  RetypeTeamsInScores(text, &ms);
  EXPECT_EQ(Types(ms), std::vector<EntityType>(4, EntityType::kOrg));
}

TEST(RetypeTeamsInScoresTest, PlacesWithoutAScoreStayPlaces) {
  // A date range, a verb without a score, and a score across a sentence boundary.
  const std::string text =
      "France beat Germany in talks. Paris 2019 - 2020 Berlin. Rome 2. 1 - 0 Madrid";
  std::vector<Mention> ms = {
      At(text, "France", EntityType::kLoc, MentionSource::kModel),
      At(text, "Germany", EntityType::kLoc, MentionSource::kModel),
      At(text, "Paris", EntityType::kLoc, MentionSource::kModel),
      At(text, "Berlin", EntityType::kLoc, MentionSource::kModel),
      At(text, "Rome", EntityType::kLoc, MentionSource::kModel),
      At(text, "Madrid", EntityType::kLoc, MentionSource::kModel),
  };
  RetypeTeamsInScores(text, &ms);
  EXPECT_EQ(Types(ms), std::vector<EntityType>(6, EntityType::kLoc));
}

TEST(PreferModelSurnamesTest, SurnameOfAModelPersonBeatsTheKnowledgeBasePlace) {
  const std::string text = "Valeska Paris left. Paris said she flew to Paris.";
  const std::vector<Mention> model = {
      At(text, "Valeska Paris", EntityType::kPerson, MentionSource::kModel),
      At(text, "Paris", EntityType::kPerson, MentionSource::kModel, 15),
  };
  std::vector<Mention> kb = {
      At(text, "Paris", EntityType::kLoc, MentionSource::kKnowledgeBase, 15, "paris"),
      At(text, "Paris", EntityType::kLoc, MentionSource::kKnowledgeBase, 40, "paris"),
  };
  PreferModelSurnames(model, &kb);
  ASSERT_EQ(kb.size(), 1u);  // the place the model did not call a person stays
  EXPECT_EQ(kb[0].byte_start, text.rfind("Paris"));
}

TEST(PreferModelSurnamesTest, OneWordModelPersonsAloneDoNotOverrideTheKnowledgeBase) {
  const std::string text = "Paris is big.";
  const std::vector<Mention> model = {
      At(text, "Paris", EntityType::kPerson, MentionSource::kModel)};
  std::vector<Mention> kb = {
      At(text, "Paris", EntityType::kLoc, MentionSource::kKnowledgeBase, 0, "paris")};
  PreferModelSurnames(model, &kb);
  EXPECT_EQ(kb.size(), 1u);
}

TEST(DropRedefinedAcronymsTest, AnAcronymTheArticleSpellsOutIsNotTheKnowledgeBaseEntity) {
  const std::string text =
      "He met Grand Master (GM) Alexander Huzman. Later GM Hikaru Nakamura tweeted. USA won.";
  auto kb_mention = [&](std::string_view surface, size_t from, std::string id,
                        std::string canonical) {
    Mention m = At(text, surface, EntityType::kOrg, MentionSource::kKnowledgeBase, from, id);
    m.canonical_name = std::move(canonical);
    return m;
  };
  std::vector<Mention> kb = {
      kb_mention("GM", 0, "general_motors", "General Motors"),
      kb_mention("GM", 30, "general_motors", "General Motors"),
      kb_mention("USA", 0, "united_states", "United States"),  // never spelled out: stays
  };
  std::vector<Mention> rules = {
      At(text, "GM", EntityType::kTicker, MentionSource::kRule),  // "(GM)" read as NYSE:GM
      At(text, "USA", EntityType::kTicker, MentionSource::kRule),
  };
  DropRedefinedAcronyms(text, &kb, &rules);
  ASSERT_EQ(kb.size(), 1u);
  EXPECT_EQ(kb[0].text, "USA");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].text, "USA");
}

TEST(DropRedefinedAcronymsTest, TheEntitysOwnNameOrNoMatchingInitialsKeepIt) {
  const std::string text = "General Motors (GM) said. Big Moves (AB) and (GM) again.";
  auto kb_mention = [&](size_t from) {
    Mention m =
        At(text, "GM", EntityType::kOrg, MentionSource::kKnowledgeBase, from, "general_motors");
    m.canonical_name = "General Motors";
    return m;
  };
  std::vector<Mention> kb = {kb_mention(0), kb_mention(30)};
  std::vector<Mention> rules;
  DropRedefinedAcronyms(text, &kb, &rules);
  EXPECT_EQ(kb.size(), 2u);  // the second "(GM)" follows "(AB) and": it spells nothing
}

TEST(DropAcronymPluralExpansionsTest, WordsSpelledOutBeforeAPluralAcronymAreNoName) {
  const std::string text =
      "Graphics Processing Units (GPUs) and the Securities and Exchange Commission (SEC) and "
      "Big Data (GPUs) met.";
  std::vector<Mention> model = {
      At(text, "Graphics Processing Units", EntityType::kMisc, MentionSource::kModel),
      At(text, "Securities and Exchange Commission", EntityType::kOrg, MentionSource::kModel),
      At(text, "Big Data", EntityType::kMisc, MentionSource::kModel),
  };
  DropAcronymPluralExpansions(text, &model);
  ASSERT_EQ(model.size(), 2u);  // a singular acronym, or initials that do not spell it: kept
  EXPECT_EQ(model[0].text, "Securities and Exchange Commission");
  EXPECT_EQ(model[1].text, "Big Data");
}

TEST(JoinPlacesToPrecedingNamesTest, APlaceRightAfterAModelNameEndsThatName) {
  const std::string text =
      "Socialist Party USA won. Ambassador to Germany Richard Grenell met Ana in Paris.";
  std::vector<Mention> model = {
      At(text, "Socialist Party", EntityType::kOrg, MentionSource::kModel),
      At(text, "Richard Grenell", EntityType::kPerson, MentionSource::kModel),
      At(text, "Ana", EntityType::kPerson, MentionSource::kModel),
  };
  std::vector<Mention> kb = {
      At(text, "USA", EntityType::kLoc, MentionSource::kKnowledgeBase, 0, "united_states"),
      At(text, "Germany", EntityType::kLoc, MentionSource::kKnowledgeBase, 0, "germany"),
      At(text, "Paris", EntityType::kLoc, MentionSource::kKnowledgeBase, 0, "paris"),
  };
  JoinPlacesToPrecedingNames(text, &model, &kb);
  ASSERT_EQ(kb.size(), 2u);  // a place before a name, or after "in", stays
  EXPECT_EQ(kb[0].text, "Germany");
  EXPECT_EQ(kb[1].text, "Paris");
  EXPECT_EQ(model[0].text, "Socialist Party USA");
  EXPECT_EQ(model[0].type, EntityType::kOrg);
  EXPECT_EQ(model[0].byte_end, text.find(" won"));
  EXPECT_EQ(model[1].text, "Richard Grenell");
  EXPECT_EQ(model[2].text, "Ana");
}

TEST(LinkSurnamesToFullNamesTest, FullNameStartingWithAnotherSurnameLinksNothing) {
  // "Warhol Polaroids" (a model PERSON error) is Warhol's, not a person called "Polaroids".
  const std::string text = "Andy Warhol shot Warhol Polaroids. Polaroids sold. Warhol smiled.";
  std::vector<Mention> body = {
      At(text, "Andy Warhol", EntityType::kPerson, MentionSource::kModel),
      At(text, "Warhol Polaroids", EntityType::kPerson, MentionSource::kModel),
      At(text, "Polaroids", EntityType::kPerson, MentionSource::kModel, 35),
      At(text, "Warhol", EntityType::kPerson, MentionSource::kModel, 50),
  };
  std::vector<Mention> title;
  LinkSurnamesToFullNames(&body, &title);
  EXPECT_EQ(body[2].canonical_name, "");
  EXPECT_EQ(body[3].canonical_name, "Andy Warhol");
}

TEST(LinkSurnamesToFullNamesTest, ASurnameNeverUsedAloneMayStartAFullName) {
  const std::string text = "Clarence Thomas swore. Thomas Knapp ran; Knapp won.";
  std::vector<Mention> body = {
      At(text, "Clarence Thomas", EntityType::kPerson, MentionSource::kModel),
      At(text, "Thomas Knapp", EntityType::kPerson, MentionSource::kModel),
      At(text, "Knapp", EntityType::kPerson, MentionSource::kModel, 40),
  };
  std::vector<Mention> title;
  LinkSurnamesToFullNames(&body, &title);
  EXPECT_EQ(body[2].canonical_name, "Thomas Knapp");
}

TEST(LinkSurnamesToFullNamesTest, SurnameAfterTheFullNameTakesItsIdentity) {
  const std::string text =
      "Nancy Pelosi met Jensen Huang. Pelosi said Huang was late. Huang agreed.";
  std::vector<Mention> body = {
      At(text, "Nancy Pelosi", EntityType::kPerson, MentionSource::kModel),
      At(text, "Jensen Huang", EntityType::kPerson, MentionSource::kKnowledgeBase, 0,
         "jensen_huang"),
      At(text, "Pelosi", EntityType::kPerson, MentionSource::kModel, 20),
      At(text, "Huang", EntityType::kPerson, MentionSource::kModel, 30),
      At(text, "Huang", EntityType::kPerson, MentionSource::kModel, 50),
  };
  body[1].canonical_name = "Jensen Huang";
  std::vector<Mention> title = {
      At("Pelosi speaks", "Pelosi", EntityType::kPerson, MentionSource::kModel)};
  LinkSurnamesToFullNames(&body, &title);
  EXPECT_EQ(body[2].canonical_name, "Nancy Pelosi");
  EXPECT_EQ(body[2].entity_id, "");
  EXPECT_EQ(body[3].entity_id, "jensen_huang");
  EXPECT_EQ(body[3].canonical_name, "Jensen Huang");
  EXPECT_EQ(body[4].entity_id, "jensen_huang");
  EXPECT_EQ(body[2].text, "Pelosi") << "spans and surfaces stay";
  EXPECT_EQ(title[0].canonical_name, "Nancy Pelosi") << "a headline may name her first";
}

TEST(LinkSurnamesToFullNamesTest, AmbiguousEarlierOrNonNameSurnamesStayApart) {
  const std::string text =
      "Smith spoke. Donald Trump and Melania Trump came. Trump left. Anna Smith stayed. "
      "Doug Miller of Milltech Marine said Marine was fine. Smith too.";
  std::vector<Mention> body = {
      At(text, "Smith", EntityType::kPerson, MentionSource::kModel),  // before "Anna Smith"
      At(text, "Donald Trump", EntityType::kPerson, MentionSource::kModel),
      At(text, "Melania Trump", EntityType::kPerson, MentionSource::kModel),
      At(text, "Trump", EntityType::kPerson, MentionSource::kModel, 50),
      At(text, "Anna Smith", EntityType::kPerson, MentionSource::kModel),
      At(text, "Doug Miller of Milltech Marine", EntityType::kPerson, MentionSource::kModel),
      At(text, "Marine", EntityType::kPerson, MentionSource::kModel, 110),
      At(text, "Smith", EntityType::kPerson, MentionSource::kModel, 120),
  };
  std::vector<Mention> title;
  LinkSurnamesToFullNames(&body, &title);
  EXPECT_EQ(body[0].canonical_name, "") << "before the full name: not known to be her yet";
  EXPECT_EQ(body[3].canonical_name, "") << "two Trumps";
  EXPECT_EQ(body[6].canonical_name, "") << "\"of\" makes it no person's name";
  EXPECT_EQ(body[7].canonical_name, "Anna Smith");
}

TEST(LinkSurnamesToFullNamesTest, SummaryCountsTheSurnameWithTheFullName) {
  const std::string text = "Nancy Pelosi spoke. Pelosi left.";
  std::vector<Mention> body = {
      At(text, "Nancy Pelosi", EntityType::kPerson, MentionSource::kModel),
      At(text, "Pelosi", EntityType::kPerson, MentionSource::kModel, 15),
  };
  body[0].start = 0;
  body[0].end = 12;
  body[1].start = 20;
  body[1].end = 26;
  std::vector<Mention> title;
  LinkSurnamesToFullNames(&body, &title);
  const auto summary = SummarizeEntities(body, 32, title);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].entity_id, "person:nancy pelosi");
  EXPECT_EQ(summary[0].name, "Nancy Pelosi");
  EXPECT_EQ(summary[0].mention_count, 2u);
}

}  // namespace
}  // namespace newsflow::tag
