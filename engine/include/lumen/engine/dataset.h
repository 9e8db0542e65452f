// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Training data for fine-tuning: labelled sentences (or sentence pairs) from CSV, TSV or
// JSONL; tagged tokens from JSONL (tokens + tags) or CoNLL; raw text for language-model
// training. Every problem is reported with the file, line and column it is in:
//
//   reviews.csv:14: column 3 ("label"): the label is empty. Fill it in or remove the row.
//
//   DatasetSpec spec;
//   spec.path = "reviews.csv";
//   spec.textColumn = "review";
//   spec.labelColumn = "sentiment";
//   Dataset d = loadDataset(spec, DatasetKind::Classification);
//   auto [train, validation] = splitDataset(d, 0.1, /*seed=*/0);
//
// Thread safety: pure functions over files.

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

enum class DataFormat { Auto, Csv, Tsv, Jsonl, Conll, Text };

/// "csv", "tsv", "jsonl", "conll", "text"; Auto decides from the file name (.csv, .tsv,
/// .jsonl / .json, .conll / .conllu / .bio, else text).
const char* dataFormatName(DataFormat format);
/// Throws lumen::Error(InvalidInput) naming the formats for an unknown name.
DataFormat parseDataFormat(const std::string& name);
DataFormat detectDataFormat(const std::string& path);

enum class DatasetKind {
    Classification, ///< a text (and optional second text) with a label
    Tokens, ///< tokens with one tag each
    Text, ///< plain texts, for masked-LM and causal-LM training
};

struct DatasetSpec {
    std::string path;
    DataFormat format = DataFormat::Auto;
    std::string textColumn = "text"; ///< CSV / TSV header name or JSONL key
    std::string pairColumn; ///< the second text of a pair; empty = single texts
    std::string labelColumn = "label";
    std::string tokensKey = "tokens"; ///< JSONL token classification
    std::string tagsKey = "tags";
    /// Text files: one example per non-empty line (true), or per paragraph (blank-line separated).
    bool linePerExample = true;
};

struct Example {
    std::string text;
    std::string pair;
    std::string label; ///< classification
    std::vector<std::string> tokens; ///< token classification
    std::vector<std::string> tags;
    int64_t line = 0; ///< where it starts in its file (1-based)
};

struct Dataset {
    std::string path;
    DataFormat format = DataFormat::Auto;
    DatasetKind kind = DatasetKind::Classification;
    std::vector<std::string> columns; ///< CSV / TSV header, JSONL keys of the first record
    std::vector<Example> examples;
    /// the sorted distinct labels (classification) or tags (token classification); empty
    /// for text
    std::vector<std::string> labels;
};

/// Reads the whole file. Throws lumen::Error(InvalidInput) with "file:line[:column]: what"
/// for: a missing column or key (naming the ones there are), a row with more or fewer fields
/// than the header, invalid UTF-8, an empty text or label, an unterminated quote, a JSONL
/// line that is not a JSON object, tokens and tags of different lengths, a CoNLL line
/// without a tag, and a file with no examples; lumen::Error(Io) when it cannot be read.
Dataset loadDataset(const DatasetSpec& spec, DatasetKind kind);

/// The sorted distinct labels (tags for token classification) of the examples.
std::vector<std::string> labelSet(const std::vector<Example>& examples, DatasetKind kind);

/// The first `rows` records as cells, for the import dialog's preview: the columns (header,
/// or JSONL keys; "token", "tag" for CoNLL; "text" for text files) and each row's values.
struct DataPreview {
    DataFormat format = DataFormat::Auto;
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
    int64_t totalLines = 0; ///< lines in the file
};
DataPreview previewDataset(const std::string& path, DataFormat format = DataFormat::Auto, int rows = 20);

/// Shuffles with `seed` and holds out round(fraction x examples) for validation (at least
/// one when fraction > 0 and there are two or more examples). Labels stay the whole set's.
/// Throws lumen::Error(InvalidInput) for a fraction outside [0, 1).
std::pair<Dataset, Dataset> splitDataset(const Dataset& dataset, double validationFraction, uint64_t seed);

} // namespace lumen::engine
