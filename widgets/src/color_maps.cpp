// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/color_maps.h"

#include <cmath>

namespace lumen::widgets::colormaps {

namespace {

struct Stop {
    int index; ///< entry of the 256-entry reference table
    float r, g, b;
};

// Entries 0, 16, ..., 240 and 255 of matplotlib's _viridis_data and _cividis_data.
constexpr Stop kViridis[] = {
    { 0, 0.267004f, 0.004874f, 0.329415f },
    { 16, 0.282327f, 0.094955f, 0.417331f },
    { 32, 0.278826f, 0.175490f, 0.483397f },
    { 48, 0.258965f, 0.251537f, 0.524736f },
    { 64, 0.229739f, 0.322361f, 0.545706f },
    { 80, 0.199430f, 0.387607f, 0.554642f },
    { 96, 0.172719f, 0.448791f, 0.557885f },
    { 112, 0.149039f, 0.508051f, 0.557250f },
    { 128, 0.127568f, 0.566949f, 0.550556f },
    { 144, 0.120638f, 0.625828f, 0.533488f },
    { 160, 0.157851f, 0.683765f, 0.501686f },
    { 176, 0.246070f, 0.738910f, 0.452024f },
    { 192, 0.369214f, 0.788888f, 0.382914f },
    { 208, 0.515992f, 0.831158f, 0.294279f },
    { 224, 0.678489f, 0.863742f, 0.189503f },
    { 240, 0.845561f, 0.887322f, 0.099702f },
    { 255, 0.993248f, 0.906157f, 0.143936f },
};

constexpr Stop kCividis[] = {
    { 0, 0.000000f, 0.135112f, 0.304751f },
    { 16, 0.000000f, 0.178802f, 0.414764f },
    { 32, 0.103401f, 0.220406f, 0.435790f },
    { 48, 0.195057f, 0.264372f, 0.425924f },
    { 64, 0.263738f, 0.307831f, 0.422789f },
    { 80, 0.324250f, 0.351289f, 0.426250f },
    { 96, 0.380830f, 0.395164f, 0.435653f },
    { 112, 0.435168f, 0.439763f, 0.451134f },
    { 128, 0.488697f, 0.485318f, 0.471008f },
    { 144, 0.547840f, 0.531895f, 0.471704f },
    { 160, 0.609105f, 0.579816f, 0.463638f },
    { 176, 0.671991f, 0.629316f, 0.448018f },
    { 192, 0.736488f, 0.680629f, 0.424028f },
    { 208, 0.802667f, 0.733978f, 0.390153f },
    { 224, 0.870717f, 0.789572f, 0.343333f },
    { 240, 0.941147f, 0.847530f, 0.275815f },
    { 255, 0.995737f, 0.909344f, 0.217772f },
};

template<size_t N> Table interpolate(const Stop (&stops)[N])
{
    Table table {};
    const auto channel = [](float v) { return static_cast<int>(std::lround(v * 255.0f)); };
    for (size_t s = 0; s + 1 < N; ++s) {
        const Stop& a = stops[s];
        const Stop& b = stops[s + 1];
        for (int i = a.index; i <= b.index; ++i) {
            const float f = static_cast<float>(i - a.index) / static_cast<float>(b.index - a.index);
            table[static_cast<size_t>(i)] = qRgb(channel(a.r + (b.r - a.r) * f),
                channel(a.g + (b.g - a.g) * f), channel(a.b + (b.b - a.b) * f));
        }
    }
    return table;
}

// Tol's "muted" qualitative scheme, in his order, then three more so that the 12 heads of
// a BERT-base or GPT-2 layer each get their own: near-black, brown and navy, the three of
// a set of candidates that keep the smallest CIELAB distance between any two colours as it
// is among the nine (22.8), and at least 11 under simulated deuteranopia and protanopia.
constexpr QRgb kMuted[kCategoricalCount] = {
    0xffcc6677, // rose
    0xff332288, // indigo
    0xffddcc77, // sand
    0xff117733, // green
    0xff88ccee, // cyan
    0xff882255, // wine
    0xff44aa99, // teal
    0xff999933, // olive
    0xffaa4499, // purple
    0xff222222, // near-black
    0xff8c510a, // brown
    0xff004488, // navy
};

} // namespace

const Table& sequentialTable(Sequential map)
{
    static const Table viridis = interpolate(kViridis);
    static const Table cividis = interpolate(kCividis);
    return map == Sequential::Cividis ? cividis : viridis;
}

int sequentialIndex(double t)
{
    if (!(t > 0.0)) { // also NaN
        return 0;
    }
    if (t >= 1.0) {
        return kTableSize - 1;
    }
    return static_cast<int>(std::lround(t * (kTableSize - 1)));
}

QRgb sequential(double t, Sequential map)
{
    return sequentialTable(map)[static_cast<size_t>(sequentialIndex(t))];
}

QColor categorical(int id)
{
    const int i = ((id % kCategoricalCount) + kCategoricalCount) % kCategoricalCount;
    return QColor::fromRgb(kMuted[i]);
}

} // namespace lumen::widgets::colormaps
