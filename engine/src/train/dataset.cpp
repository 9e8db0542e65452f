// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/dataset.h"

#include "lumen/engine/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

namespace lumen::engine {

namespace {

using Json = nlohmann::json;

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string fileName(const std::string& path)
{
    return std::filesystem::path(path).filename().string();
}

[[noreturn]] void fail(const std::string& path, int64_t line, const std::string& what)
{
    throw Error(ErrorKind::InvalidInput, fileName(path) + ":" + std::to_string(line) + ": " + what);
}

/// The byte offset of the first invalid UTF-8 sequence, or npos.
size_t invalidUtf8(const std::string& s)
{
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        if (c < 0x80) {
            n = 1;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
        } else {
            return i;
        }
        if (i + n > s.size()) {
            return i;
        }
        for (size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) {
                return i;
            }
        }
        // Overlong three-byte forms, surrogates, and code points past U+10FFFF.
        const auto c1 = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90)) {
            return i;
        }
        i += n;
    }
    return std::string::npos;
}

std::string readAll(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error(ErrorKind::Io, "cannot read " + path + ": no such file.");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::Io, "cannot open " + path + ": check that it exists and you may read it.");
    }
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
        text.erase(0, 3); // a byte-order mark
    }
    return text;
}

/// Physical lines (without "\r\n" / "\n").
std::vector<std::string> splitLines(const std::string& text)
{
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            if (start < text.size()) {
                lines.push_back(text.substr(start));
            }
            break;
        }
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        lines.push_back(std::move(line));
        start = end + 1;
    }
    return lines;
}

/// The column (1-based, in code points) of byte `offset` within `line`.
int64_t columnOf(const std::string& line, size_t offset)
{
    int64_t column = 1;
    for (size_t i = 0; i < offset && i < line.size(); ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xc0) != 0x80) {
            ++column;
        }
    }
    return column;
}

void checkUtf8(const std::string& path, const std::vector<std::string>& lines)
{
    for (size_t i = 0; i < lines.size(); ++i) {
        const size_t bad = invalidUtf8(lines[i]);
        if (bad != std::string::npos) {
            std::ostringstream hex;
            hex << std::hex << static_cast<int>(static_cast<unsigned char>(lines[i][bad]));
            fail(path, static_cast<int64_t>(i) + 1,
                 "column " + std::to_string(columnOf(lines[i], bad)) + ": invalid UTF-8 (byte 0x" + hex.str()
                     + "). Save the file as UTF-8.");
        }
    }
}

struct Record {
    std::vector<std::string> fields;
    int64_t line = 0;
};

/// RFC 4180 records: quoted fields may hold the separator, doubled quotes and line breaks.
std::vector<Record> parseDelimited(const std::string& path, const std::string& text, char separator)
{
    std::vector<Record> records;
    Record current;
    std::string field;
    int64_t line = 1;
    current.line = 1;
    bool quoted = false;
    bool fieldStarted = false;
    int64_t quoteLine = 0;
    const auto endField = [&] {
        current.fields.push_back(field);
        field.clear();
        fieldStarted = false;
    };
    const auto endRecord = [&] {
        endField();
        const bool blank = current.fields.size() == 1 && current.fields.front().empty();
        if (!blank) {
            records.push_back(std::move(current));
        }
        current = Record {};
        current.line = line;
    };
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') {
                    ++line;
                }
                field += c;
            }
            continue;
        }
        if (c == '"' && !fieldStarted && field.empty()) {
            quoted = true;
            fieldStarted = true;
            quoteLine = line;
        } else if (c == separator) {
            endField();
        } else if (c == '\n') {
            if (!field.empty() && field.back() == '\r') {
                field.pop_back();
            }
            ++line;
            endRecord();
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (quoted) {
        fail(path, quoteLine, "a quoted field is never closed. Check the quotes on this line.");
    }
    if (!field.empty() || !current.fields.empty()) {
        if (!field.empty() && field.back() == '\r') {
            field.pop_back();
        }
        endRecord();
    }
    return records;
}

size_t findColumn(const std::string& path, const std::vector<std::string>& header, const std::string& name,
                  const char* role)
{
    for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) {
            return i;
        }
    }
    std::string known;
    for (const std::string& h : header) {
        known += (known.empty() ? "" : ", ") + std::string("\"") + h + "\"";
    }
    fail(path, 1, std::string("no column \"") + name + "\" for the " + role + " (the columns are " + known
                      + "). Choose the " + role + " column.");
}

std::string trimmed(const std::string& s)
{
    const size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string::npos) {
        return {};
    }
    const size_t b = s.find_last_not_of(" \t\r\n");
    return s.substr(a, b - a + 1);
}

void loadDelimited(const DatasetSpec& spec, const std::string& text, char separator, Dataset& d)
{
    const std::vector<Record> records = parseDelimited(spec.path, text, separator);
    if (records.empty()) {
        throw Error(ErrorKind::InvalidInput, fileName(spec.path) + ": the file is empty. It needs a header row and examples.");
    }
    d.columns = records.front().fields;
    for (std::string& c : d.columns) {
        c = trimmed(c);
    }
    if (d.kind == DatasetKind::Tokens) {
        fail(spec.path, 1, "tagged tokens come from JSONL (\"tokens\" and \"tags\" lists) or CoNLL files, not "
                           + std::string(separator == ',' ? "CSV." : "TSV."));
    }
    const size_t textAt = findColumn(spec.path, d.columns, spec.textColumn, "text");
    const bool hasPair = !spec.pairColumn.empty();
    const size_t pairAt = hasPair ? findColumn(spec.path, d.columns, spec.pairColumn, "second text") : 0;
    const bool hasLabel = d.kind == DatasetKind::Classification;
    const size_t labelAt = hasLabel ? findColumn(spec.path, d.columns, spec.labelColumn, "label") : 0;
    for (size_t r = 1; r < records.size(); ++r) {
        const Record& rec = records[r];
        if (rec.fields.size() != d.columns.size()) {
            fail(spec.path, rec.line, "the row has " + std::to_string(rec.fields.size()) + " fields, the header "
                                          + std::to_string(d.columns.size())
                                          + ". Quote fields that contain the separator.");
        }
        const auto cell = [&](size_t at, const char* role) {
            std::string v = trimmed(rec.fields[at]);
            if (v.empty()) {
                fail(spec.path, rec.line, "column " + std::to_string(at + 1) + " (\"" + d.columns[at] + "\"): the "
                                              + role + " is empty. Fill it in or remove the row.");
            }
            return v;
        };
        Example e;
        e.line = rec.line;
        e.text = cell(textAt, "text");
        if (hasPair) {
            e.pair = cell(pairAt, "second text");
        }
        if (hasLabel) {
            e.label = cell(labelAt, "label");
        }
        d.examples.push_back(std::move(e));
    }
}

std::string scalarText(const Json& v)
{
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_number_integer()) {
        return std::to_string(v.get<int64_t>());
    }
    if (v.is_boolean()) {
        return v.get<bool>() ? "true" : "false";
    }
    return v.dump();
}

void loadJsonl(const DatasetSpec& spec, const std::vector<std::string>& lines, Dataset& d)
{
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& raw = lines[i];
        const auto lineNo = static_cast<int64_t>(i) + 1;
        if (trimmed(raw).empty()) {
            continue;
        }
        Json j;
        try {
            j = Json::parse(raw);
        } catch (const Json::parse_error& e) {
            // nlohmann's reason follows its own "line 1, column N: " prefix.
            std::string why = e.what();
            const size_t at = why.find("column ");
            const size_t colon = at == std::string::npos ? std::string::npos : why.find(": ", at);
            why = colon == std::string::npos ? std::string() : " (" + why.substr(colon + 2) + ")";
            fail(spec.path, lineNo, "column " + std::to_string(columnOf(raw, e.byte > 0 ? e.byte - 1 : 0))
                                        + ": not valid JSON" + why + ". Each line must be one JSON object.");
        }
        if (!j.is_object()) {
            fail(spec.path, lineNo, "column 1: the line is JSON but not an object ({...}).");
        }
        if (d.columns.empty()) {
            for (auto it = j.begin(); it != j.end(); ++it) {
                d.columns.push_back(it.key());
            }
        }
        const auto field = [&](const std::string& key, const char* role) -> const Json& {
            if (!j.contains(key)) {
                std::string known;
                for (auto it = j.begin(); it != j.end(); ++it) {
                    known += (known.empty() ? "" : ", ") + std::string("\"") + it.key() + "\"";
                }
                fail(spec.path, lineNo, std::string("no field \"") + key + "\" for the " + role + " (the line has "
                                            + (known.empty() ? std::string("none") : known) + ").");
            }
            return j.at(key);
        };
        const auto column = [&](const std::string& key) {
            const size_t at = raw.find("\"" + key + "\"");
            return at == std::string::npos ? int64_t { 1 } : columnOf(raw, at);
        };
        Example e;
        e.line = lineNo;
        if (d.kind == DatasetKind::Tokens) {
            const Json& tokens = field(spec.tokensKey, "tokens");
            const Json& tags = field(spec.tagsKey, "tags");
            if (!tokens.is_array() || !tags.is_array()) {
                fail(spec.path, lineNo, "column " + std::to_string(column(tokens.is_array() ? spec.tagsKey : spec.tokensKey))
                                            + ": \"" + (tokens.is_array() ? spec.tagsKey : spec.tokensKey)
                                            + "\" must be a list.");
            }
            if (tokens.size() != tags.size()) {
                fail(spec.path, lineNo, "column " + std::to_string(column(spec.tagsKey)) + ": " + std::to_string(tokens.size())
                                            + " tokens but " + std::to_string(tags.size())
                                            + " tags. Give every token one tag.");
            }
            if (tokens.empty()) {
                fail(spec.path, lineNo, "column " + std::to_string(column(spec.tokensKey)) + ": no tokens.");
            }
            for (size_t k = 0; k < tokens.size(); ++k) {
                e.tokens.push_back(scalarText(tokens[k]));
                e.tags.push_back(scalarText(tags[k]));
                if (e.tags.back().empty()) {
                    fail(spec.path, lineNo, "column " + std::to_string(column(spec.tagsKey)) + ": tag "
                                                + std::to_string(k + 1) + " is empty.");
                }
            }
        } else {
            const auto text = [&](const std::string& key, const char* role) {
                const Json& v = field(key, role);
                if (!v.is_string() && !v.is_number() && !v.is_boolean()) {
                    fail(spec.path, lineNo, "column " + std::to_string(column(key)) + ": \"" + key + "\" is not text.");
                }
                std::string s = trimmed(scalarText(v));
                if (s.empty()) {
                    fail(spec.path, lineNo, "column " + std::to_string(column(key)) + ": the " + role + " (\"" + key
                                                + "\") is empty. Fill it in or remove the line.");
                }
                return s;
            };
            e.text = text(spec.textColumn, "text");
            if (!spec.pairColumn.empty()) {
                e.pair = text(spec.pairColumn, "second text");
            }
            if (d.kind == DatasetKind::Classification) {
                e.label = text(spec.labelColumn, "label");
            }
        }
        d.examples.push_back(std::move(e));
    }
}

void loadConll(const DatasetSpec& spec, const std::vector<std::string>& lines, Dataset& d)
{
    if (d.kind != DatasetKind::Tokens) {
        fail(spec.path, 1, "a CoNLL file holds tagged tokens: use it for token classification.");
    }
    d.columns = { "token", "tag" };
    Example current;
    const auto flush = [&] {
        if (!current.tokens.empty()) {
            d.examples.push_back(std::move(current));
        }
        current = Example {};
    };
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string line = trimmed(lines[i]);
        const auto lineNo = static_cast<int64_t>(i) + 1;
        if (line.empty()) {
            flush();
            continue;
        }
        if (line.rfind("-DOCSTART-", 0) == 0 || line.front() == '#') {
            continue;
        }
        std::istringstream in(line);
        std::vector<std::string> cols;
        for (std::string c; in >> c;) {
            cols.push_back(c);
        }
        if (cols.size() < 2) {
            fail(spec.path, lineNo, "column " + std::to_string(line.size() + 1)
                                        + ": a token without a tag. Each line needs the token, then its tag (the last column).");
        }
        if (current.tokens.empty()) {
            current.line = lineNo;
        }
        current.tokens.push_back(cols.front());
        current.tags.push_back(cols.back());
    }
    flush();
}

void loadText(const DatasetSpec& spec, const std::vector<std::string>& lines, Dataset& d)
{
    if (d.kind != DatasetKind::Text) {
        fail(spec.path, 1, "a plain text file has no labels: use CSV, TSV or JSONL for classification, or train a "
                           "masked-LM or causal-LM on it.");
    }
    d.columns = { "text" };
    Example current;
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string line = trimmed(lines[i]);
        const auto lineNo = static_cast<int64_t>(i) + 1;
        if (spec.linePerExample) {
            if (!line.empty()) {
                d.examples.push_back({ line, {}, {}, {}, {}, lineNo });
            }
            continue;
        }
        if (line.empty()) {
            if (!current.text.empty()) {
                d.examples.push_back(std::move(current));
            }
            current = Example {};
        } else {
            if (current.text.empty()) {
                current.line = lineNo;
            }
            current.text += (current.text.empty() ? "" : " ") + line;
        }
    }
    if (!current.text.empty()) {
        d.examples.push_back(std::move(current));
    }
}

} // namespace

const char* dataFormatName(DataFormat format)
{
    switch (format) {
    case DataFormat::Auto:
        return "auto";
    case DataFormat::Csv:
        return "csv";
    case DataFormat::Tsv:
        return "tsv";
    case DataFormat::Jsonl:
        return "jsonl";
    case DataFormat::Conll:
        return "conll";
    case DataFormat::Text:
        return "text";
    }
    return "auto";
}

DataFormat parseDataFormat(const std::string& name)
{
    for (const DataFormat f : { DataFormat::Auto, DataFormat::Csv, DataFormat::Tsv, DataFormat::Jsonl, DataFormat::Conll,
             DataFormat::Text }) {
        if (lower(name) == dataFormatName(f)) {
            return f;
        }
    }
    throw Error(ErrorKind::InvalidInput, "unknown data format \"" + name + "\": use auto, csv, tsv, jsonl, conll or text.");
}

DataFormat detectDataFormat(const std::string& path)
{
    const std::string p = lower(path);
    if (endsWith(p, ".csv")) {
        return DataFormat::Csv;
    }
    if (endsWith(p, ".tsv") || endsWith(p, ".tab")) {
        return DataFormat::Tsv;
    }
    if (endsWith(p, ".jsonl") || endsWith(p, ".json") || endsWith(p, ".ndjson")) {
        return DataFormat::Jsonl;
    }
    if (endsWith(p, ".conll") || endsWith(p, ".conllu") || endsWith(p, ".bio") || endsWith(p, ".iob")) {
        return DataFormat::Conll;
    }
    return DataFormat::Text;
}

Dataset loadDataset(const DatasetSpec& spec, DatasetKind kind)
{
    Dataset d;
    d.path = spec.path;
    d.kind = kind;
    d.format = spec.format == DataFormat::Auto ? detectDataFormat(spec.path) : spec.format;
    const std::string text = readAll(spec.path);
    const std::vector<std::string> lines = splitLines(text);
    checkUtf8(spec.path, lines);
    switch (d.format) {
    case DataFormat::Csv:
        loadDelimited(spec, text, ',', d);
        break;
    case DataFormat::Tsv:
        loadDelimited(spec, text, '\t', d);
        break;
    case DataFormat::Jsonl:
        loadJsonl(spec, lines, d);
        break;
    case DataFormat::Conll:
        loadConll(spec, lines, d);
        break;
    case DataFormat::Text:
    case DataFormat::Auto:
        loadText(spec, lines, d);
        break;
    }
    if (d.examples.empty()) {
        throw Error(ErrorKind::InvalidInput, fileName(spec.path) + ": no examples in the file.");
    }
    d.labels = labelSet(d.examples, kind);
    return d;
}

std::vector<std::string> labelSet(const std::vector<Example>& examples, DatasetKind kind)
{
    std::set<std::string> labels;
    for (const Example& e : examples) {
        if (kind == DatasetKind::Classification) {
            labels.insert(e.label);
        } else if (kind == DatasetKind::Tokens) {
            labels.insert(e.tags.begin(), e.tags.end());
        }
    }
    return { labels.begin(), labels.end() };
}

DataPreview previewDataset(const std::string& path, DataFormat format, int rows)
{
    DataPreview p;
    p.format = format == DataFormat::Auto ? detectDataFormat(path) : format;
    const std::string text = readAll(path);
    const std::vector<std::string> lines = splitLines(text);
    p.totalLines = static_cast<int64_t>(lines.size());
    if (p.format == DataFormat::Csv || p.format == DataFormat::Tsv) {
        const std::vector<Record> records = parseDelimited(path, text, p.format == DataFormat::Csv ? ',' : '\t');
        for (size_t r = 0; r < records.size() && static_cast<int>(r) <= rows; ++r) {
            (r == 0 ? p.columns : p.rows.emplace_back()) = records[r].fields;
        }
    } else if (p.format == DataFormat::Jsonl) {
        for (const std::string& line : lines) {
            if (static_cast<int>(p.rows.size()) >= rows) {
                break;
            }
            Json j = Json::parse(line, nullptr, false);
            if (!j.is_object()) {
                continue;
            }
            if (p.columns.empty()) {
                for (auto it = j.begin(); it != j.end(); ++it) {
                    p.columns.push_back(it.key());
                }
            }
            std::vector<std::string> row;
            for (const std::string& c : p.columns) {
                row.push_back(j.contains(c) ? scalarText(j.at(c)) : std::string());
            }
            p.rows.push_back(std::move(row));
        }
    } else if (p.format == DataFormat::Conll) {
        p.columns = { "token", "tag" };
        for (const std::string& line : lines) {
            if (static_cast<int>(p.rows.size()) >= rows) {
                break;
            }
            std::istringstream in(line);
            std::vector<std::string> cols;
            for (std::string c; in >> c;) {
                cols.push_back(c);
            }
            if (cols.size() >= 2) {
                p.rows.push_back({ cols.front(), cols.back() });
            }
        }
    } else {
        p.columns = { "text" };
        for (const std::string& line : lines) {
            if (static_cast<int>(p.rows.size()) >= rows) {
                break;
            }
            if (!trimmed(line).empty()) {
                p.rows.push_back({ line });
            }
        }
    }
    return p;
}

std::pair<Dataset, Dataset> splitDataset(const Dataset& dataset, double validationFraction, uint64_t seed)
{
    if (!(validationFraction >= 0.0 && validationFraction < 1.0)) {
        throw Error(ErrorKind::InvalidInput, "the validation share must be at least 0 and below 1.");
    }
    std::vector<size_t> order(dataset.examples.size());
    std::iota(order.begin(), order.end(), size_t { 0 });
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    auto held = static_cast<size_t>(std::llround(validationFraction * static_cast<double>(order.size())));
    if (validationFraction > 0.0 && held == 0 && order.size() >= 2) {
        held = 1;
    }
    Dataset train = dataset;
    Dataset validation = dataset;
    train.examples.clear();
    validation.examples.clear();
    for (size_t i = 0; i < order.size(); ++i) {
        (i < held ? validation : train).examples.push_back(dataset.examples[order[i]]);
    }
    return { std::move(train), std::move(validation) };
}

} // namespace lumen::engine
