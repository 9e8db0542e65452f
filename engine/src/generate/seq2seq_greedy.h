// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Greedy decoding for encoder-decoder models (T5; engine-internal, beside greedy.h's
// decoder-only version). Matches the reference's generate(do_sample=False, num_beams=1): the
// encoder runs once on the prompt; each step runs the decoder on decoder_start_token_id and
// the tokens chosen so far, and appends the best next token (the reference checked that this
// equals its cached generate: same_with_use_cache_false).
//
//   ModelInput prompt;  // [batch, seq] ids and mask of the source text
//   GreedyResult r = seq2seqGreedyGenerate(model, prompt, {/*maxNewTokens=*/8});
//   r.sequences[row]    // decoder_start_token_id followed by the new tokens
//
// Plain types only (no Torch), so tests can call it. One thread per Model, as for forward().

#include "generate/greedy.h"

namespace lumen::engine {

/// Throws lumen::Error(InvalidInput) for a model that is not encoder-decoder or a malformed
/// prompt. GreedyResult::sequences hold decoder_start_token_id + the new tokens per row.
GreedyResult seq2seqGreedyGenerate(
    Model& model, const ModelInput& prompt, const GreedyConfig& config);

} // namespace lumen::engine
