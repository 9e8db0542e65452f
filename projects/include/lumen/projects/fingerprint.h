// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A model folder's fingerprint, recorded with its runs (models.content_hash) so that two runs
// of "the same path" can be told apart when the checkpoint there changed (a fine-tune saved
// over it), and a copy elsewhere recognised.
//
//   std::string hash = modelFingerprint("/models/bert");   // "sha256-sampled:9f86d0..."
//
// Hashing every byte of a multi-gigabyte checkpoint for each run would take seconds, so this
// is SHA-256 over: each file's name and size (config.json, tokenizer files, weights), the
// whole content of the small files (under 4 MiB: configs, vocabularies), and of each larger
// file its first and last MiB and 32 evenly spaced 64 KiB chunks (about 4 MiB read per file).
// Two different fine-tunes of one architecture differ in nearly every chunk; a change that
// touched none of the sampled bytes would go unseen (the prefix says the hash is sampled).
// Thread safety: a pure function over files.

#include <string>

namespace lumen::projects {

/// The fingerprint of the files directly in `modelDir` (not subfolders, not hidden files);
/// "" when it is not a readable folder.
std::string modelFingerprint(const std::string& modelDir);

} // namespace lumen::projects
