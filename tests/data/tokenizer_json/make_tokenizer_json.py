#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 The Lumen authors
"""Writes tests/data/tokenizer_json/<case>/tokenizer.json for conformance cases.

Each file is what transformers 4.40's convert_slow_tokenizer (tokenizers 0.19) writes for the
case's slow tokenizer files when the fast tokenizer is saved: the same model, normalizer,
pre-tokenizer, post-processor and decoder, and the added tokens of tokenizer_config.json's
added_tokens_decoder. The repository has no `tokenizers` package, so this script transcribes
the converters (BertConverter, RobertaConverter, GPT2Converter, AlbertConverter, T5Converter,
LlamaConverter) with the standard library alone, reading the SentencePiece models' protobuf
by hand. Run it from anywhere; it only reads tests/data/conformance.
"""

import base64
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.join(HERE, "..", "conformance")


# ---- SentencePiece ModelProto (sentencepiece_model.proto), the fields the converters use ----

def _varint(data, i):
    shift = 0
    value = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _fields(data):
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1:
            value = data[i:i + 8]
            i += 8
        elif wire == 2:
            length, i = _varint(data, i)
            value = data[i:i + length]
            i += length
        elif wire == 5:
            value = data[i:i + 4]
            i += 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, wire, value


def read_spm(path):
    with open(path, "rb") as f:
        data = f.read()
    pieces = []
    trainer = {"model_type": 1, "unk_id": 0, "byte_fallback": False, "unk_piece": "<unk>"}
    normalizer = {"precompiled_charsmap": b""}
    for number, _, value in _fields(data):
        if number == 1:
            piece = {"piece": "", "score": 0.0, "type": 1}
            for n, _, v in _fields(value):
                if n == 1:
                    piece["piece"] = v.decode("utf-8")
                elif n == 2:
                    piece["score"] = struct.unpack("<f", v)[0]
                elif n == 3:
                    piece["type"] = v
            pieces.append(piece)
        elif number == 2:
            for n, _, v in _fields(value):
                if n == 3:
                    trainer["model_type"] = v
                elif n == 40:
                    trainer["unk_id"] = v
                elif n == 35:
                    trainer["byte_fallback"] = bool(v)
                elif n == 45:
                    trainer["unk_piece"] = v.decode("utf-8")
        elif number == 3:
            for n, _, v in _fields(value):
                if n == 2:
                    normalizer["precompiled_charsmap"] = v
    return pieces, trainer, normalizer


# ---- the pieces of a tokenizer.json ----

def added_tokens(case_dir):
    with open(os.path.join(case_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    decoder = config.get("added_tokens_decoder", {})
    out = []
    for key in sorted(decoder, key=int):
        token = decoder[key]
        out.append({
            "id": int(key),
            "content": token["content"],
            "single_word": token.get("single_word", False),
            "lstrip": token.get("lstrip", False),
            "rstrip": token.get("rstrip", False),
            "normalized": token.get("normalized", True),
            "special": token.get("special", False),
        })
    return config, out


def template(single, pair, specials):
    def parse(spec):
        out = []
        for part in spec.split():
            name, _, type_id = part.partition(":")
            type_id = int(type_id) if type_id else 0
            if name in ("$A", "$B"):
                out.append({"Sequence": {"id": name[1:], "type_id": type_id}})
            else:
                out.append({"SpecialToken": {"id": name, "type_id": type_id}})
        return out
    return {
        "type": "TemplateProcessing",
        "single": parse(single),
        "pair": parse(pair),
        "special_tokens": {
            name: {"id": name, "ids": [token_id], "tokens": [name]} for name, token_id in specials
        },
    }


def metaspace(prepend_scheme, split=True):
    return {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": prepend_scheme,
            "split": split}


def document(added, normalizer, pre_tokenizer, post_processor, decoder, model):
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": post_processor,
        "decoder": decoder,
        "model": model,
    }


# ---- converters ----

def bert(case_dir):
    config, added = added_tokens(case_dir)
    with open(os.path.join(case_dir, "vocab.txt"), encoding="utf-8") as f:
        vocab = [line.rstrip("\n") for line in f]
    ids = {token: i for i, token in enumerate(vocab)}
    cls, sep = config["cls_token"], config["sep_token"]
    return document(
        added,
        {"type": "BertNormalizer", "clean_text": True,
         "handle_chinese_chars": config.get("tokenize_chinese_chars", True),
         "strip_accents": config.get("strip_accents"),
         "lowercase": config.get("do_lower_case", True)},
        {"type": "BertPreTokenizer"},
        template(f"{cls}:0 $A:0 {sep}:0", f"{cls}:0 $A:0 {sep}:0 $B:1 {sep}:1",
                 [(cls, ids[cls]), (sep, ids[sep])]),
        {"type": "WordPiece", "prefix": "##", "cleanup": True},
        {"type": "WordPiece", "unk_token": config["unk_token"], "continuing_subword_prefix": "##",
         "max_input_chars_per_word": 100, "vocab": ids},
    )


def byte_level_bpe_model(case_dir):
    with open(os.path.join(case_dir, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(case_dir, "merges.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")[1:-1]
    ranks = {}
    for line in lines:
        pair = tuple(line.split())
        ranks.setdefault(pair, len(ranks))
    merges = [" ".join(pair) for pair in ranks]
    return {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
            "ignore_merges": False, "vocab": vocab, "merges": merges}


def roberta(case_dir):
    config, added = added_tokens(case_dir)
    model = byte_level_bpe_model(case_dir)
    vocab = model["vocab"]
    space = config.get("add_prefix_space", False)
    return document(
        added, None,
        {"type": "ByteLevel", "add_prefix_space": space, "trim_offsets": True, "use_regex": True},
        {"type": "RobertaProcessing", "sep": [config["sep_token"], vocab[config["sep_token"]]],
         "cls": [config["cls_token"], vocab[config["cls_token"]]], "trim_offsets": True,
         "add_prefix_space": space},
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        model,
    )


def gpt2(case_dir):
    config, added = added_tokens(case_dir)
    space = config.get("add_prefix_space", False)
    return document(
        added, None,
        {"type": "ByteLevel", "add_prefix_space": space, "trim_offsets": True, "use_regex": True},
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        byte_level_bpe_model(case_dir),
    )


def unigram_model(pieces, trainer, vocab):
    return {"type": "Unigram", "unk_id": trainer["unk_id"], "vocab": vocab,
            "byte_fallback": False}


def precompiled(normalizer):
    return {"type": "Precompiled",
            "precompiled_charsmap": base64.b64encode(normalizer["precompiled_charsmap"]).decode()}


def albert(case_dir):
    config, added = added_tokens(case_dir)
    pieces, trainer, normalizer = read_spm(os.path.join(case_dir, "spiece.model"))

    def check_number_comma(piece):
        return len(piece) < 2 or piece[-1] != "," or not piece[-2].isdigit()

    vocab = [[p["piece"], p["score"] if check_number_comma(p["piece"]) else p["score"] - 100]
             for p in pieces]
    ids = {p["piece"]: i for i, p in enumerate(pieces)}
    steps = [{"type": "Replace", "pattern": {"String": "``"}, "content": '"'},
             {"type": "Replace", "pattern": {"String": "''"}, "content": '"'}]
    if not config.get("keep_accents", False):
        steps += [{"type": "NFKD"}, {"type": "StripAccents"}]
    if config.get("do_lower_case", True):
        steps.append({"type": "Lowercase"})
    if normalizer["precompiled_charsmap"]:
        steps.append(precompiled(normalizer))
    steps.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})
    return document(
        added, {"type": "Sequence", "normalizers": steps}, metaspace("always"),
        template("[CLS]:0 $A:0 [SEP]:0", "[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
                 [("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])]),
        metaspace("always"), unigram_model(pieces, trainer, vocab))


def spm_normalizer(normalizer):
    steps = [{"type": "Strip", "strip_left": False, "strip_right": True},
             {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "\u2581"}]
    if normalizer["precompiled_charsmap"]:
        steps.insert(0, precompiled(normalizer))
    return {"type": "Sequence", "normalizers": steps}


def t5(case_dir):
    config, added = added_tokens(case_dir)
    pieces, trainer, normalizer = read_spm(os.path.join(case_dir, "spiece.model"))
    extra = config.get("extra_ids", 100)
    vocab = [[p["piece"], p["score"]] for p in pieces]
    vocab += [["<extra_id_%d>" % i, 0.0] for i in range(extra - 1, -1, -1)]
    eos = [p["piece"] for p in pieces].index("</s>")
    prepend = "always" if config.get("add_prefix_space", True) else "never"
    return document(
        added, spm_normalizer(normalizer), metaspace(prepend),
        template("$A:0 </s>:0", "$A:0 </s>:0 $B:0 </s>:0", [("</s>", eos)]),
        metaspace(prepend), unigram_model(pieces, trainer, vocab))


def llama(case_dir):
    config, added = added_tokens(case_dir)
    pieces, trainer, _ = read_spm(os.path.join(case_dir, "tokenizer.model"))
    names = [p["piece"] for p in pieces]
    vocab_scores = [(names[0], 0.0), (names[1], 0.0), (names[2], 0.0)]
    vocab_scores += [(p["piece"], p["score"]) for p in pieces[3:]]
    vocab = {piece: i for i, piece in enumerate(names)}
    # SentencePieceExtractor.extract(vocab_scores): every split of a piece into two pieces of
    # the vocabulary, ordered by the piece's score (highest first), ties in vocabulary order.
    merges = []
    for merge, score in dict(vocab_scores).items():
        local = []
        for index in range(1, len(merge)):
            left, right = merge[:index], merge[index:]
            if left in vocab and right in vocab:
                local.append((left, right, score))
        local.sort(key=lambda x: (vocab[x[0]], vocab[x[1]]))
        merges.extend(local)
    merges.sort(key=lambda x: x[2], reverse=True)
    bos, eos = config.get("bos_token"), config.get("eos_token")
    single = ("%s:0 " % bos if config.get("add_bos_token", True) else "") + "$A:0" + \
        (" %s:0" % eos if config.get("add_eos_token", False) else "")
    pair = single + " " + ("%s:1 " % bos if config.get("add_bos_token", True) else "") + \
        "$B:1" + (" %s:1" % eos if config.get("add_eos_token", False) else "")
    specials = []
    if config.get("add_bos_token", True):
        specials.append((bos, vocab[bos]))
    if config.get("add_eos_token", False):
        specials.append((eos, vocab[eos]))
    legacy = config.get("legacy", True)
    add_prefix_space = config.get("add_prefix_space", True)
    if legacy:
        steps = ([{"type": "Prepend", "prepend": "\u2581"}] if add_prefix_space else []) + \
            [{"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]
        normalizer, pre_tokenizer = {"type": "Sequence", "normalizers": steps}, None
    else:
        normalizer = None
        pre_tokenizer = metaspace("first" if add_prefix_space else "never", split=False)
    decoder_steps = [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                     {"type": "ByteFallback"}, {"type": "Fuse"}]
    if add_prefix_space:
        decoder_steps.append({"type": "Strip", "content": " ", "start": 1, "stop": 0})
    return document(
        added, normalizer, pre_tokenizer, template(single, pair, specials),
        {"type": "Sequence", "decoders": decoder_steps},
        {"type": "BPE", "dropout": None, "unk_token": trainer["unk_piece"],
         "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": True,
         "byte_fallback": True, "ignore_merges": False, "vocab": vocab,
         "merges": ["%s %s" % (left, right) for left, right, _ in merges]})


CONVERTERS = {
    "bert": bert,
    "bert-cased": bert,
    "roberta": roberta,
    "gpt2": gpt2,
    "albert": albert,
    "t5": t5,
    "llama": llama,
}


def main():
    for case, convert in CONVERTERS.items():
        doc = convert(os.path.join(CONFORMANCE, case))
        out_dir = os.path.join(HERE, case)
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=2)
            f.write("\n")
        print("wrote", os.path.relpath(os.path.join(out_dir, "tokenizer.json")), file=sys.stderr)


if __name__ == "__main__":
    main()
