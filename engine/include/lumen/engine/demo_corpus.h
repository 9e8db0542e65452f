// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The demo corpus: English-like sentences whose structure a small model can learn and a
// person can see it learn. Five kinds of sentence, each putting one long-range dependency
// in front of the attention maps:
//
//   agreement   "the dog that chased the cats runs today ."   (the verb agrees with "dog",
//                                                              not with the nearer "cats")
//   pronoun     "mary lost her keys , so she looked for them ." (pronoun and antecedent)
//   brackets    "( a [ b c ] { d } )"                          (each closer matches its opener)
//   names       "tom and anna went to the park . tom gave a book to anna ." (copying)
//   arithmetic  "3 plus 4 is 7 ."                              (a sum of the two numbers)
//
// Everything is lower case, one token per word or symbol (demoTokenizer writes a word-level
// tokenizer over demoVocabulary()). The generator is deterministic for a seed: the same seed
// gives the same sentences on every machine (its own random numbers, no std::distribution).
//
//   std::vector<CorpusSentence> train = generateCorpus({ 1, 20000 });
//   std::vector<AgreementProbe> probes = agreementProbes(2, 200);  // held out: another seed
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

struct CorpusConfig {
    uint64_t seed = 1;
    int64_t sentences = 20000;
};

struct CorpusSentence {
    std::string kind; ///< "agreement", "pronoun", "brackets", "names", "arithmetic"
    std::string text; ///< words and symbols separated by single spaces
};

/// `sentences` sentences, the kinds mixed evenly (agreement twice as often: it has the most
/// forms to learn).
std::vector<CorpusSentence> generateCorpus(const CorpusConfig& config);

/// The kinds generateCorpus writes, in a fixed order.
std::vector<std::string> corpusKinds();

/// Every word and symbol the generator can write, in a fixed order (no specials).
std::vector<std::string> demoVocabulary();

/// A subject-verb agreement test: the verb's number is set by the subject, with a noun of
/// the other number (the attractor) between them, as in Linzen et al. (2016).
struct AgreementProbe {
    std::string prefix; ///< the words before the verb ("the dog that chased the cats")
    std::string suffix; ///< the words after it ("today .")
    std::string right; ///< the verb form that agrees ("runs")
    std::string wrong; ///< the other number ("run")
};

/// `count` probes drawn with `seed` (use a seed the training corpus did not use).
std::vector<AgreementProbe> agreementProbes(uint64_t seed, int64_t count);

/// Writes a word-level tokenizer over demoVocabulary() into `dir` (tokenizer.json and
/// tokenizer_config.json, the Hugging Face fast-tokenizer format): ids 0..6 are [PAD],
/// [UNK], [CLS], [SEP], [MASK], [BOS], [EOS]. `causal`: a text reads "[BOS] words" (a
/// decoder's prompt); otherwise "[CLS] words [SEP]" (an encoder's). Throws lumen::Error(Io).
void writeDemoTokenizer(const std::string& dir, bool causal);

} // namespace lumen::engine
