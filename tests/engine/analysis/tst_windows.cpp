// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// Sliding windows for long inputs: Hugging Face's stride convention (the case from tokenizers'
// own Encoding::truncate test, and the properties over a grid of sizes), ownership for
// stitching, and per-window encodings with each tokenizer's own special tokens whose offsets
// map back to the original text's code points; every character of a long text covered.

#include "lumen/engine/analysis.h"
#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"

#include <QtTest>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

using lumen::Error;
using lumen::engine::EncodeOptions;
using lumen::engine::encodeWindows;
using lumen::engine::Encoding;
using lumen::engine::loadTokenizer;
using lumen::engine::ownedRanges;
using lumen::engine::owningWindow;
using lumen::engine::slidingWindows;
using lumen::engine::Tokenizer;
using lumen::engine::TokenWindow;
using lumen::engine::WindowConfig;
using lumen::engine::WindowedEncoding;
using lumen::engine::WindowEncodeConfig;
using lumen::engine::windowPositionToToken;
using lumen::engine::windowToToken;

namespace {

std::string ranges(const std::vector<TokenWindow>& windows)
{
    std::string out;
    for (const TokenWindow& w : windows) {
        out += "[" + std::to_string(w.begin) + "," + std::to_string(w.end) + ")";
    }
    return out;
}

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("(no error)");
}

const Tokenizer& tokenizerFor(const std::string& name)
{
    static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        it =
            cache
                .emplace(name, loadTokenizer(std::string(LUMEN_TEST_DATA) + "/conformance/" + name))
                .first;
    }
    return *it->second;
}

const std::string kPlain = "The quick brown fox jumps over the lazy dog.";

/// A text of several hundred tokens with accents, CJK and digits (multi-byte code points, so
/// byte and code point offsets differ).
std::string longText()
{
    const std::string parts[] = {
        "The quick brown fox jumps over the lazy dog. ",
        "café naïve résumé façade Ångström Dvořák Straße. ",
        "東京は日本の首都です。 ",
        "In 1984, 3.14159 and 2,718 were numbers; ",
        "Hello, world! What's up? ",
    };
    std::string text;
    for (int i = 0; i < 12; ++i) {
        for (const std::string& p : parts) {
            text += p;
        }
    }
    return text + "The end.";
}

std::u32string codePoints(const std::string& text)
{
    const QList<uint> ucs4 = QString::fromStdString(text).toUcs4();
    return std::u32string(ucs4.begin(), ucs4.end());
}

} // namespace

class TstWindows : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void huggingFaceConvention_data()
    {
        QTest::addColumn<int>("tokens");
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("stride");
        QTest::addColumn<QString>("expected");
        // tokenizers' truncate_overflow_with_stride: 5 tokens, max_len 4, stride 2.
        QTest::newRow("tokenizers' own case") << 5 << 4 << 2 << "[0,4)[2,5)";
        QTest::newRow("last window full") << 10 << 4 << 1 << "[0,4)[3,7)[6,10)";
        QTest::newRow("last window short") << 11 << 4 << 1 << "[0,4)[3,7)[6,10)[9,11)";
        QTest::newRow("no overlap") << 8 << 4 << 0 << "[0,4)[4,8)";
        QTest::newRow("big overlap") << 7 << 4 << 3 << "[0,4)[1,5)[2,6)[3,7)";
        QTest::newRow("exactly one window") << 4 << 4 << 3 << "[0,4)";
        QTest::newRow("shorter than a window") << 3 << 4 << 2 << "[0,3)";
        QTest::newRow("empty text") << 0 << 4 << 2 << "[0,0)";
    }

    void huggingFaceConvention()
    {
        QFETCH(int, tokens);
        QFETCH(int, window);
        QFETCH(int, stride);
        QFETCH(QString, expected);
        QCOMPARE(
            QString::fromStdString(ranges(slidingWindows(tokens, { window, stride }))), expected);
    }

    void propertiesOverAGrid()
    {
        for (int64_t n = 0; n <= 40; ++n) {
            for (int64_t w = 1; w <= 9; ++w) {
                for (int64_t s = 0; s < w; ++s) {
                    const auto windows = slidingWindows(n, { w, s });
                    const std::string where = "n=" + std::to_string(n) + " W=" + std::to_string(w)
                        + " S=" + std::to_string(s) + ": " + ranges(windows);
                    QVERIFY2(!windows.empty() && windows.front().begin == 0, where.c_str());
                    QVERIFY2(windows.back().end == n, where.c_str());
                    for (size_t i = 0; i < windows.size(); ++i) {
                        QVERIFY2(windows[i].size() <= w, where.c_str());
                        if (i > 0) {
                            // consecutive windows share exactly `stride` tokens
                            QVERIFY2(windows[i - 1].end - windows[i].begin == s, where.c_str());
                            QVERIFY2(
                                windows[i].begin - windows[i - 1].begin == w - s, where.c_str());
                            QVERIFY2(windows[i].size() > s, where.c_str());
                        }
                    }
                    const auto owned = ownedRanges(windows);
                    QCOMPARE(owned.size(), windows.size());
                    int64_t next = 0;
                    for (size_t i = 0; i < owned.size(); ++i) {
                        QVERIFY2(owned[i].begin == next, where.c_str()); // a partition, in order
                        QVERIFY2(owned[i].begin >= windows[i].begin || owned[i].size() == 0,
                            where.c_str());
                        QVERIFY2(
                            owned[i].end <= windows[i].end || owned[i].size() == 0, where.c_str());
                        next = owned[i].end;
                    }
                    QVERIFY2(next == n, where.c_str());
                    for (int64_t t = 0; t < n; ++t) {
                        const size_t o = owningWindow(windows, t);
                        // the definition, by brute force: most context, the earliest on ties
                        int64_t best = -1;
                        size_t bestWindow = 0;
                        for (size_t i = 0; i < windows.size(); ++i) {
                            if (t >= windows[i].begin && t < windows[i].end) {
                                const int64_t c =
                                    std::min(t - windows[i].begin, windows[i].end - 1 - t);
                                if (c > best) {
                                    best = c;
                                    bestWindow = i;
                                }
                            }
                        }
                        QVERIFY2(o == bestWindow, where.c_str());
                        QVERIFY2(t >= owned[o].begin && t < owned[o].end, where.c_str());
                        // every token lies in some window
                        QVERIFY2(t >= windows[o].begin && t < windows[o].end, where.c_str());
                    }
                }
            }
        }
    }

    void ownerIsWhereATokenIsMostCentral()
    {
        // [0,4)[2,6)[4,8)[6,10): token 2 has context min(2 before, 1 after) = 1 in window 0
        // and min(0, 3) = 0 in window 1 -> window 0; token 3: min(3, 0) = 0 in window 0,
        // min(1, 2) = 1 in window 1 -> window 1; and so on, switching mid-overlap.
        const auto windows = slidingWindows(10, { 4, 2 });
        QCOMPARE(QString::fromStdString(ranges(windows)), QStringLiteral("[0,4)[2,6)[4,8)[6,10)"));
        const size_t owners[] = { 0, 0, 0, 1, 1, 2, 2, 3, 3, 3 };
        for (int64_t t = 0; t < 10; ++t) {
            QCOMPARE(owningWindow(windows, t), owners[t]);
        }
        QCOMPARE(QString::fromStdString(ranges(ownedRanges(windows))),
            QStringLiteral("[0,3)[3,5)[5,7)[7,10)"));
        QCOMPARE(windowToToken(windows, 2, 3), int64_t(7));
        QCOMPARE(errorOf([&] { windowToToken(windows, 4, 0); }),
            QStringLiteral("window 4 is out of range: there are 4 windows."));
        QCOMPARE(errorOf([&] { windowToToken(windows, 1, 4); }),
            QStringLiteral("position 4 is out of range: window 1 holds 4 tokens."));
        QCOMPARE(errorOf([&] { owningWindow(windows, 10); }),
            QStringLiteral("token 10 is in no window (the windows cover 10 tokens)."));
    }

    void badSettingsAreRefused()
    {
        QCOMPARE(errorOf([] {
            slidingWindows(10, { 4, 4 });
        }),
            QStringLiteral("stride 4 does not fit a window of 4 tokens: consecutive windows "
                           "overlap by `stride` tokens, so it must be at least 0 and smaller "
                           "than the window size."));
        QCOMPARE(errorOf([] {
            slidingWindows(10, { 4, 7 });
        }),
            QStringLiteral("stride 7 does not fit a window of 4 tokens: consecutive windows "
                           "overlap by `stride` tokens, so it must be at least 0 and smaller "
                           "than the window size."));
        QCOMPARE(errorOf([] {
            slidingWindows(10, { 4, -1 });
        }),
            QStringLiteral("stride -1 does not fit a window of 4 tokens: consecutive "
                           "windows overlap by `stride` tokens, so it must be at least 0 and "
                           "smaller than the window size."));
        QCOMPARE(errorOf([] {
            slidingWindows(10, { 0, 0 });
        }),
            QStringLiteral("window size 0 is too small: a window holds at least one token."));
        QCOMPARE(errorOf([] {
            slidingWindows(-1, { 4, 0 });
        }),
            QStringLiteral("token count -1 is negative."));
    }

    void encodeWindows_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("prefix");
        QTest::addColumn<int>("suffix");
        QTest::newRow("bert (WordPiece)") << "bert" << 1 << 1;
        QTest::newRow("roberta (byte-level BPE)") << "roberta" << 1 << 1;
        QTest::newRow("gpt2 (no special tokens)") << "gpt2" << 0 << 0;
        QTest::newRow("llama (SentencePiece, <s> only)") << "llama" << 1 << 0;
        QTest::newRow("albert (SentencePiece unigram)") << "albert" << 1 << 1;
        QTest::newRow("t5 (</s> only)") << "t5" << 0 << 1;
    }

    void encodeWindows()
    {
        QFETCH(QString, model);
        QFETCH(int, prefix);
        QFETCH(int, suffix);
        const Tokenizer& tok = tokenizerFor(model.toStdString());
        const std::string text = longText();
        const int64_t maxLength = 24;
        const int64_t stride = 6;
        const WindowedEncoding w = lumen::engine::encodeWindows(tok, text, { maxLength, stride });
        QCOMPARE(w.prefixLength, int64_t(prefix));
        QCOMPARE(w.suffixLength, int64_t(suffix));

        EncodeOptions bare;
        bare.addSpecialTokens = false;
        const Encoding full = tok.encode(text, bare);
        QCOMPARE(w.text.ids, full.ids);
        QVERIFY(w.windows.size() > 10);
        QCOMPARE(w.encodings.size(), w.windows.size());
        QCOMPARE(w.windows.back().end, int64_t(full.size()));

        // The special tokens are those the tokenizer puts around one text.
        const Encoding framed = tok.encode(kPlain);
        const size_t specials = size_t(prefix + suffix);
        for (size_t i = 0; i < w.windows.size(); ++i) {
            const Encoding& e = w.encodings[i];
            const TokenWindow& win = w.windows[i];
            QVERIFY(e.size() <= size_t(maxLength));
            QCOMPARE(e.size(), size_t(win.size()) + specials);
            QVERIFY(e.truncated);
            for (size_t p = 0; p < size_t(prefix); ++p) {
                QCOMPARE(e.ids[p], framed.ids[p]);
                QCOMPARE(e.specialMask[p], uint8_t(1));
                QCOMPARE(windowPositionToToken(w, i, int64_t(p)), int64_t(-1));
            }
            for (size_t p = 0; p < size_t(suffix); ++p) {
                QCOMPARE(e.ids[e.size() - 1 - p], framed.ids[framed.size() - 1 - p]);
                QCOMPARE(windowPositionToToken(w, i, int64_t(e.size() - 1 - p)), int64_t(-1));
            }
            // Text tokens: the whole-text encoding's, offsets included.
            for (int64_t p = prefix; p < prefix + win.size(); ++p) {
                const int64_t t = windowPositionToToken(w, i, p);
                QCOMPARE(t, win.begin + p - prefix);
                QCOMPARE(e.ids[size_t(p)], full.ids[size_t(t)]);
                QCOMPARE(e.offsets[size_t(p)], full.offsets[size_t(t)]);
            }
        }

        // Stitching the owned tokens gives back the whole text's tokens and offsets, and covers
        // every character of the text that is not white space.
        std::vector<int64_t> stitched;
        std::set<int64_t> covered;
        for (size_t i = 0; i < w.windows.size(); ++i) {
            for (int64_t t = w.owned[i].begin; t < w.owned[i].end; ++t) {
                const int64_t p = t - w.windows[i].begin + prefix;
                QCOMPARE(windowPositionToToken(w, i, p), t);
                stitched.push_back(w.encodings[i].ids[size_t(p)]);
                const auto [begin, end] = w.encodings[i].offsets[size_t(p)];
                for (int64_t c = begin; c < end; ++c) {
                    covered.insert(c);
                }
            }
        }
        QCOMPARE(stitched, full.ids);
        const std::u32string cps = codePoints(text);
        for (size_t c = 0; c < cps.size(); ++c) {
            if (!QChar::isSpace(cps[c])) {
                QVERIFY2(covered.count(int64_t(c)),
                    qPrintable(QStringLiteral("code point %1 (U+%2) is in no window")
                                   .arg(c)
                                   .arg(uint(cps[c]), 4, 16, QLatin1Char('0'))));
            }
        }
    }

    void offsetsPointAtTheOriginalText()
    {
        // Uncased WordPiece on ASCII: each text token, '##' dropped, is the lower-cased text at
        // its offsets, in every window.
        const Tokenizer& tok = tokenizerFor("bert");
        std::string text;
        for (int i = 0; i < 10; ++i) {
            text +=
                "The Quick brown fox jumps over the lazy dog number " + std::to_string(i) + ". ";
        }
        const WindowedEncoding w = lumen::engine::encodeWindows(tok, text, { 16, 5 });
        const std::u32string cps = codePoints(text);
        int checked = 0;
        for (const Encoding& e : w.encodings) {
            for (size_t p = 1; p + 1 < e.size(); ++p) {
                std::string token = e.tokens[p];
                if (token == "[UNK]") {
                    continue;
                }
                if (token.rfind("##", 0) == 0) {
                    token = token.substr(2);
                }
                const auto [begin, end] = e.offsets[p];
                const QString original = QString::fromUcs4(cps.data() + begin, int(end - begin));
                QCOMPARE(original.toLower(), QString::fromStdString(token));
                ++checked;
            }
        }
        QVERIFY(checked > 100);
    }

    void shortTextIsOneOrdinaryEncoding_data()
    {
        QTest::addColumn<QString>("model");
        for (const char* m : { "bert", "roberta", "gpt2", "llama", "albert", "t5" }) {
            QTest::newRow(m) << m;
        }
    }

    void shortTextIsOneOrdinaryEncoding()
    {
        // Shorter than one window: exactly what the tokenizer's own encode gives.
        QFETCH(QString, model);
        const Tokenizer& tok = tokenizerFor(model.toStdString());
        const WindowedEncoding w =
            lumen::engine::encodeWindows(tok, kPlain, { /*maxLength=*/0, 4 });
        const Encoding expected = tok.encode(kPlain);
        QCOMPARE(w.encodings.size(), size_t(1));
        QCOMPARE(w.encodings[0].ids, expected.ids);
        QCOMPARE(w.encodings[0].offsets, expected.offsets);
        QCOMPARE(w.encodings[0].typeIds, expected.typeIds);
        QCOMPARE(w.encodings[0].specialMask, expected.specialMask);
        QVERIFY(!w.encodings[0].truncated);
        QCOMPARE(
            QString::fromStdString(ranges(w.owned)), QStringLiteral("[0,%1)").arg(w.text.size()));

        const WindowedEncoding empty = lumen::engine::encodeWindows(tok, "", { 16, 4 });
        QCOMPARE(empty.encodings.size(), size_t(1));
        QCOMPARE(empty.encodings[0].size(), size_t(empty.prefixLength + empty.suffixLength));
    }

    void badEncodeSettingsAreRefused()
    {
        const Tokenizer& tok = tokenizerFor("bert");
        QCOMPARE(errorOf([&] {
            lumen::engine::encodeWindows(tok, kPlain, { 2, 0 });
        }),
            QStringLiteral("maximum length 2 leaves no room for text: this tokenizer adds 2 "
                           "special tokens to every window; use a maximum length of at "
                           "least 3."));
        QCOMPARE(errorOf([&] {
            lumen::engine::encodeWindows(tok, kPlain, { 8, 6 });
        }),
            QStringLiteral("stride 6 does not fit: a window of maximum length 8 holds 6 text "
                           "tokens (2 are special), and consecutive windows overlap by "
                           "`stride` of them; use a stride from 0 to 5 or a larger maximum "
                           "length."));
        QCOMPARE(errorOf([&] {
            lumen::engine::encodeWindows(tok, kPlain, { -3, 0 });
        }),
            QStringLiteral("maximum length -3 is negative; use a positive length, or 0 for "
                           "the tokenizer's own."));
        const WindowedEncoding w = lumen::engine::encodeWindows(tok, kPlain, { 8, 2 });
        QCOMPARE(errorOf([&] { windowPositionToToken(w, 0, 8); }),
            QStringLiteral("position 8 is out of range: window 0's encoding holds 8 "
                           "tokens."));
        QCOMPARE(errorOf([&] { windowPositionToToken(w, w.encodings.size(), 0); }),
            QStringLiteral("window %1 is out of range: the text has %1 windows.")
                .arg(w.encodings.size()));
    }
};

QTEST_GUILESS_MAIN(TstWindows)
#include "tst_windows.moc"
